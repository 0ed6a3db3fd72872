#include "StoreClient.h"

#include "KeptModel.h"

#include "RunStore.h"

#include <QElapsedTimer>
#include <QTimer>
#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <variant>

namespace dredge {
namespace {

// A writer that stays quiet (a paused run) still says it is alive this often,
// well inside RunStore's 10-minute timeout.
constexpr qint64 kIdleHeartbeatMs = 30'000;
// While the store is failing, reopening is tried this often at most (a
// PostgreSQL server that is down costs a connect timeout each time).
constexpr qint64 kRetryMs = 5'000;

struct InsertSweep {
    SweepRecord sweep;
};
struct InsertRun {
    RunRecord record;
};
struct UpdateRun {
    RunRecord record;
};
struct UpdateUserFields {
    RunRecord record;
};
struct RenameRun {
    QString id;
    QString name;
};
struct AppendLosses {
    QString id;
    qint64 firstEpoch;
    std::vector<double> losses;
    LossSeries series = LossSeries::Training;
};
struct AddParameters {
    QString id;
    ParameterFrames frames;
};
struct AddCheckpoint {
    QString id;
    TrainingCheckpoint checkpoint;
};
struct DeleteRuns {
    QStringList ids;
};
struct RecordChange {
    QString id;
    SettingChange change;
};
struct RefuseWaiting {
    QString id;
    qint64 epochsDone;
};
using Write =
    std::variant<InsertSweep, InsertRun, UpdateRun, UpdateUserFields, RenameRun, AppendLosses,
                 AddParameters, AddCheckpoint, DeleteRuns, RecordChange, RefuseWaiting>;

} // namespace

// Lives on the client's thread: owns the connection and the queue of writes.
class StoreWorker : public QObject {
public:
    StoreWorker(StoreLocation location, int batchMs, StoreClient* client)
        : location_(std::move(location))
        , batchMs_(batchMs)
        , client_(client) {}

    void start() {
        timer_ = new QTimer(this);
        timer_->setInterval(batchMs_);
        connect(timer_, &QTimer::timeout, this, [this] {
            writePending();
            pollRequests();
        });
        timer_->start();
        sinceRetry_.start();
        ensureOpen(/*force=*/true);
        report(false);
    }

    void shutdown() {
        writePending(/*force=*/true);
        delete timer_;
        timer_ = nullptr;
        store_.reset();
    }

    void enqueue(Write write, bool now) {
        if (auto* append = std::get_if<AppendLosses>(&write); append && mergeLosses(*append)) {
            return;
        }
        queue_.push_back(std::move(write));
        if (now) {
            writePending();
        }
    }

    bool writePending(bool force = false) {
        if (queue_.empty() && !heartbeatDue()) {
            return true;
        }
        if (!ensureOpen(force)) {
            return false;
        }
        // Histories and heartbeats alone change no listed record: only record
        // writes tell listeners (the History panel) to read the list again.
        const bool recordsChanged = std::any_of(queue_.begin(), queue_.end(), [](const Write& w) {
            return !std::holds_alternative<AppendLosses>(w) &&
                   !std::holds_alternative<AddParameters>(w);
        });
        QString dropped;
        for (;;) {
            QString why;
            size_t failedAt = queue_.size();
            if (store_->beginWrite(&why) && applyQueue(&why, &failedAt) && store_->commit(&why)) {
                break;
            }
            const bool refused = failedAt < queue_.size() && store_->lastFailureWasRefused();
            store_->rollback();
            if (!refused) {
                fail(why); // kept; tried again on a later batch
                return false;
            }
            // The database refuses this write and would on every try: drop
            // it, saying so, rather than hold every later write behind it.
            dropped = QStringLiteral("store %1: a write was refused and dropped: %2")
                          .arg(location_.display(), why);
            queue_.erase(queue_.begin() + qsizetype(failedAt));
        }
        queue_.clear();
        lastBeat_.start();
        problem_ = dropped;
        report(recordsChanged);
        return dropped.isEmpty();
    }

    // Runs `read` against the open store, or reports why it cannot.
    // Whether the store could be read; a failure is the store's problem too.
    template <typename Read>
    bool read(Read read) {
        if (!ensureOpen(true)) {
            return false;
        }
        QString why;
        if (!read(*store_, &why)) {
            fail(why);
            return false;
        }
        return true;
    }

    StoreClient* client() const { return client_; }

    void watch(const QString& id, std::function<void(const SettingChange&)> deliver) {
        if (deliver) {
            watchers_[id] = std::move(deliver);
        } else {
            watchers_.erase(id);
        }
    }

    // A shell's requests for the runs this process trains, handed over once
    // each: pause and resume are answered here (they change no result), the
    // others when the training thread applies or refuses them.
    void pollRequests() {
        if (watchers_.empty() || !store_) {
            return;
        }
        QStringList ids;
        for (const auto& [id, deliver] : watchers_) {
            ids.append(id);
        }
        QString why;
        const auto waiting = store_->waitingRequests(ids, &why);
        if (!waiting) {
            fail(why);
            return;
        }
        bool answered = false;
        for (const auto& [id, request] : *waiting) {
            if (!delivered_.insert(request.requestId).second) {
                continue;
            }
            watchers_[id](request);
            if (request.action == ChangeAction::Pause || request.action == ChangeAction::Resume) {
                SettingChange done = request;
                const auto at = epochsDone_.find(id); // as last reported: within a batch
                done.epoch = at != epochsDone_.end() ? at->second : -1;
                done.state = ChangeState::Applied;
                done.applied = QDateTime::currentDateTimeUtc();
                queue_.push_back(RecordChange{id, done});
                answered = true;
            }
        }
        if (answered) {
            writePending();
        }
    }

private:
    bool ensureOpen(bool force = false) {
        if (store_) {
            return true;
        }
        if (!force && sinceRetry_.elapsed() < kRetryMs) {
            return false;
        }
        sinceRetry_.restart();
        auto store = std::make_unique<RunStore>();
        QString why;
        if (!store->open(location_, &why)) {
            problem_ = why;
            report(false);
            return false;
        }
        store_ = std::move(store);
        return true;
    }

    void fail(const QString& why) {
        problem_ = QStringLiteral("store %1: %2").arg(location_.display(), why);
        // A broken connection (PostgreSQL restarted, file replaced) is opened
        // anew on the next try.
        store_.reset();
        sinceRetry_.restart();
        report(false);
    }

    void report(bool wrote) {
        QMetaObject::invokeMethod(
            client_,
            [client = client_, problem = problem_, wrote] {
                client->onWorkerState(problem, wrote);
            },
            Qt::QueuedConnection);
    }

    // Consecutive batches of one run's series become one chunk (the run's
    // other series, batched beside it, are no reason to stop looking).
    bool mergeLosses(AppendLosses& append) {
        for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
            auto* earlier = std::get_if<AppendLosses>(&*it);
            if (earlier && earlier->id == append.id && earlier->series != append.series) {
                continue;
            }
            if (earlier && earlier->id == append.id) {
                if (earlier->firstEpoch + qint64(earlier->losses.size()) != append.firstEpoch) {
                    return false;
                }
                earlier->losses.insert(earlier->losses.end(), append.losses.begin(),
                                       append.losses.end());
                return true;
            }
            if (touches(*it, append.id)) {
                return false;
            }
        }
        return false;
    }

    static bool touches(const Write& write, const QString& id) {
        return std::visit(
            [&id](const auto& w) {
                using W = std::decay_t<decltype(w)>;
                if constexpr (std::is_same_v<W, DeleteRuns>) {
                    return w.ids.contains(id);
                } else if constexpr (std::is_same_v<W, InsertSweep>) {
                    return false;
                } else if constexpr (std::is_same_v<W, AppendLosses> ||
                                     std::is_same_v<W, AddParameters> ||
                                     std::is_same_v<W, AddCheckpoint> ||
                                     std::is_same_v<W, RecordChange> ||
                                     std::is_same_v<W, RefuseWaiting> ||
                                     std::is_same_v<W, RenameRun>) {
                    return w.id == id;
                } else {
                    return w.record.id == id;
                }
            },
            write);
    }

    bool heartbeatDue() const {
        return !running_.empty() &&
               (!lastBeat_.isValid() || lastBeat_.elapsed() >= kIdleHeartbeatMs);
    }

    // Applies every queued write; on failure *failedAt is the write's index.
    bool applyQueue(QString* why, size_t* failedAt) {
        std::map<QString, qint64> progressed; // run → epochs done
        for (size_t i = 0; i < queue_.size(); ++i) {
            const auto& write = queue_[i];
            const bool ok = std::visit(
                [&](const auto& w) {
                    using W = std::decay_t<decltype(w)>;
                    if constexpr (std::is_same_v<W, InsertSweep>) {
                        return store_->insertSweep(w.sweep, why);
                    } else if constexpr (std::is_same_v<W, InsertRun>) {
                        return store_->insertRun(w.record, why);
                    } else if constexpr (std::is_same_v<W, UpdateRun>) {
                        return store_->updateRun(w.record, why);
                    } else if constexpr (std::is_same_v<W, UpdateUserFields>) {
                        return store_->updateUserFields(w.record, why);
                    } else if constexpr (std::is_same_v<W, RenameRun>) {
                        return store_->renameRun(w.id, w.name, why);
                    } else if constexpr (std::is_same_v<W, AppendLosses>) {
                        if (w.series == LossSeries::Training) {
                            progressed[w.id] = w.firstEpoch + qint64(w.losses.size());
                        }
                        return store_->appendLosses(w.id, w.firstEpoch, w.losses, why, w.series);
                    } else if constexpr (std::is_same_v<W, AddParameters>) {
                        return store_->addParameters(w.id, w.frames, why);
                    } else if constexpr (std::is_same_v<W, AddCheckpoint>) {
                        return store_->addCheckpoint(w.id, w.checkpoint, why);
                    } else if constexpr (std::is_same_v<W, RecordChange>) {
                        SettingChange change = w.change;
                        return store_->recordChange(w.id, change, why);
                    } else if constexpr (std::is_same_v<W, RefuseWaiting>) {
                        return store_->refuseWaitingRequests(w.id, w.epochsDone, why);
                    } else {
                        return store_->deleteRuns(w.ids, why);
                    }
                },
                write);
            if (!ok) {
                *failedAt = i;
                return false;
            }
        }
        trackRunning();
        const auto now = QDateTime::currentDateTimeUtc();
        for (const auto& id : running_) {
            const auto it = progressed.find(id);
            const qint64 done = it != progressed.end() ? it->second : -1;
            if (done >= 0 ? !store_->recordProgress(id, done, now, why) : !beat(id, now, why)) {
                return false;
            }
            if (done >= 0) {
                epochsDone_[id] = done;
            }
        }
        return true;
    }

    bool beat(const QString& id, const QDateTime& now, QString* why) {
        const auto it = epochsDone_.find(id);
        return it == epochsDone_.end() || store_->recordProgress(id, it->second, now, why);
    }

    // Which runs this process is writing as running (they get heartbeats).
    void trackRunning() {
        for (const auto& write : queue_) {
            const RunRecord* record = nullptr;
            if (const auto* insert = std::get_if<InsertRun>(&write)) {
                record = &insert->record;
            } else if (const auto* update = std::get_if<UpdateRun>(&write)) {
                record = &update->record;
            }
            if (!record) {
                continue;
            }
            if (record->status == RecordStatus::Running) {
                running_.insert(record->id);
                epochsDone_.try_emplace(record->id, record->epochsDone);
            } else {
                running_.erase(record->id);
                epochsDone_.erase(record->id);
            }
        }
    }

    StoreLocation location_;
    int batchMs_;
    StoreClient* client_;
    std::unique_ptr<RunStore> store_;
    QTimer* timer_ = nullptr;
    std::deque<Write> queue_;
    std::set<QString> running_;
    std::map<QString, qint64> epochsDone_;
    QString problem_;
    QElapsedTimer sinceRetry_;
    QElapsedTimer lastBeat_;
    std::map<QString, std::function<void(const SettingChange&)>> watchers_;
    std::set<qint64> delivered_; // requests handed to a watcher
};

StoreClient::StoreClient(const StoreLocation& location, int batchMs, QObject* parent)
    : QObject(parent)
    , location_(location)
    , worker_(new StoreWorker(location, batchMs, this)) {
    thread_.setObjectName(QStringLiteral("run-store"));
    worker_->moveToThread(&thread_);
    thread_.start();
    post([](StoreWorker& worker) { worker.start(); });
}

StoreClient::~StoreClient() {
    QMetaObject::invokeMethod(
        worker_, [worker = worker_] { worker->shutdown(); }, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
    delete worker_;
}

void StoreClient::post(std::function<void(StoreWorker&)> call) {
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, call = std::move(call)] { call(*worker); },
        Qt::QueuedConnection);
}

void StoreClient::onWorkerState(const QString& problem, bool recordsChanged) {
    const bool wasFailing = !problem_.isEmpty();
    problem_ = problem;
    if (!problem.isEmpty()) {
        Q_EMIT this->problem(problem);
    } else if (wasFailing) {
        Q_EMIT healthy();
    }
    if (recordsChanged) {
        Q_EMIT changed();
    }
}

void StoreClient::insertSweep(const SweepRecord& sweep) {
    post([sweep](StoreWorker& w) { w.enqueue(InsertSweep{sweep}, false); });
}
void StoreClient::insertRun(const RunRecord& record) {
    post([record](StoreWorker& w) { w.enqueue(InsertRun{record}, true); });
}
void StoreClient::updateRun(const RunRecord& record) {
    post([record](StoreWorker& w) { w.enqueue(UpdateRun{record}, true); });
}
void StoreClient::updateUserFields(const RunRecord& record) {
    post([record](StoreWorker& w) { w.enqueue(UpdateUserFields{record}, true); });
}
void StoreClient::renameRun(const QString& id, const QString& name) {
    post([id, name](StoreWorker& w) { w.enqueue(RenameRun{id, name}, true); });
}
void StoreClient::appendLosses(const QString& id, qint64 firstEpoch, std::vector<double> losses,
                               LossSeries series) {
    post([id, firstEpoch, losses = std::move(losses), series](StoreWorker& w) mutable {
        w.enqueue(AppendLosses{id, firstEpoch, std::move(losses), series}, false);
    });
}

void StoreClient::addCheckpoint(const QString& id, TrainingCheckpoint checkpoint) {
    post([id, checkpoint = std::move(checkpoint)](StoreWorker& w) mutable {
        w.enqueue(AddCheckpoint{id, std::move(checkpoint)}, false);
    });
}

void StoreClient::addParameters(const QString& id, ParameterFrames frames) {
    post([id, frames = std::move(frames)](StoreWorker& w) mutable {
        w.enqueue(AddParameters{id, std::move(frames)}, false);
    });
}
void StoreClient::recordChange(const QString& id, const SettingChange& change) {
    post([id, change](StoreWorker& w) { w.enqueue(RecordChange{id, change}, true); });
}

void StoreClient::refuseWaiting(const QString& id, qint64 epochsDone) {
    post([id, epochsDone](StoreWorker& w) { w.enqueue(RefuseWaiting{id, epochsDone}, true); });
}

void StoreClient::watchRequests(const QString& id,
                                std::function<void(const SettingChange&)> deliver) {
    post([id, deliver = std::move(deliver)](StoreWorker& w) mutable {
        w.watch(id, std::move(deliver));
    });
}

void StoreClient::deleteRuns(const QStringList& ids) {
    post([ids](StoreWorker& w) { w.enqueue(DeleteRuns{ids}, true); });
}

void StoreClient::requestList() {
    post([](StoreWorker& w) {
        w.read([&w](RunStore& store, QString* why) {
            auto runs = store.listRuns(why);
            if (runs) {
                QMetaObject::invokeMethod(
                    w.client(),
                    [client = w.client(), runs = std::move(*runs)] { Q_EMIT client->listed(runs); },
                    Qt::QueuedConnection);
            }
            return runs.has_value();
        });
    });
}

void StoreClient::requestRun(const QString& id) {
    post([id](StoreWorker& w) {
        w.writePending(true); // a run being written is read with its latest batch
        w.read([&w, &id](RunStore& store, QString* why) {
            auto record = store.loadRun(id, why);
            auto losses = record ? store.lossHistory(id, why) : std::nullopt;
            auto validation =
                losses ? store.lossHistory(id, why, LossSeries::Validation) : std::nullopt;
            auto averaged =
                validation ? store.lossHistory(id, why, LossSeries::Averaged) : std::nullopt;
            auto norms =
                averaged ? store.lossHistory(id, why, LossSeries::GradientNorm) : std::nullopt;
            auto journal = norms ? store.journal(id, why) : std::nullopt;
            auto snapshots = journal ? store.snapshots(id, why) : std::nullopt;
            auto parameters = snapshots ? store.parameterFrames(id, why) : std::nullopt;
            auto rungs = parameters ? store.rungsOfRun(id, why) : std::nullopt;
            if (rungs) {
                LoadedRun run{std::move(*record),   std::move(*losses),    std::move(*validation),
                              std::move(*averaged), std::move(*snapshots), std::move(*parameters),
                              std::move(*norms),    std::move(*journal),   std::move(*rungs)};
                QMetaObject::invokeMethod(
                    w.client(),
                    [client = w.client(), run = std::move(run)] { Q_EMIT client->runLoaded(run); },
                    Qt::QueuedConnection);
            }
            return rungs.has_value();
        });
    });
}

void StoreClient::requestSearch(const QString& sweepId) {
    post([sweepId](StoreWorker& w) {
        SearchSummary summary;
        QString error;
        const bool read = w.read([&](RunStore& store, QString* why) {
            const auto found = searchSummary(store, sweepId, why);
            summary = found.value_or(SearchSummary{});
            error = found ? QString() : *why;
            return true; // a sweep it cannot summarise is answered, not a broken store
        });
        if (!read && error.isEmpty()) {
            error = QStringLiteral("the run store cannot be opened");
        }
        summary.sweepId = sweepId;
        QMetaObject::invokeMethod(
            w.client(),
            [client = w.client(), summary = std::move(summary), error] {
                Q_EMIT client->searchLoaded(summary, error);
            },
            Qt::QueuedConnection);
    });
}

void StoreClient::requestCheckpoints(const QString& id) {
    post([id](StoreWorker& w) {
        std::vector<qint64> epochs;
        QString error;
        const bool read = w.read([&](RunStore& store, QString* why) {
            auto found = store.checkpointEpochs(id, why);
            epochs = found.value_or(std::vector<qint64>{});
            error = found ? QString() : *why;
            return found.has_value();
        });
        if (!read && error.isEmpty()) {
            error = QStringLiteral("the run store cannot be opened");
        }
        QMetaObject::invokeMethod(
            w.client(),
            [client = w.client(), id, epochs, error] {
                Q_EMIT client->checkpointsListed(id, epochs, error);
            },
            Qt::QueuedConnection);
    });
}

void StoreClient::requestResumePoint(const QString& id, qint64 epoch) {
    post([id, epoch](StoreWorker& w) {
        auto point = std::make_shared<std::optional<ResumePoint>>();
        QString error;
        const bool read = w.read([&](RunStore& store, QString* why) {
            *point = store.resumePoint(id, epoch, why);
            error = *point ? QString() : *why;
            return point->has_value();
        });
        if (!read && error.isEmpty()) {
            error = QStringLiteral("the run store cannot be opened");
        }
        QMetaObject::invokeMethod(
            w.client(),
            [client = w.client(), id, point, error] {
                Q_EMIT client->resumePointLoaded(id, *point, error);
            },
            Qt::QueuedConnection);
    });
}

void StoreClient::requestExport(const QStringList& ids, const QString& path, ExportFormat format) {
    post([ids, path, format](StoreWorker& w) {
        w.writePending(true);
        w.read([&](RunStore& store, QString*) {
            QString error;
            exportRuns(store, ids, path, format, &error);
            QMetaObject::invokeMethod(
                w.client(),
                [client = w.client(), path, error] { Q_EMIT client->exported(path, error); },
                Qt::QueuedConnection);
            return true; // a file that cannot be written is not the store's problem
        });
    });
}

// `write` on the store's thread, answered by modelExported with what it
// wrote or why not.
void StoreClient::postExport(const QString& path,
                             std::function<std::optional<QString>(RunStore&, QString*)> write) {
    post([path, write = std::move(write)](StoreWorker& w) {
        w.read([&](RunStore& store, QString*) {
            QString error;
            const auto written = write(store, &error);
            QMetaObject::invokeMethod(
                w.client(),
                [client = w.client(), path, written = written.value_or(QString()), error] {
                    Q_EMIT client->modelExported(path, written, error);
                },
                Qt::QueuedConnection);
            return true; // a run without kept parameters is not the store's problem
        });
    });
}

void StoreClient::requestModelExport(const QString& spec, const QString& path,
                                     ScriptPrecision precision) {
    postExport(path, [spec, path, precision](RunStore& store, QString* error) {
        return exportTorchScript(store, spec, path, precision, error);
    });
}

void StoreClient::requestFieldExport(const QString& spec, const QString& path,
                                     const FieldExport& request) {
    postExport(path, [spec, path, request](RunStore& store, QString* error) {
        const auto model = loadKeptModel(store, spec, error);
        return model ? exportField(*model, request, path, error) : std::nullopt;
    });
}

bool StoreClient::flush() {
    bool ok = false;
    QMetaObject::invokeMethod(
        worker_, [worker = worker_, &ok] { ok = worker->writePending(true); },
        Qt::BlockingQueuedConnection);
    return ok;
}

} // namespace dredge
