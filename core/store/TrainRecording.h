#pragma once
// Records a run that train() runs on the calling thread (the `train` command,
// benchmarks) into a store, through the store's own thread: training never
// waits on the database. Losses go out in batches of about a quarter second,
// snapshots on a SnapshotPlan. Feed it from train()'s callbacks.

#include "ProgressThrottle.h"
#include "RunRecord.h"
#include "RunRecorder.h"
#include "SnapshotPlan.h"
#include "StoreClient.h"
#include "Trainer.h"

#include <QElapsedTimer>
#include <functional>
#include <optional>

namespace dredge {

class Trainer;

class TrainRecording {
public:
    // Opens the store (waits for that, once) before training starts.
    // keepSnapshots: also keep predictions for replay (SnapshotPlan).
    TrainRecording(const StoreLocation& location, const ExperimentConfig& config,
                   const QString& name, bool keepSnapshots = true);
    // A record prepared by the caller: a sweep's task (its sweep and task set),
    // already in the store when `inStore` (claimed from the queue).
    TrainRecording(const StoreLocation& location, RunRecord record, bool inStore);

    const QString& runId() const { return record_.id; }
    QString url() const { return client_.location().display(); }
    // Why the run is not (yet) in the store; empty when it is.
    const QString& problem() const { return problem_; }
    // Called on the training thread when the store fails while the run trains
    // (with the reason) and when it works again (with an empty text).
    void onProblemChange(std::function<void(const QString& problem)> handler) {
        problemChanged_ = std::move(handler);
    }

    void ready(const Trainer& trainer);
    // `last`: the run ends after this epoch (its prediction is kept).
    void epoch(const Trainer& trainer, int64_t epoch, double loss, bool last);
    // A resumed run's epochs before its checkpoint (after ready()).
    void seedHistory(const ResumePoint& resume);
    void checkpoint(const TrainingCheckpoint& checkpoint);
    // Writes the outcome and waits for the store; returns whether the whole
    // run reached it.
    bool finish(const TrainResult& result);

private:
    double now() const { return double(clock_.nsecsElapsed()) * 1e-9; }
    void send();
    void collectProblem();

    StoreClient client_;
    RunRecord record_;
    RunRecorder recorder_;
    ProgressThrottle throttle_;
    bool keepSnapshots_;
    std::optional<SnapshotPlan> snapshots_;
    QElapsedTimer clock_;
    QString problem_;
    std::function<void(const QString&)> problemChanged_;
};

} // namespace dredge
