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

std::optional<bool> RunStore::reachRung(const QString& sweepId, qint64 rung, const QString& runId,
                                        const QString& group, double loss,
                                        const SuccessiveHalving& halving, QString* error) {
    if (!beginWrite(error)) {
        return std::nullopt;
    }
    QSqlQuery q(database());
    // SQLite's BEGIN IMMEDIATE already holds the one write lock; PostgreSQL
    // needs the table's, or two runs could each decide on what the other
    // has not written yet.
    if (dialect_ == SqlDialect::PostgreSql &&
        !q.exec(QStringLiteral("LOCK TABLE rung_results IN SHARE ROW EXCLUSIVE MODE"))) {
        fail(q, error);
        rollback();
        return std::nullopt;
    }
    if (!selectOfRun(q,
                     QStringLiteral("SELECT run_id, group_key, loss, promoted FROM rung_results "
                                    "WHERE sweep_id = :id AND rung = :rung ORDER BY id"),
                     sweepId, error, {{QStringLiteral(":rung"), rung}})) {
        rollback();
        return std::nullopt;
    }
    std::vector<RungEntry> entries;
    while (q.next()) {
        const bool promoted = q.value(3).toInt() != 0;
        if (q.value(0).toString() == runId) {
            rollback();
            return promoted;
        }
        entries.push_back({q.value(1).toString(), lossFrom(q.value(2)), promoted});
    }
    entries.push_back({group, loss, std::nullopt});
    const bool promoted = promotedAtRung(entries, group, halving);
    q.prepare(QStringLiteral("INSERT INTO rung_results (sweep_id, rung, run_id, group_key, loss, "
                             "promoted, decided_ms) VALUES (:sweep, :rung, :run, :group, :loss, "
                             ":promoted, :now)"));
    q.bindValue(QStringLiteral(":sweep"), sweepId);
    q.bindValue(QStringLiteral(":rung"), rung);
    q.bindValue(QStringLiteral(":run"), runId);
    q.bindValue(QStringLiteral(":group"), group);
    q.bindValue(QStringLiteral(":loss"), lossColumn(loss));
    q.bindValue(QStringLiteral(":promoted"), promoted ? 1 : 0);
    q.bindValue(QStringLiteral(":now"), QDateTime::currentMSecsSinceEpoch());
    if (!q.exec()) {
        fail(q, error);
        rollback();
        return std::nullopt;
    }
    if (!commit(error)) {
        return std::nullopt;
    }
    return promoted;
}

std::optional<std::vector<RunStore::RungResult>> RunStore::rungResults(const QString& sweepId,
                                                                       QString* error) {
    QSqlQuery q(database());
    const bool read = selectOfRun(q,
                                  QStringLiteral("SELECT rung, run_id, group_key, loss, promoted "
                                                 "FROM rung_results WHERE sweep_id = :id "
                                                 "ORDER BY rung, id"),
                                  sweepId, error);
    std::vector<RungResult> results;
    while (read && q.next()) {
        const RungEntry entry{q.value(2).toString(), lossFrom(q.value(3)), q.value(4).toInt() != 0};
        results.push_back({q.value(0).toLongLong(), q.value(1).toString(), entry});
    }
    return read ? std::optional(std::move(results)) : std::nullopt;
}

} // namespace dredge
