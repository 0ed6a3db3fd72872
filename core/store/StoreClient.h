#pragma once
// The run store on a thread of its own, for callers that must never wait on a
// database (the window, a training loop). Every call returns at once; writes
// are applied in the order made, loss histories and parameters in one
// transaction about once a second, run records at once. Answers to reads come
// back as signals on the caller's thread.
//
// When the store cannot be opened or a write fails, nothing is dropped: the
// pending writes stay queued (the caller keeps its runs in memory anyway),
// problem() says why, and the next batch tries again; healthy() says when
// writes go through again.

#include "FieldSignal.h"
#include "RunExport.h"
#include "RunRecord.h"
#include "RunStore.h"
#include "ScriptedField.h"
#include "SearchSummary.h"
#include "StoreLocation.h"
#include "TrainingCheckpoint.h"

#include <QObject>
#include <QThread>
#include <functional>
#include <vector>

namespace dredge {

class StoreWorker;

// A stored run as the window shows it: its record, its loss series (the
// validation and averaged ones empty where the run has none) and what it kept
// for replay: parameters (schema 6 on) or, from older stores, predictions.
struct LoadedRun {
    RunRecord record;
    std::vector<double> losses;
    std::vector<double> validationLosses;
    std::vector<double> averagedLosses;
    std::vector<StoredSnapshot> snapshots;
    ParameterFrames parameters;
    std::vector<double> gradientNorms; // before clipping, per epoch (older runs: none)
    RunJournal journal;                // its live changes and stop
    std::vector<qint64> rungs;         // where a halving sweep judged it (epochs)
};

class StoreClient : public QObject {
    Q_OBJECT
public:
    // batchMs: how long losses wait to be written with others.
    explicit StoreClient(const StoreLocation& location, int batchMs = 1000,
                         QObject* parent = nullptr);
    // Writes what is pending (one try) and joins the thread.
    ~StoreClient() override;

    const StoreLocation& location() const { return location_; }
    bool hasProblem() const { return !problem_.isEmpty(); }
    const QString& problemText() const { return problem_; }

    void insertSweep(const SweepRecord& sweep);
    void insertRun(const RunRecord& record);
    void updateRun(const RunRecord& record); // after the losses sent before it
    void updateUserFields(const RunRecord& record);
    void renameRun(const QString& id, const QString& name); // touches nothing else
    void appendLosses(const QString& id, qint64 firstEpoch, std::vector<double> losses,
                      LossSeries series = LossSeries::Training);
    void addParameters(const QString& id, ParameterFrames frames);
    void addCheckpoint(const QString& id, TrainingCheckpoint checkpoint);
    void deleteRuns(const QStringList& ids);
    // A change of a run's journal, written at once (before it takes effect).
    void recordChange(const QString& id, const SettingChange& change);
    // As a run ends: its requests still waiting are refused (it has ended).
    void refuseWaiting(const QString& id, qint64 epochsDone);
    // Hands the requests a shell leaves in the store for run `id` to
    // `deliver`, on the store's thread, once each, as the store is met
    // (about once a second); an empty `deliver` stops that.
    void watchRequests(const QString& id, std::function<void(const SettingChange&)> deliver);

    void requestList();
    void requestRun(const QString& id); // the record and its loss history
    // A sweep's search so far (SearchSummary): answered by searchLoaded.
    void requestSearch(const QString& sweepId);
    void requestExport(const QStringList& ids, const QString& path, ExportFormat format);
    // RUN[@EPOCH]'s model as a TorchScript module at `path` (KeptModel):
    // answered by modelExported, with what was written or why not.
    void requestModelExport(const QString& spec, const QString& path, ScriptPrecision precision);
    // RUN[@EPOCH]'s field sampled afresh to `path` (exportField: a picture,
    // sound or volume): answered by modelExported too.
    void requestFieldExport(const QString& spec, const QString& path, const FieldExport& request);
    // For a fork: a run's checkpoint epochs, then the state after one of them
    // (the last at or before `epoch`). Each is always answered, with an error
    // where the store or the run fails.
    void requestCheckpoints(const QString& id);
    void requestResumePoint(const QString& id, qint64 epoch);

    // Blocks until everything sent so far has been tried once: for the end of
    // a headless run, and for tests. Not for the GUI thread in normal use.
    bool flush();

Q_SIGNALS:
    void listed(const std::vector<dredge::RunRecord>& runs);
    void runLoaded(const dredge::LoadedRun& run);
    void searchLoaded(const dredge::SearchSummary& search, const QString& error);
    void exported(const QString& path, const QString& error); // error empty on success
    void modelExported(const QString& path, const QString& written, const QString& error);
    void checkpointsListed(const QString& id, const std::vector<qint64>& epochs,
                           const QString& error);
    void resumePointLoaded(const QString& id, const std::optional<dredge::ResumePoint>& point,
                           const QString& error);
    void changed();                    // run records were written (not mere history batches)
    void problem(const QString& text); // the store is unusable or a write failed
    void healthy();                    // writes go through again

private:
    friend class StoreWorker; // reports its state through onWorkerState
    void onWorkerState(const QString& problem, bool recordsChanged);
    void post(std::function<void(StoreWorker&)> call);
    void postExport(const QString& path,
                    std::function<std::optional<QString>(RunStore&, QString*)> write);

    StoreLocation location_;
    QThread thread_;
    StoreWorker* worker_;
    QString problem_;
};

} // namespace dredge
