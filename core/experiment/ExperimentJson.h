#pragma once
// JSON for experiment configs and run results: the CLI's output and the
// experiment files share it. Reading is strict: an unknown name, a wrong type
// or an out-of-range value is an error that names the field.

#include "ExperimentConfig.h"
#include "Trainer.h"

#include <QJsonObject>
#include <QString>
#include <optional>

namespace dredge {

QJsonObject toJson(const ExperimentConfig& config);
// Missing fields keep their defaults; *error says what is wrong otherwise.
std::optional<ExperimentConfig> experimentFromJson(const QJsonObject& json, QString* error);

QJsonObject toJson(const RunSetup& setup);
// The hosts of a run's ranks in rank order (this host alone for one process).
QStringList hostNames(const RunSetup& setup);
// Non-finite losses (a diverged run) are written as null.
QJsonObject toJson(const TrainResult& result, bool withHistory);
std::optional<TrainResult> resultFromJson(const QJsonObject& json, QString* error);

} // namespace dredge
