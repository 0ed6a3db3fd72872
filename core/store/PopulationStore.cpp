// RunStore's population: the population_steps table (schema 10), where
// population-based training's runs arrive at boundaries and their members'
// steps are taken, one transaction each.

#include "RunStore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSqlQuery>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

QString settingText(const std::vector<QJsonValue>& setting) {
    QJsonArray array;
    for (const auto& v : setting) {
        array.append(v);
    }
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

std::vector<QJsonValue> settingFrom(const QVariant& column) {
    const auto array = QJsonDocument::fromJson(column.toString().toUtf8()).array();
    return {array.begin(), array.end()};
}

constexpr const char* kEntryColumns = "member, seed_index, run_id, loss, source, setting";

PopulationEntry entryFrom(const QSqlQuery& q) {
    PopulationEntry e;
    e.member = q.value(0).toInt();
    e.seedIndex = q.value(1).toInt();
    e.runId = q.value(2).toString();
    e.loss = q.value(3).isNull() ? std::numeric_limits<double>::quiet_NaN() : q.value(3).toDouble();
    e.decided = !q.value(4).isNull();
    e.source = e.decided ? q.value(4).toInt() : -1;
    e.setting = settingFrom(q.value(5));
    return e;
}

// The run of member `member` with seed `seedIndex` among `entries`.
QString runOf(const std::vector<PopulationEntry>& entries, int member, int seedIndex) {
    for (const auto& e : entries) {
        if (e.member == member && e.seedIndex == seedIndex) {
            return e.runId;
        }
    }
    return {};
}

bool bindAndRun(QSqlQuery& q, const QVariantMap& values) {
    for (auto it = values.begin(); it != values.end(); ++it) {
        q.bindValue(it.key(), it.value());
    }
    return q.exec();
}

} // namespace

std::optional<std::vector<PopulationEntry>>
RunStore::entriesAt(QSqlQuery& q, const QString& sweepId, qint64 epoch, QString* error) {
    if (!selectOfRun(q,
                     QStringLiteral("SELECT %1 FROM population_steps WHERE sweep_id = :id AND "
                                    "epoch = :epoch ORDER BY id")
                         .arg(QLatin1String(kEntryColumns)),
                     sweepId, error, {{QStringLiteral(":epoch"), epoch}})) {
        return std::nullopt;
    }
    std::vector<PopulationEntry> entries;
    while (q.next()) {
        entries.push_back(entryFrom(q));
    }
    return entries;
}

bool RunStore::arriveAtBoundary(const QString& sweepId, qint64 epoch, const PopulationEntry& entry,
                                QString* error) {
    const auto answer = decide(
        QStringLiteral("population_steps"),
        [&](QSqlQuery& q, bool& wrote) -> std::optional<QVariant> {
            const auto entries = entriesAt(q, sweepId, epoch, error);
            if (!entries) {
                return std::nullopt;
            }
            if (!runOf(*entries, entry.member, entry.seedIndex).isEmpty()) {
                wrote = false; // arrived before
                return QVariant(true);
            }
            q.prepare(QStringLiteral(
                "INSERT INTO population_steps (sweep_id, epoch, member, seed_index, run_id, loss, "
                "setting, arrived_ms) VALUES (:sweep, :epoch, :member, :seed, :run, :loss, "
                ":setting, :now)"));
            const bool inserted = bindAndRun(
                q, {{QStringLiteral(":sweep"), sweepId},
                    {QStringLiteral(":epoch"), epoch},
                    {QStringLiteral(":member"), entry.member},
                    {QStringLiteral(":seed"), entry.seedIndex},
                    {QStringLiteral(":run"), entry.runId},
                    {QStringLiteral(":loss"), std::isfinite(entry.loss)
                                                  ? QVariant(entry.loss)
                                                  : QVariant(QMetaType::fromType<double>())},
                    {QStringLiteral(":setting"), settingText(entry.setting)},
                    {QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch()}});
            if (!inserted) {
                fail(q, error);
                return std::nullopt;
            }
            return QVariant(true);
        },
        error);
    return answer.has_value();
}

std::optional<int> RunStore::boundaryWaitsFor(const QString& sweepId, qint64 epoch, int jobs,
                                              QString* error) {
    // Training and not arrived, training, queued.
    QSqlQuery q(database());
    if (!selectOfRun(
            q,
            QStringLiteral(
                "SELECT sum(CASE WHEN r.status = 'running' AND (r.parent_id IS NULL OR "
                "r.fork_epoch < :epoch) AND NOT EXISTS (SELECT 1 FROM population_steps p WHERE "
                "p.sweep_id = r.sweep_id AND p.epoch = :epoch2 AND p.run_id = r.id) THEN 1 ELSE 0 "
                "END), sum(CASE WHEN r.status = 'running' THEN 1 ELSE 0 END), sum(CASE WHEN "
                "r.status = 'queued' THEN 1 ELSE 0 END) FROM runs r WHERE r.sweep_id = :id"),
            sweepId, error,
            {{QStringLiteral(":epoch"), epoch}, {QStringLiteral(":epoch2"), epoch}}) ||
        !q.next()) {
        return std::nullopt;
    }
    const int behind = q.value(0).toInt(), training = q.value(1).toInt(),
              queued = q.value(2).toInt();
    return behind + (training < jobs ? queued : 0);
}

std::optional<RunStore::PopulationAnswer>
RunStore::stepAtBoundary(const QString& sweepId, qint64 epoch, const QString& runId,
                         const BoundaryDecision& decide, QString* error) {
    const auto answer = this->decide(
        QStringLiteral("population_steps"),
        [&](QSqlQuery& q, bool& wrote) {
            return decideBoundary(q, sweepId, epoch, runId, decide, wrote, error);
        },
        error);
    if (!answer) {
        return std::nullopt;
    }
    const auto map = answer->toMap();
    return PopulationAnswer{{map.value(QStringLiteral("source")).toInt(),
                             settingFrom(map.value(QStringLiteral("setting")))},
                            map.value(QStringLiteral("run")).toString()};
}

std::optional<QVariant> RunStore::decideBoundary(QSqlQuery& q, const QString& sweepId, qint64 epoch,
                                                 const QString& runId,
                                                 const BoundaryDecision& decide, bool& wrote,
                                                 QString* error) {
    auto entries = entriesAt(q, sweepId, epoch, error);
    if (!entries) {
        return std::nullopt;
    }
    const auto own = [&] {
        return std::find_if(entries->begin(), entries->end(),
                            [&](const auto& e) { return e.runId == runId; });
    };
    if (own() == entries->end()) {
        *error = QStringLiteral("run %1 has not arrived at epoch %2").arg(runId.left(8)).arg(epoch);
        return std::nullopt;
    }
    wrote = !own()->decided; // else taken before: that step stands
    if (wrote) {
        const auto before = *entries;
        decide(*entries);
        q.prepare(QStringLiteral("UPDATE population_steps SET source = :source, setting = "
                                 ":setting WHERE sweep_id = :sweep AND epoch = :epoch AND run_id "
                                 "= :run"));
        for (size_t i = 0; i < entries->size(); ++i) {
            const auto& e = (*entries)[i];
            if (!before[i].decided &&
                !bindAndRun(q, {{QStringLiteral(":source"), e.source},
                                {QStringLiteral(":setting"), settingText(e.setting)},
                                {QStringLiteral(":sweep"), sweepId},
                                {QStringLiteral(":epoch"), epoch},
                                {QStringLiteral(":run"), e.runId}})) {
                fail(q, error);
                return std::nullopt;
            }
        }
    }
    const auto& e = *own();
    return QVariantMap{{QStringLiteral("source"), e.source},
                       {QStringLiteral("setting"), settingText(e.setting)},
                       {QStringLiteral("run"), runOf(*entries, e.source, e.seedIndex)}};
}

std::optional<std::map<qint64, std::vector<PopulationEntry>>>
RunStore::populationEntries(const QString& sweepId, QString* error) {
    auto rows = rowsOf(QStringLiteral("SELECT %1, epoch FROM population_steps WHERE sweep_id = "
                                      ":id ORDER BY epoch, id")
                           .arg(QLatin1String(kEntryColumns)),
                       sweepId, error);
    std::map<qint64, std::vector<PopulationEntry>> entries;
    while (rows && rows->next()) {
        entries[rows->value(6).toLongLong()].push_back(entryFrom(*rows));
    }
    return rows ? std::optional(std::move(entries)) : std::nullopt;
}

} // namespace dredge
