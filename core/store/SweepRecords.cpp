#include "SweepRecords.h"

#include <QJsonDocument>
#include <QUuid>

namespace dredge {

SweepRecord newSweepRecord(const SweepSpec& spec, int tasks) {
    SweepRecord sweep;
    sweep.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    sweep.name = spec.name;
    sweep.created = QDateTime::currentDateTimeUtc();
    sweep.spec = QJsonDocument(toJson(spec)).toJson(QJsonDocument::Compact);
    sweep.tasks = tasks;
    return sweep;
}

RunRecord queuedRun(const SweepRecord& sweep, const SweepTask& task) {
    auto record = newRunRecord(
        task.config,
        QStringLiteral("%1 #%2: %3").arg(sweep.name).arg(task.index).arg(task.label()));
    record.status = RecordStatus::Queued;
    record.pid = 0; // no process trains it yet
    record.sweepId = sweep.id;
    record.sweepTask = task.index;
    record.tags = QStringList{QStringLiteral("sweep")};
    return record;
}

} // namespace dredge
