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
// Files: {"format": "dredge-sweep", "version": 1, "name": …, "base": {experiment},
//         "mode": "grid"|"random"|"asha", "samples": N, "sample_seed": S,
//         "axes": [{"setting": "lr", "values": [1e-3, 3e-3]},
//                  {"setting": "waves", "range": {"from": 8, "to": 32, "points": 3,
//                                                 "scale": "log"}}, …],
//         "seeds": [0, 1, 2] or {"from": 0, "to": 4}}

#include "ExperimentConfig.h"
#include "SuccessiveHalving.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace dredge {

// Asha and Hyperband halve: their runs end early at rungs (SuccessiveHalving.h).
enum class SweepMode { Grid, Random, Asha, Hyperband };

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
    int samples = 0;           // random mode; asha mode draws so many when set
    uint64_t sampleSeed = 0;   // random mode
    SuccessiveHalving halving; // asha mode
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
};

constexpr int kSweepFileVersion = 1;

// The settings an axis may name: numbers, switches and choices.
QStringList sweepSettings();
// Sets `setting` of `config` to `value`, or says why it cannot.
bool applySetting(ExperimentConfig& config, const QString& setting, const QJsonValue& value,
                  QString* error);

// "grid", "random", "asha" or "hyperband".
QString sweepModeName(SweepMode mode);
// Whether runs of this mode end early at rungs (asha, hyperband).
bool halvesRuns(SweepMode mode);
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

} // namespace dredge
