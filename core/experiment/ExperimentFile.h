#pragma once
// Experiment files: the experiment's config and, optionally, finished runs with
// their loss histories, as JSON. Saving is atomic (QSaveFile): a failed save
// leaves the old file intact. Opening checks format and version and names the
// problem; it never returns a half-read experiment.

#include "ExperimentConfig.h"
#include "SettingChange.h"
#include "TrainConfig.h"

#include <QString>
#include <optional>
#include <vector>

namespace dredge {

struct SavedRun {
    QString name;
    ExperimentConfig config; // as it started
    TrainResult result;
    RunJournal journal; // its live changes and stop ("changes" in the file; optional)
};

struct ExperimentDocument {
    ExperimentConfig experiment;
    std::vector<SavedRun> runs;
};

constexpr int kExperimentFileVersion = 1;

// Returns an empty string on success, else why it failed.
QString saveExperiment(const QString& path, const ExperimentDocument& document);
std::optional<ExperimentDocument> openExperiment(const QString& path, QString* error);
// The parsing step alone, for tests and the fuzzer.
std::optional<ExperimentDocument> parseExperiment(const QByteArray& bytes, QString* error);

} // namespace dredge
