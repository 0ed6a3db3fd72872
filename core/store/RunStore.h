#pragma once
// The run store on one database connection (Qt SQL: SQLite or PostgreSQL).
// Synchronous and single-threaded: use it from the thread that opened it
// (StoreClient gives the GUI a thread of its own for it). Every call that can
// fail returns false or nullopt and says why in *error; none throws.
//
// SQLite stores run in WAL mode with foreign keys on and wait up to 5 s for a
// lock, so several processes (the window and `train` commands) can write into
// one file at once.

#include "ParameterFrames.h"
#include "PopulationTraining.h"
#include "RunRecord.h"
#include "SettingChange.h"
#include "StoreLocation.h"
#include "StoreSchema.h"
#include "SuccessiveHalving.h"
#include "Trainer.h"
#include "TrainingCheckpoint.h"

#include <QJsonArray>
#include <QString>
#include <QVariantMap>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

class QSqlDatabase;
class QSqlQuery;

namespace dredge {

// Per-epoch series kept as losses are: the training loss, the held-out
// points' (with a validation split), the averaged model's (with weight
// averaging) and the global gradient norm before clipping.
enum class LossSeries { Training, Validation, Averaged, GradientNorm };

class RunStore {
public:
    RunStore();
    ~RunStore(); // closes and removes the connection
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    // Connects, creates or migrates the schema, and marks runs whose process
    // died without ending them as interrupted.
    bool open(const StoreLocation& location, QString* error);
    // For looking only (runs list/show/export) at an SQLite store that cannot
    // be written (a read-only or full file system): no migration, no marking
    // of interrupted runs, and every write fails. PostgreSQL: as open().
    bool openForReading(const StoreLocation& location, QString* error);
    bool isOpen() const { return open_; }
    const StoreLocation& location() const { return location_; }

    // Several writes as one transaction (what StoreClient's batches use).
    bool beginWrite(QString* error);
    bool commit(QString* error);
    void rollback();

    bool insertRun(const RunRecord& record, QString* error);
    // Everything but the user's fields, which the user may be editing meanwhile.
    bool updateRun(const RunRecord& record, QString* error);
    bool renameRun(const QString& id, const QString& name, QString* error);
    // Name, notes, tags, star and archive.
    bool updateUserFields(const RunRecord& record, QString* error);
    bool appendLosses(const QString& id, qint64 firstEpoch, const std::vector<double>& losses,
                      QString* error, LossSeries series = LossSeries::Training);
    // Kept predictions, as stores before schema 6 kept them (still read).
    bool addSnapshot(const QString& id, const StoredSnapshot& snapshot, QString* error);
    // A batch of kept parameters, after those written before.
    bool addParameters(const QString& id, const ParameterFrames& frames, QString* error);
    // Keeps the state after checkpoint.epoch epochs (replacing one kept there).
    bool addCheckpoint(const QString& id, const TrainingCheckpoint& checkpoint, QString* error);
    // A running run's epochs so far and its writer's sign of life.
    bool recordProgress(const QString& id, qint64 epochsDone, const QDateTime& heartbeat,
                        QString* error);
    bool insertSweep(const SweepRecord& sweep, QString* error);
    std::optional<SweepRecord> loadSweep(const QString& id, QString* error);
    // The newest sweep queued from this spec (its dredge-sweep JSON, as
    // SweepRecord::spec) that still has queued runs and none running: one
    // that stopped (or was killed) before its end, to go on with. None: empty.
    std::optional<std::optional<SweepRecord>> unfinishedSweep(const QByteArray& spec,
                                                              QString* error);
    // Takes task `task` of a sweep out of the queue for this process (marks it
    // running) and returns it; fails when no such run waits.
    std::optional<RunRecord> claimQueuedRun(const QString& sweepId, int task, QString* error);
    // The same under a budget of epochs for the whole sweep (sweep --budget
    // on Slurm): in one transaction, taken only when `epochs` fit beside
    // what the sweep's ended runs trained and the whole epochs of its
    // running ones; else nothing changes and *held says how many those are.
    std::optional<RunRecord> claimWithinBudget(const QString& sweepId, int task, qint64 epochs,
                                               qint64 budget, qint64* held, QString* error);
    // What a sweep's runs hold of a budget: the epochs its ended runs
    // trained themselves and those its running runs will.
    std::optional<qint64> sweepEpochsHeld(const QString& sweepId, QString* error);
    // Task `task` of a sweep whose process died (killed): its running record
    // ends as interrupted with `why` (its history kept) and `queued`, a fresh
    // queued run of the task, takes its place in the queue, unless a record
    // of the task is left that is neither interrupted nor failed (its
    // queued one, when it died before taking it). One transaction.
    bool requeueTask(const QString& sweepId, int task, const RunRecord& queued, const QString& why,
                     QString* error);
    // Deletes the runs with their histories, tags and snapshots; forks of
    // them stay, without a parent. Atomic only inside beginWrite/commit.
    bool deleteRuns(const QStringList& ids, QString* error);

    // Every run, newest first, without histories.
    std::optional<std::vector<RunRecord>> listRuns(QString* error);
    std::optional<RunRecord> loadRun(const QString& id, QString* error);
    std::optional<std::vector<double>> lossHistory(const QString& id, QString* error,
                                                   LossSeries series = LossSeries::Training);
    std::optional<std::vector<StoredSnapshot>> snapshots(const QString& id, QString* error);
    // Every kept parameter frame of a run, in epoch order (none: empty).
    std::optional<ParameterFrames> parameterFrames(const QString& id, QString* error);
    // The epochs a run has checkpoints at, in order.
    std::optional<std::vector<qint64>> checkpointEpochs(const QString& id, QString* error);
    // The latest checkpoint at or before `epoch` (< 0: the latest of all).
    std::optional<TrainingCheckpoint> checkpoint(const QString& id, qint64 epoch, QString* error);
    // What a run resumed from that checkpoint needs: the checkpoint and the
    // losses (and validation losses) of the epochs before it.
    std::optional<ResumePoint> resumePoint(const QString& id, qint64 epoch, QString* error);
    // The journal (SettingChange): a request from a shell (stored as
    // requested; sets its requestId), a change met by the training process
    // (updates its request, or adds it: a change from the window, a stop),
    // a run's whole journal in the order applied (requests not applied last),
    // the requests waiting for some runs, and one request by its row.
    bool requestChange(const QString& runId, SettingChange& change, QString* error);
    bool recordChange(const QString& runId, SettingChange& change, QString* error);
    std::optional<RunJournal> journal(const QString& runId, QString* error);
    // Fills each record's `changes` (journalSummary) in one read.
    bool summarizeJournals(std::vector<RunRecord>& runs, QString* error);
    // A run that ended answers what still waits for it: refused, with why.
    bool refuseWaitingRequests(const QString& runId, qint64 epochsDone, QString* error);
    std::optional<std::vector<std::pair<QString, SettingChange>>>
    waitingRequests(const QStringList& runIds, QString* error);
    std::optional<SettingChange> request(qint64 requestId, QString* error);

    // Successive halving (SuccessiveHalving.h): run `runId` of sweep
    // `sweepId` reached `rung` epochs of its bracket with `loss` (its watched
    // loss; NaN when not finite) in setting `group`. Decides, in one
    // transaction, among the bracket's results, whether it goes on, records
    // it, and returns it; a run that reached the rung before gets its first
    // answer again (never decided twice).
    struct RungArrival {
        QString sweepId;
        int bracket = 0;
        qint64 rung = 0;
        QString runId;
        QString group;
        double loss = 0.0;
    };
    std::optional<bool> reachRung(const RungArrival& arrival, const SuccessiveHalving& halving,
                                  QString* error);
    // A sweep's rung results in the order they were decided, by bracket and rung.
    struct RungResult {
        int bracket = 0;
        qint64 rung = 0;
        QString runId;
        RungEntry entry;
    };
    std::optional<std::vector<RungResult>> rungResults(const QString& sweepId, QString* error);
    // The rungs (epochs) a run was judged at, in order.
    std::optional<std::vector<qint64>> rungsOfRun(const QString& runId, QString* error);

    // Tpe (ParzenSearch.h): trial `trial` of sweep `sweepId`'s setting (a
    // JSON array of the axes' values). The first to ask proposes it: in one
    // transaction, `propose` gets what the sweep knows then (its trials'
    // settings, its runs, its rung results) and its answer is kept, so every
    // process and Slurm task of the sweep gets the same setting.
    struct SweepProgress {
        std::map<int, QJsonArray> trials; // proposed so far, by trial
        std::vector<RunRecord> runs;      // the sweep's, without histories
        std::vector<RungResult> rungs;
    };
    std::optional<QJsonArray>
    trialSetting(const QString& sweepId, int trial,
                 const std::function<QJsonArray(const SweepProgress&)>& propose, QString* error);
    // Every trial's setting proposed so far, by trial.
    std::optional<std::map<int, QJsonArray>> trialSettings(const QString& sweepId, QString* error);

    // Pbt (PopulationTraining.h): run `entry.runId` of sweep `sweepId`
    // reached boundary `epoch` with `entry.loss`, its member in
    // `entry.setting`: kept, undecided (again: nothing new).
    bool arriveAtBoundary(const QString& sweepId, qint64 epoch, const PopulationEntry& entry,
                          QString* error);
    // How many of the sweep's runs a run at boundary `epoch` waits for: the
    // training ones that have not reached it (forks that began at or after
    // it do not count), and the queued ones while fewer than `jobs` train
    // (a slot is free: one starts meanwhile).
    std::optional<int> boundaryWaitsFor(const QString& sweepId, qint64 epoch, int jobs,
                                        QString* error);
    // Run `runId`'s member's step at boundary `epoch`: taken before, or
    // now, in one transaction, by `decide` for every member there that has
    // none (decideBoundary), and kept.
    struct PopulationAnswer {
        PopulationStep step;
        QString sourceRunId; // the run of the copied member with this run's seed
    };
    using BoundaryDecision = std::function<void(std::vector<PopulationEntry>& entries)>;
    std::optional<PopulationAnswer> stepAtBoundary(const QString& sweepId, qint64 epoch,
                                                   const QString& runId,
                                                   const BoundaryDecision& decide, QString* error);
    // A sweep's population entries, by boundary (epoch) in the order they arrived.
    std::optional<std::map<qint64, std::vector<PopulationEntry>>>
    populationEntries(const QString& sweepId, QString* error);

    // The one run whose id starts with `prefix` (case-insensitive); on failure
    // *why (when given) says which kind it was, for callers that answer each
    // differently (the insight server's 400 and 404).
    enum class IdFailure { NotAnId, NoMatch, Ambiguous, Store };
    std::optional<QString> resolveId(const QString& prefix, QString* error,
                                     IdFailure* why = nullptr);

    // Whether the last failure was the database refusing the statement
    // (constraint, type, SQL) rather than failing to carry it out (locked,
    // full, disconnected): a refused write fails the same way every time.
    bool lastFailureWasRefused() const { return lastRefused_; }

    // Runs left "running" by a process that is gone (same host: its pid is
    // dead; any host: no heartbeat for 10 minutes) become "interrupted".
    // Returns how many, or -1 on error.
    int markInterruptedRuns(QString* error);

private:
    bool fail(const QSqlQuery& query, QString* error);
    // Runs a read of one run's (or sweep's) rows, forward only: `sql` names
    // it :id, and `more` binds the rest. False with the reason.
    // One decision (a rung's, a tpe trial's) in a write transaction, on
    // PostgreSQL with `table` locked against other deciders: `decision`
    // reads what stands and answers, clearing `wrote` when it found the
    // answer taken before (nothing written); nullopt rolls back.
    using Decision = std::function<std::optional<QVariant>(QSqlQuery& q, bool& wrote)>;
    std::optional<QVariant> decide(const QString& table, const Decision& decision, QString* error);
    std::optional<QVariant> decideRung(QSqlQuery& q, const RungArrival& arrival,
                                       const SuccessiveHalving& halving, bool& wrote,
                                       QString* error);
    std::optional<QVariant> decideBoundary(QSqlQuery& q, const QString& sweepId, qint64 epoch,
                                           const QString& runId, const BoundaryDecision& decide,
                                           bool& wrote, QString* error);
    std::optional<std::vector<PopulationEntry>> entriesAt(QSqlQuery& q, const QString& sweepId,
                                                          qint64 epoch, QString* error);
    std::optional<QVariant>
    decideTrial(QSqlQuery& q, const QString& sweepId, int trial,
                const std::function<QJsonArray(const SweepProgress&)>& propose, bool& wrote,
                QString* error);
    // The epochs (first column) `sql` selects for run `id` (bound as :id).
    std::optional<std::vector<qint64>> epochsOfRun(const QString& sql, const QString& id,
                                                   QString* error);
    bool selectOfRun(QSqlQuery& q, const QString& sql, const QString& id, QString* error,
                     const QVariantMap& more = {});
    // The rows `sql` selects for `id` (bound as :id), ready to step through;
    // nullopt with why.
    std::optional<QSqlQuery> rowsOf(const QString& sql, const QString& id, QString* error);
    // Runs a read of one row (`sql` names it :key) and steps onto it; false
    // with the reason, or with `missing` when there is no such row.
    bool selectOne(QSqlQuery& q, const QString& sql, const QVariant& key, const QString& missing,
                   QString* error);
    QSqlDatabase database() const;
    std::optional<QString> wholeId(const QString& id, QString* error, IdFailure* why);
    bool configureConnection(QString* error);
    enum class ReadAccess { ReadWrite, ReadOnly, Immutable };
    bool connect(const StoreLocation& location, ReadAccess access, QString* error);
    QString explained(const QString& databaseError) const;
    bool writeTags(const RunRecord& record, QString* error);

    QString connectionName_;
    // resolveId's lookup of a whole id, prepared once per connection: the
    // insight server resolves one for every /predict, and preparing the
    // statement each time cost more than the prediction.
    std::unique_ptr<QSqlQuery> wholeIdQuery_;
    StoreLocation location_;
    SqlDialect dialect_ = SqlDialect::Sqlite;

    bool open_ = false;
    bool lastRefused_ = false;
};

} // namespace dredge
