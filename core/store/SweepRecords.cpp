#include "SweepRecords.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>
#include <algorithm>
#include <set>

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

bool isAdaptiveMode(const QString& mode) {
    return mode == QLatin1String("asha") || mode == QLatin1String("hyperband") ||
           mode == QLatin1String("tpe") || mode == QLatin1String("pbt");
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
    // An adaptive sweep's runs say which (History can filter by it), and
    // the window leaves them to `sweep`, which judges rungs and proposes.
    const QString mode = QJsonDocument::fromJson(sweep.spec).object().value("mode").toString();
    if (isAdaptiveMode(mode)) {
        record.tags.append(mode);
    }
    return record;
}

std::vector<QueuedSweep> queuedSweeps(const std::vector<RunRecord>& runs, const QString& host) {
    std::map<QString, QueuedSweep> queued;
    std::set<QString> worked; // sweeps some process is training: theirs, not ours
    for (const auto& r : runs) {
        const bool adaptive = std::any_of(r.tags.begin(), r.tags.end(), isAdaptiveMode);
        if (r.sweepId.isEmpty() || r.host != host || adaptive) {
            continue;
        }
        if (r.status == RecordStatus::Queued) {
            auto& sweep = queued[r.sweepId];
            sweep.sweepId = r.sweepId;
            sweep.records.emplace(r.sweepTask, r);
        } else if (r.status == RecordStatus::Running) {
            worked.insert(r.sweepId);
        }
    }
    std::vector<QueuedSweep> sweeps;
    for (auto& [id, sweep] : queued) {
        if (worked.count(id)) {
            continue;
        }
        for (const auto& [index, record] : sweep.records) { // a map: in task order
            SweepTask task;
            task.index = index;
            task.config = record.config;
            sweep.tasks.push_back(std::move(task));
        }
        sweep.name = sweep.records.begin()->second.name.section(QStringLiteral(" #"), 0, 0);
        sweeps.push_back(std::move(sweep));
    }
    return sweeps;
}

} // namespace dredge
