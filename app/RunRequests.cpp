#include "RunRequests.h"

#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QThread>
#include <cstdio>

namespace dredge {
namespace {

int fail(const QString& reason, int status) {
    std::fprintf(stderr, "dredge-studio runs: %s\n", qPrintable(reason));
    return status;
}

// Why a run cannot take requests, or empty when it trains.
QString notTraining(const RunRecord& run) {
    if (run.status == RecordStatus::Running) {
        return {};
    }
    if (run.status == RecordStatus::Queued) {
        return QStringLiteral("run %1 is queued, not training yet: change its sweep, or wait")
            .arg(run.id.left(8));
    }
    return QStringLiteral("run %1 has ended (%2 after %3 epochs): live changes apply while a run "
                          "trains; fork it instead (train --resume %1@EPOCH --SETTING VALUE)")
        .arg(run.id.left(8), recordStatusName(run.status))
        .arg(run.epochsDone);
}

// The requests `runs VERB RUN [KEY=VALUE...]` asks for, or why not.
std::optional<std::vector<SettingChange>>
requestsOf(const QString& verb, const QStringList& assignments, QString* error) {
    const auto action = changeActionFromName(verb);
    if (action != ChangeAction::Set) {
        if (!assignments.isEmpty()) {
            *error = QStringLiteral("%1 takes one run id").arg(verb);
            return std::nullopt;
        }
        SettingChange request;
        request.action = *action;
        request.source = ChangeSource::Shell;
        return std::vector<SettingChange>{request};
    }
    if (assignments.isEmpty()) {
        *error = QStringLiteral("set takes a run id and KEY=VALUE...");
        return std::nullopt;
    }
    std::vector<SettingChange> requests;
    for (const auto& assignment : assignments) {
        auto request = parseSetRequest(assignment, ChangeSource::Shell, error);
        if (!request) {
            return std::nullopt;
        }
        requests.push_back(std::move(*request));
    }
    return requests;
}

// Stored together, so that the trainer meets them at one epoch boundary.
bool storeRequests(RunStore& store, const QString& id, std::vector<SettingChange>& requests,
                   QString* error) {
    if (!store.beginWrite(error)) {
        return false;
    }
    for (auto& request : requests) {
        if (!store.requestChange(id, request, error)) {
            store.rollback();
            return false;
        }
    }
    return store.commit(error);
}

// Polls the store until the trainer answered every request, the run ended
// without answering, or the deadline passed. Returns the exit status.
int awaitAnswers(RunStore& store, const RunRecord& run, std::vector<SettingChange>& requests,
                 int timeoutSeconds) {
    QDeadlineTimer deadline(qint64(timeoutSeconds) * 1000);
    QString error;
    for (;;) {
        bool waiting = false;
        for (auto& request : requests) {
            if (request.state == ChangeState::Requested) {
                const auto now = store.request(request.requestId, &error);
                if (!now) {
                    return fail(QStringLiteral("the store failed while waiting for an answer: %1; "
                                               "request %2 is stored and applies when the run "
                                               "meets it")
                                    .arg(error)
                                    .arg(request.requestId),
                                1);
                }
                request = *now;
                waiting = waiting || request.state == ChangeState::Requested;
            }
        }
        if (!waiting) {
            break;
        }
        const auto current = store.loadRun(run.id, &error);
        if (current && current->status != RecordStatus::Running) {
            store.refuseWaitingRequests(run.id, current->epochsDone, &error);
            continue; // read the answers once more
        }
        if (deadline.hasExpired()) {
            return fail(QStringLiteral("no answer from run %1 (process %2 on %3) within %4 s; the "
                                       "request stays in the store and applies when the run "
                                       "meets it")
                            .arg(run.id.left(8))
                            .arg(run.pid)
                            .arg(run.host)
                            .arg(timeoutSeconds),
                        1);
        }
        QThread::msleep(50); // the trainer meets the store about once a second
    }
    int status = 0;
    for (const auto& request : requests) {
        const bool applied = request.state == ChangeState::Applied;
        std::fprintf(applied ? stdout : stderr, "%s%s%s\n",
                     applied ? "" : "refused: ", qPrintable(describeChange(request)),
                     applied ? "" : qPrintable(": " + request.message));
        status = applied ? status : 1;
    }
    return status;
}

} // namespace

bool isRequestVerb(const QString& verb) {
    return verb == QLatin1String("set") || verb == QLatin1String("pause") ||
           verb == QLatin1String("resume") || verb == QLatin1String("stop");
}

int requestChange(RunStore& store, const QString& verb, const QStringList& arguments,
                  const QCommandLineParser& p) {
    if (arguments.isEmpty()) {
        return fail(QStringLiteral("%1 takes a run id").arg(verb), 2);
    }
    QString error;
    bool ok = true;
    const int timeout =
        p.isSet(QStringLiteral("timeout")) ? p.value(QStringLiteral("timeout")).toInt(&ok) : 10;
    if (!ok || timeout < 1) {
        return fail(QStringLiteral("--timeout takes whole seconds (at least 1), not '%1'")
                        .arg(p.value(QStringLiteral("timeout"))),
                    2);
    }
    auto requests = requestsOf(verb, arguments.mid(1), &error);
    if (!requests) {
        return fail(error, 2);
    }
    const auto id = store.resolveId(arguments.first(), &error);
    const auto run = id ? store.loadRun(*id, &error) : std::nullopt;
    if (!run) {
        return fail(error, id ? 1 : 2);
    }
    if (const auto why = notTraining(*run); !why.isEmpty()) {
        return fail(why, 1);
    }
    if (!storeRequests(store, run->id, *requests, &error)) {
        return fail(QStringLiteral("the request was not stored: %1").arg(error), 1);
    }
    if (p.isSet(QStringLiteral("no-wait"))) {
        for (const auto& request : *requests) {
            std::printf("requested %s (request %lld)\n", qPrintable(describeChange(request)),
                        (long long)request.requestId);
        }
        return 0;
    }
    return awaitAnswers(store, *run, *requests, timeout);
}

} // namespace dredge
