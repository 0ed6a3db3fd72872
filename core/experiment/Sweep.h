#pragma once
// A sweep: a base experiment and axes over its settings, expanded into the
// runs it starts. Axes give values (a list, or a linear or log range of N
// points) for a numeric setting, or value sets for switches and choices;
// seeds multiply every combination. Grid mode starts every combination;
// random mode draws N seeded samples (log ranges drawn log-uniformly). The
// expansion is deterministic: task i is the same run on every machine, which
// is what lets a Slurm array task i train it.
//
// Mode "asha" trains the same runs (the grid, or with "samples" random draws)
// under asynchronous successive halving (SuccessiveHalving.h): "min_epochs" r,
// "reduction" η (3), "objective" "mean"|"median" over a setting's seeds; its
// settings in a seeded random order ("sample_seed"), seeds together. Mode
// "hyperband" shares the settings out to brackets of asha with first rungs
// r, rη, rη², ….
//
// Mode "tpe" proposes each setting from the settings finished before it
// (ParzenSearch.h): "trials" settings, each trained with every seed; a
// trial's setting is asked of the store when its first run starts
// (TrialStore.h), so runs on any machine share one search. "startup",
// "candidates", "gamma" tune the estimator; "min_epochs" (with "reduction",
// "objective") adds asha's pruning, as BOHB does. Its tasks are pending
// until proposed: trial k's seeds are tasks k·S … k·S + S − 1.
//
// Mode "pbt" trains a population (PopulationTraining.h): "population" members
// drawn from the axes as random mode draws ("sample_seed"), each with every
// seed (member m's seeds are tasks m·S … m·S + S − 1); every "interval"
// epochs the bottom "quantile" goes on from a top member's checkpoint with
// its live axes perturbed ("perturb" factors), "objective" over seeds.
//
// Files: {"format": "dredge-sweep", "version": 1, "name": …, "base": {experiment},
//         "mode": "grid"|"random"|"asha"|"hyperband"|"tpe"|"pbt", "samples": N, "sample_seed": S,
//         "axes": [{"setting": "lr", "values": [1e-3, 3e-3]},
//                  {"setting": "waves", "range": {"from": 8, "to": 32, "points": 3,
//                                                 "scale": "log"}}, …],
//         "seeds": [0, 1, 2] or {"from": 0, "to": 4}}

#include "ExperimentConfig.h"
#include "ParzenSearch.h"
#include "PopulationTraining.h"
#include "SuccessiveHalving.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace dredge {

// Asha and Hyperband halve: their runs end early at rungs (SuccessiveHalving.h);
// Tpe proposes settings as results come in, halving too with "min_epochs";
// Pbt trains a population that copies its best members as it goes.
enum class SweepMode { Grid, Random, Asha, Hyperband, Tpe, Pbt };

struct SweepAxis {
    QString setting;                // as on the command line: lr, waves, amp, model, …
    std::vector<QJsonValue> values; // a list, or a range's points (grid mode)
    // A range (random mode draws within it; grid mode uses `values`).
    bool isRange = false;
    double from = 0.0, to = 0.0;
    bool logScale = false;
};

struct SweepSpec {
    QString name;
    ExperimentConfig base;
    SweepMode mode = SweepMode::Grid;
    int samples = 0;              // random mode; asha mode draws so many when set
    uint64_t sampleSeed = 0;      // random mode
    SuccessiveHalving halving;    // asha mode; tpe with "min_epochs" (else minEpochs 0)
    int trials = 0;               // tpe mode: settings to try
    ParzenOptions parzen;         // tpe mode
    PopulationOptions population; // pbt mode
    std::vector<SweepAxis> axes;
    std::vector<uint64_t> seeds{0};
};

// One run of a sweep.
struct SweepTask {
    int index = 0;
    ExperimentConfig config;
    std::vector<std::pair<QString, QJsonValue>> values; // setting → value, seed last
    QString label() const;                              // "lr=0.001 amp=on seed=2"
    QString groupLabel() const; // the same without the seed: runs of one group share it
    int bracket = 0;            // hyperband: its setting's bracket
    int setting = 0;            // which of the sweep's settings (tpe: its trial; pbt: its member)
    // Tpe: the setting is not chosen yet (only the seed is in `values`); the
    // store proposes it when the trial's first run starts (proposedTask).
    bool pending = false;
};

// One value per axis, in the axes' order: a setting of the sweep.
using SweepPoint = std::vector<QJsonValue>;

// How a tpe trial did, as the store knows it: its setting and, once every
// seed ended, how far its runs trained (`reach`, epochs) and its value
// there (ParzenResult).
struct TrialOutcome {
    SweepPoint point;
    bool ended = false;
    double reach = 0.0;
    double value = 0.0;
};

constexpr int kSweepFileVersion = 1;

// The settings an axis may name: numbers, switches and choices.
QStringList sweepSettings();
// Sets `setting` of `config` to `value`, or says why it cannot.
bool applySetting(ExperimentConfig& config, const QString& setting, const QJsonValue& value,
                  QString* error);

// "grid", "random", "asha", "hyperband", "tpe" or "pbt".
QString sweepModeName(SweepMode mode);
// Whether the sweep's runs end early at rungs (asha, hyperband, tpe with "min_epochs").
bool halvesRuns(const SweepSpec& spec);
// The successive halving `task` trains under (its bracket's, in hyperband),
// or none.
std::optional<SuccessiveHalving> halvingOf(const SweepSpec& spec, const SweepTask& task);

std::optional<SweepSpec> sweepFromJson(const QJsonObject& json, QString* error);
// A sweep file's bytes (what readSweepFile reads).
std::optional<SweepSpec> parseSweep(const QByteArray& bytes, QString* error);
std::optional<SweepSpec> readSweepFile(const QString& path, QString* error);
QJsonObject toJson(const SweepSpec& spec);

// Every run of the sweep, in a fixed order (grid: the last axis fastest, seeds
// innermost, so a group's seeds sit together). Fails when a run would be
// invalid, naming it.
std::optional<std::vector<SweepTask>> expandSweep(const SweepSpec& spec, QString* error);

// `task`'s setting as the axes' values, in the axes' order.
SweepPoint settingOf(const SweepSpec& spec, const SweepTask& task);
// `task`'s setting as numbers, one per axis: a range's value, a listed
// axis's index among its values.
std::vector<double> axisPoint(const SweepSpec& spec, const SweepTask& task);

// Tpe: trial `trial`'s setting, proposed from the outcomes of the trials
// before it (every trial proposed so far, ended or not, is avoided).
// Deterministic in the sweep's sample_seed, the trial and the outcomes.
SweepPoint proposeSetting(const SweepSpec& spec, int trial,
                          const std::vector<TrialOutcome>& outcomes);
// The pending task `task` with its trial's setting `point` applied, or
// why that setting cannot run.
std::optional<SweepTask> proposedTask(const SweepSpec& spec, const SweepTask& task,
                                      const SweepPoint& point, QString* error);

} // namespace dredge
