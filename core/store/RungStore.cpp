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

std::optional<bool> RunStore::reachRung(const RungArrival& arrival,
                                        const SuccessiveHalving& halving, QString* error) {
    if (!beginWrite(error)) {
        return std::nullopt;
    }
    const auto failed = [this] {
        rollback();
        return std::nullopt;
    };
    QSqlQuery q(database());
    // SQLite's BEGIN IMMEDIATE already holds the one write lock; PostgreSQL
    // needs the table's, or two runs could each decide on what the other
    // has not written yet.
    if (dialect_ == SqlDialect::PostgreSql &&
        !q.exec(QStringLiteral("LOCK TABLE rung_results IN SHARE ROW EXCLUSIVE MODE"))) {
        fail(q, error);
        return failed();
    }
    if (!selectOfRun(q,
                     QStringLiteral("SELECT run_id, group_key, loss, promoted FROM rung_results "
                                    "WHERE sweep_id = :id AND bracket = :bracket AND rung = :rung "
                                    "ORDER BY id"),
                     arrival.sweepId, error,
                     {{QStringLiteral(":bracket"), arrival.bracket},
                      {QStringLiteral(":rung"), arrival.rung}})) {
        return failed();
    }
    std::vector<RungEntry> entries;
    while (q.next()) {
        const bool promoted = q.value(3).toInt() != 0;
        if (q.value(0).toString() == arrival.runId) {
            rollback(); // decided before: the first answer stands
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
        return failed();
    }
    return commit(error) ? std::optional(promoted) : std::nullopt;
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
    QSqlQuery q(database());
    if (!selectOfRun(
            q, QStringLiteral("SELECT rung FROM rung_results WHERE run_id = :id ORDER BY rung"),
            runId, error)) {
        return std::nullopt;
    }
    std::vector<qint64> rungs;
    while (q.next()) {
        rungs.push_back(q.value(0).toLongLong());
    }
    return rungs;
}

} // namespace dredge
