#pragma once
// Records a run that driveRun drives on the calling thread (the `train`
// command, benchmarks) into a store, through the store's own thread: training
// never waits on the database. It is the store's RunSink: the driver decides
// when losses, parameters and checkpoints go out, this writes them.

#include "RunControl.h"
#include "RunDriver.h"
#include "RunRecord.h"
#include "RunRecorder.h"
#include "StoreClient.h"

#include <functional>

namespace dredge {

class TrainRecording : public RunSink {
public:
    // Opens the store (waits for that, once) before training starts.
    TrainRecording(const StoreLocation& location, const ExperimentConfig& config,
                   const QString& name);
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
    // Before training: a fork, whose stored history begins as its parent's.
    void setResumePoint(const ResumePoint* resume) { resume_ = resume; }
    // Before training: the run's controls, which a shell's requests in the
    // store (runs set/pause/resume/stop) reach; it must outlive the run.
    void setControl(RunControl* control) { control_ = control; }
    void setReplayOf(const QString& id) { record_.replayOf = id; }
    const RunJournal& journal() const { return recorder_.journal(); }

    void ready(const Trainer& trainer) override;
    void progress(const ProgressBatch& batch) override;
    void parameters(const ParameterFrames& frames) override;
    void checkpoint(const TrainingCheckpoint& checkpoint) override;
    void changed(const SettingChange& change) override;
    // Waits until what was recorded so far is in the store (a pbt boundary:
    // another member may fork from this run's checkpoint there).
    void flush();
    // Writes the outcome and waits for the store; returns whether the whole
    // run reached it.
    bool finish(const TrainResult& result);

private:
    void collectProblem();

    StoreClient client_;
    RunRecord record_;
    RunRecorder recorder_;
    const ResumePoint* resume_ = nullptr;
    RunControl* control_ = nullptr;
    QString problem_;
    std::function<void(const QString&)> problemChanged_;
};

} // namespace dredge
