// RunStore's journal: the run_changes table (schema 7), where a shell's
// requests wait for the training process and every applied change is kept.

#include "RunStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <map>

namespace dredge {
namespace {

// A value of any kind as one JSON text: wrapped in an array, since a bare
// number or null is not a JSON document.
QVariant valueColumn(const QJsonValue& value) {
    if (value.isUndefined()) {
        return QVariant(QMetaType::fromType<QString>());
    }
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact));
}

QJsonValue valueFrom(const QVariant& column) {
    if (column.isNull()) {
        return QJsonValue(QJsonValue::Undefined);
    }
    return QJsonDocument::fromJson(column.toString().toUtf8()).array().at(0);
}

// A null QString binds as SQL NULL: NOT NULL text columns get "" instead.
QString text(const QString& value) {
    return value.isNull() ? QStringLiteral("") : value;
}

QVariant timeColumn(const QDateTime& time) {
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch())
                          : QVariant(QMetaType::fromType<qlonglong>());
}

QDateTime timeFrom(const QVariant& column) {
    return column.isNull() ? QDateTime()
                           : QDateTime::fromMSecsSinceEpoch(column.toLongLong(), Qt::UTC);
}

const QString kChangeColumns =
    QStringLiteral("id, run_id, action, setting, value, source, requested_ms, state, epoch, "
                   "from_value, to_value, applied_ms, message");

SettingChange changeFrom(const QSqlQuery& q) {
    SettingChange c;
    c.requestId = q.value(0).toLongLong();
    c.action = changeActionFromName(q.value(2).toString()).value_or(ChangeAction::Set);
    c.setting = q.value(3).toString();
    c.value = valueFrom(q.value(4));
    c.source = changeSourceFromName(q.value(5).toString()).value_or(ChangeSource::Shell);
    c.requested = timeFrom(q.value(6));
    c.state = changeStateFromName(q.value(7).toString()).value_or(ChangeState::Requested);
    c.epoch = q.value(8).isNull() ? -1 : q.value(8).toLongLong();
    c.from = valueFrom(q.value(9));
    c.to = valueFrom(q.value(10));
    c.applied = timeFrom(q.value(11));
    c.message = q.value(12).toString();
    return c;
}

void bindOutcome(QSqlQuery& q, const SettingChange& c) {
    q.bindValue(QStringLiteral(":state"), changeStateName(c.state));
    q.bindValue(QStringLiteral(":epoch"),
                c.epoch >= 0 ? QVariant(c.epoch) : QVariant(QMetaType::fromType<qlonglong>()));
    q.bindValue(QStringLiteral(":from"), valueColumn(c.from));
    q.bindValue(QStringLiteral(":to"), valueColumn(c.to));
    q.bindValue(QStringLiteral(":applied"), timeColumn(c.applied));
    q.bindValue(QStringLiteral(":message"), text(c.message));
}

} // namespace

bool RunStore::requestChange(const QString& runId, SettingChange& c, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO run_changes (run_id, action, setting, value, source, "
                             "requested_ms, state, epoch, from_value, to_value, applied_ms, "
                             "message) VALUES (:run, :action, :setting, :value, :source, "
                             ":requested, :state, :epoch, :from, :to, :applied, :message)"));
    q.bindValue(QStringLiteral(":run"), runId);
    q.bindValue(QStringLiteral(":action"), changeActionName(c.action));
    q.bindValue(QStringLiteral(":setting"), text(c.setting));
    q.bindValue(QStringLiteral(":value"), text(valueColumn(c.value).toString()));
    q.bindValue(QStringLiteral(":source"), changeSourceName(c.source));
    if (!c.requested.isValid()) {
        c.requested = QDateTime::currentDateTimeUtc();
    }
    q.bindValue(QStringLiteral(":requested"), c.requested.toMSecsSinceEpoch());
    bindOutcome(q, c);
    if (!q.exec()) {
        return fail(q, error);
    }
    c.requestId = q.lastInsertId().toLongLong();
    if (c.requestId <= 0) { // PostgreSQL's driver may not say: the newest of this run
        QSqlQuery last(database());
        if (!selectOfRun(last, QStringLiteral("SELECT MAX(id) FROM run_changes WHERE run_id = :id"),
                         runId, error) ||
            !last.next()) {
            return false;
        }
        c.requestId = last.value(0).toLongLong();
    }
    return true;
}

bool RunStore::recordChange(const QString& runId, SettingChange& c, QString* error) {
    if (c.requestId <= 0) {
        return requestChange(runId, c, error);
    }
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE run_changes SET state = :state, epoch = :epoch, "
                             "from_value = :from, to_value = :to, applied_ms = :applied, "
                             "message = :message WHERE id = :request AND run_id = :run"));
    bindOutcome(q, c);
    q.bindValue(QStringLiteral(":request"), c.requestId);
    q.bindValue(QStringLiteral(":run"), runId);
    return q.exec() || fail(q, error);
}

bool RunStore::refuseWaitingRequests(const QString& runId, qint64 epochsDone, QString* error) {
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE run_changes SET state = 'refused', epoch = :epoch, "
                             "message = :message WHERE run_id = :run AND state = 'requested'"));
    q.bindValue(QStringLiteral(":epoch"), epochsDone);
    q.bindValue(QStringLiteral(":message"),
                QStringLiteral("the run ended after %1 epochs, before the request was met")
                    .arg(epochsDone));
    q.bindValue(QStringLiteral(":run"), runId);
    return q.exec() || fail(q, error);
}

std::optional<RunJournal> RunStore::journal(const QString& runId, QString* error) {
    QSqlQuery q(database());
    // Applied changes in the order met (epoch, then row); the rest after them.
    if (!selectOfRun(q,
                     QStringLiteral("SELECT %1 FROM run_changes WHERE run_id = :id ORDER BY "
                                    "CASE WHEN state = 'applied' THEN 0 ELSE 1 END, "
                                    "epoch, id")
                         .arg(kChangeColumns),
                     runId, error)) {
        return std::nullopt;
    }
    RunJournal journal;
    while (q.next()) {
        journal.push_back(changeFrom(q));
    }
    return journal;
}

bool RunStore::summarizeJournals(std::vector<RunRecord>& runs, QString* error) {
    std::map<QString, RunJournal> journals;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT %1 FROM run_changes WHERE state = 'applied' AND "
                               "action IN ('set', 'stop') ORDER BY epoch, id")
                    .arg(kChangeColumns))) {
        return fail(q, error);
    }
    while (q.next()) {
        journals[q.value(1).toString()].push_back(changeFrom(q));
    }
    for (auto& run : runs) {
        if (const auto it = journals.find(run.id); it != journals.end()) {
            run.changes = journalSummary(it->second);
        }
    }
    return true;
}

std::optional<std::vector<std::pair<QString, SettingChange>>>
RunStore::waitingRequests(const QStringList& runIds, QString* error) {
    std::vector<std::pair<QString, SettingChange>> waiting;
    for (const auto& id : runIds) {
        QSqlQuery q(database());
        if (!selectOfRun(q,
                         QStringLiteral("SELECT %1 FROM run_changes WHERE run_id = :id AND "
                                        "state = 'requested' ORDER BY id")
                             .arg(kChangeColumns),
                         id, error)) {
            return std::nullopt;
        }
        while (q.next()) {
            waiting.emplace_back(id, changeFrom(q));
        }
    }
    return waiting;
}

std::optional<SettingChange> RunStore::request(qint64 requestId, QString* error) {
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!selectOne(q,
                   QStringLiteral("SELECT %1 FROM run_changes WHERE id = :key").arg(kChangeColumns),
                   requestId, QStringLiteral("no request %1 in the store").arg(requestId), error)) {
        return std::nullopt;
    }
    return changeFrom(q);
}

} // namespace dredge
