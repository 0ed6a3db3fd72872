// RunStore's tpe trials: the sweep_trials table (schema 9), and what the
// sweep's runs say of each trial.

#include "TrialStore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSqlQuery>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace dredge {
namespace {

QJsonArray settingFrom(const QVariant& column) {
    return QJsonDocument::fromJson(column.toString().toUtf8()).array();
}

SweepPoint pointOf(const QJsonArray& setting) {
    return SweepPoint(setting.begin(), setting.end());
}

// A run that failed or whose process died: worst, unless its task was trained again.
bool isLost(RecordStatus s) {
    return s == RecordStatus::Failed || s == RecordStatus::Interrupted;
}

bool isResult(RecordStatus s) {
    return s == RecordStatus::Finished || s == RecordStatus::Diverged ||
           s == RecordStatus::Pruned || isLost(s);
}

// A run's value where it ended: its best watched loss; worst when it diverged or failed.
double endValue(const RunRecord& r) {
    const bool counts = r.status == RecordStatus::Finished || r.status == RecordStatus::Pruned;
    // (Failed, interrupted and diverged runs are worst.)
    return counts && std::isfinite(r.bestLoss) ? r.bestLoss
                                               : std::numeric_limits<double>::infinity();
}

// Trial `trial`'s outcome from its seeds' runs.
TrialOutcome outcomeOf(const SweepSpec& spec, const RunStore::SweepProgress& progress, int trial,
                       const QJsonArray& setting) {
    TrialOutcome o;
    o.point = pointOf(setting);
    const int seeds = int(spec.seeds.size());
    // Each seed's result: a task whose process was killed has an
    // interrupted record and a later one queued again; the trial waits for
    // that one. A stopped run is no result: its trial waits too.
    std::map<int, const RunRecord*> byTask;
    bool waiting = false;
    for (const auto& r : progress.runs) {
        if (r.sweepTask < 0 || r.sweepTask / seeds != trial) {
            continue;
        }
        waiting = waiting || !isResult(r.status);
        auto& kept = byTask[r.sweepTask];
        if (isResult(r.status) && (!kept || isLost(kept->status))) {
            kept = &r;
        }
    }
    std::vector<const RunRecord*> runs;
    for (const auto& [task, r] : byTask) {
        if (r) {
            runs.push_back(r);
        }
    }
    o.ended = !waiting && int(runs.size()) == seeds;
    if (!o.ended) {
        return o;
    }
    const auto pruned = std::find_if(runs.begin(), runs.end(), [](const RunRecord* r) {
        return r->status == RecordStatus::Pruned;
    });
    std::vector<double> values;
    if (pruned == runs.end()) {
        o.reach = double(spec.base.train.epochs);
        for (const auto* r : runs) {
            values.push_back(endValue(*r));
        }
    } else { // the group was pruned at one rung: its seeds' losses there
        o.reach = double((*pruned)->epochsDone);
        std::set<QString> ids;
        for (const auto* r : runs) {
            ids.insert(r->id);
        }
        for (const auto& rung : progress.rungs) {
            if (double(rung.rung) == o.reach && ids.count(rung.runId) > 0) {
                values.push_back(rung.entry.loss);
            }
        }
    }
    o.value = seedObjective(values, spec.halving.objective);
    return o;
}

} // namespace

std::vector<TrialOutcome> trialOutcomes(const SweepSpec& spec,
                                        const RunStore::SweepProgress& progress) {
    std::vector<TrialOutcome> outcomes;
    for (const auto& [trial, setting] : progress.trials) {
        outcomes.push_back(outcomeOf(spec, progress, trial, setting));
    }
    return outcomes;
}

std::optional<SweepTask> proposeTrialTask(RunStore& store, const SweepSpec& spec,
                                          const QString& sweepId, const SweepTask& task,
                                          QString* error) {
    const auto setting = store.trialSetting(
        sweepId, task.setting,
        [&](const RunStore::SweepProgress& progress) {
            QJsonArray json;
            for (const auto& v :
                 proposeSetting(spec, task.setting, trialOutcomes(spec, progress))) {
                json.append(v);
            }
            return json;
        },
        error);
    return setting ? proposedTask(spec, task, pointOf(*setting), error) : std::nullopt;
}

std::optional<std::vector<SweepTask>> withProposedSettings(RunStore& store, const SweepSpec& spec,
                                                           const QString& sweepId,
                                                           std::vector<SweepTask> tasks,
                                                           QString* error) {
    const auto settings = store.trialSettings(sweepId, error);
    if (!settings) {
        return std::nullopt;
    }
    for (auto& task : tasks) {
        const auto found = settings->find(task.setting);
        if (task.pending && found != settings->end()) {
            if (auto proposed = proposedTask(spec, task, pointOf(found->second), error)) {
                task = std::move(*proposed);
            }
        }
    }
    return tasks;
}

std::optional<std::map<int, QJsonArray>> RunStore::trialSettings(const QString& sweepId,
                                                                 QString* error) {
    auto rows =
        rowsOf(QStringLiteral(
                   "SELECT trial, setting FROM sweep_trials WHERE sweep_id = :id ORDER BY trial"),
               sweepId, error);
    std::map<int, QJsonArray> trials;
    while (rows && rows->next()) {
        trials.emplace(rows->value(0).toInt(), settingFrom(rows->value(1)));
    }
    return rows ? std::optional(std::move(trials)) : std::nullopt;
}

std::optional<QJsonArray>
RunStore::trialSetting(const QString& sweepId, int trial,
                       const std::function<QJsonArray(const SweepProgress&)>& propose,
                       QString* error) {
    // Two first runs of one trial must get one setting.
    const auto answer = decide(
        QStringLiteral("sweep_trials"),
        [&](QSqlQuery& q, bool& wrote) {
            return decideTrial(q, sweepId, trial, propose, wrote, error);
        },
        error);
    return answer ? std::optional(answer->toJsonArray()) : std::nullopt;
}

std::optional<QVariant>
RunStore::decideTrial(QSqlQuery& q, const QString& sweepId, int trial,
                      const std::function<QJsonArray(const SweepProgress&)>& propose, bool& wrote,
                      QString* error) {
    SweepProgress progress;
    auto trials = trialSettings(sweepId, error);
    if (!trials) {
        return std::nullopt;
    }
    if (const auto found = trials->find(trial); found != trials->end()) {
        wrote = false; // proposed before: that setting stands
        return QVariant(found->second);
    }
    progress.trials = std::move(*trials);
    auto runs = listRuns(error);
    auto rungs = runs ? rungResults(sweepId, error) : std::nullopt;
    if (!rungs) {
        return std::nullopt;
    }
    std::copy_if(runs->begin(), runs->end(), std::back_inserter(progress.runs),
                 [&](const RunRecord& r) { return r.sweepId == sweepId; });
    progress.rungs = std::move(*rungs);
    const QJsonArray setting = propose(progress);
    q.prepare(QStringLiteral("INSERT INTO sweep_trials (sweep_id, trial, setting, proposed_ms) "
                             "VALUES (:sweep, :trial, :setting, :now)"));
    q.bindValue(QStringLiteral(":sweep"), sweepId);
    q.bindValue(QStringLiteral(":trial"), trial);
    q.bindValue(QStringLiteral(":setting"),
                QString::fromUtf8(QJsonDocument(setting).toJson(QJsonDocument::Compact)));
    q.bindValue(QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch());
    if (!q.exec()) {
        fail(q, error);
        return std::nullopt;
    }
    return QVariant(setting);
}

} // namespace dredge
