// RunStore's rungs: the rung_results table (schema 8), where successive
// halving's decisions are taken, one transaction each.

#include "RunStore.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

QVariant lossColumn(double loss) {
    return std::isfinite(loss) ? QVariant(loss) : QVariant(QMetaType::fromType<double>());
}

double lossFrom(const QVariant& column) {
    return column.isNull() ? std::numeric_limits<double>::quiet_NaN() : column.toDouble();
}

} // namespace

std::optional<QVariant> RunStore::decide(const QString& table, const Decision& decision,
                                         QString* error) {
    if (!beginWrite(error)) {
        return std::nullopt;
    }
    // SQLite's BEGIN IMMEDIATE already holds the one write lock; PostgreSQL
    // needs the table's, or two processes could each decide on what the
    // other has not written yet.
    QSqlQuery q(database());
    if (dialect_ == SqlDialect::PostgreSql &&
        !q.exec(QStringLiteral("LOCK TABLE %1 IN SHARE ROW EXCLUSIVE MODE").arg(table))) {
        fail(q, error);
        rollback();
        return std::nullopt;
    }
    bool wrote = true;
    const auto answer = decision(q, wrote);
    if (!answer || !wrote) {
        rollback(); // failed, or the answer was taken before: it stands
        return answer;
    }
    return commit(error) ? answer : std::nullopt;
}

std::optional<bool> RunStore::reachRung(const RungArrival& arrival,
                                        const SuccessiveHalving& halving, QString* error) {
    const auto answer = decide(
        QStringLiteral("rung_results"),
        [&](QSqlQuery& q, bool& wrote) { return decideRung(q, arrival, halving, wrote, error); },
        error);
    return answer ? std::optional(answer->toBool()) : std::nullopt;
}

std::optional<QVariant> RunStore::decideRung(QSqlQuery& q, const RungArrival& arrival,
                                             const SuccessiveHalving& halving, bool& wrote,
                                             QString* error) {
    if (!selectOfRun(q,
                     QStringLiteral("SELECT run_id, group_key, loss, promoted FROM rung_results "
                                    "WHERE sweep_id = :id AND bracket = :bracket AND rung = :rung "
                                    "ORDER BY id"),
                     arrival.sweepId, error,
                     {{QStringLiteral(":bracket"), arrival.bracket},
                      {QStringLiteral(":rung"), arrival.rung}})) {
        return std::nullopt;
    }
    std::vector<RungEntry> entries;
    while (q.next()) {
        const bool promoted = q.value(3).toInt() != 0;
        if (q.value(0).toString() == arrival.runId) {
            wrote = false; // decided before: the first answer stands
            return promoted;
        }
        entries.push_back({q.value(1).toString(), lossFrom(q.value(2)), promoted});
    }
    entries.push_back({arrival.group, arrival.loss, std::nullopt});
    const bool promoted = promotedAtRung(entries, arrival.group, halving);
    q.prepare(QStringLiteral("INSERT INTO rung_results (sweep_id, bracket, rung, run_id, "
                             "group_key, loss, promoted, decided_ms) VALUES (:sweep, :bracket, "
                             ":rung, :run, :group, :loss, :promoted, :now)"));
    const QVariantMap values{{QStringLiteral(":sweep"), arrival.sweepId},
                             {QStringLiteral(":bracket"), arrival.bracket},
                             {QStringLiteral(":rung"), arrival.rung},
                             {QStringLiteral(":run"), arrival.runId},
                             {QStringLiteral(":group"), arrival.group},
                             {QStringLiteral(":loss"), lossColumn(arrival.loss)},
                             {QStringLiteral(":promoted"), promoted ? 1 : 0},
                             {QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch()}};
    for (auto it = values.begin(); it != values.end(); ++it) {
        q.bindValue(it.key(), it.value());
    }
    if (!q.exec()) {
        fail(q, error);
        return std::nullopt;
    }
    return promoted;
}

std::optional<std::vector<RunStore::RungResult>> RunStore::rungResults(const QString& sweepId,
                                                                       QString* error) {
    QSqlQuery q(database());
    const bool read = selectOfRun(q,
                                  QStringLiteral("SELECT bracket, rung, run_id, group_key, loss, "
                                                 "promoted FROM rung_results WHERE sweep_id = :id "
                                                 "ORDER BY bracket, rung, id"),
                                  sweepId, error);
    std::vector<RungResult> results;
    while (read && q.next()) {
        const RungEntry entry{q.value(3).toString(), lossFrom(q.value(4)), q.value(5).toInt() != 0};
        results.push_back(
            {q.value(0).toInt(), q.value(1).toLongLong(), q.value(2).toString(), entry});
    }
    return read ? std::optional(std::move(results)) : std::nullopt;
}

std::optional<std::vector<qint64>> RunStore::rungsOfRun(const QString& runId, QString* error) {
    return epochsOfRun(
        QStringLiteral("SELECT rung FROM rung_results WHERE run_id = :id ORDER BY rung"), runId,
        error);
}

} // namespace dredge
