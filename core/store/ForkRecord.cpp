#include "ForkRecord.h"

#include "ForkRule.h"

namespace dredge {

std::optional<RunRecord> forkRecord(const RunRecord& parent, const ResumePoint& point,
                                    const ExperimentConfig& config, const QString& name,
                                    QString* error) {
    if (auto problem = forkProblem(parent.config, config); !problem.isEmpty()) {
        *error = std::move(problem);
        return std::nullopt;
    }
    const qint64 from = point.checkpoint.epoch;
    if (from >= config.train.epochs) {
        *error = QStringLiteral("the checkpoint is after epoch %1: give more epochs than that")
                     .arg(from);
        return std::nullopt;
    }
    RunRecord record = newRunRecord(
        config,
        name.isEmpty() ? QStringLiteral("%1, from epoch %2").arg(parent.name).arg(from) : name);
    record.parentId = parent.id;
    record.forkEpoch = from;
    return record;
}

} // namespace dredge
