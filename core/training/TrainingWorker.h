#pragma once
// Runs one experiment on the thread it lives on (TrainingRun moves it to its
// own QThread). Data generation happens here too, so even a 16⁵-point grid
// never blocks the GUI. Talks to the outside only through queued signals
// carrying plain values, and reads RunControl between epochs.

#include "ExperimentConfig.h"
#include "RunControl.h"
#include "RunMetaTypes.h"

#include <QObject>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace dredge {

// Where the GUI wants predictions; shared between the two threads.
class PredictionProbe {
public:
    void setPoints(std::vector<float> coords); // empty: the training points
    std::vector<float> points() const;
    void setIntervalMs(int ms) { intervalMs_ = ms; }
    int intervalMs() const { return intervalMs_; } // 0: no live predictions

private:
    mutable std::mutex mutex_;
    std::vector<float> coords_;
    std::atomic<int> intervalMs_{0};
};

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    // keepCheckpoints: also emit checkpoint(), for the run store.
    TrainingWorker(ExperimentConfig config, std::shared_ptr<RunControl> control,
                   std::shared_ptr<PredictionProbe> probe, bool keepCheckpoints = false);
    // Before run(): go on from a checkpoint (a fork) instead of from scratch.
    void setResumePoint(std::optional<ResumePoint> resume) { resume_ = std::move(resume); }

public Q_SLOTS:
    void run();

Q_SIGNALS:
    void ready(dredge::RunData data);
    void progress(dredge::ProgressBatch batch);
    void prediction(dredge::PredictionSnapshot snapshot);
    // The parameters kept since the last batch (ParameterPlan).
    void parameters(dredge::ParameterFrames frames);
    // With config.train.checkpointEvery and keepCheckpoints: the state every N
    // epochs and at the end, for the run store.
    void checkpoint(dredge::TrainingCheckpoint checkpoint);
    // A change of the journal (applied or refused) and the stop, as met.
    void changed(dredge::SettingChange change);
    void paused(qint64 epochsDone);
    void resumed();
    void finished(dredge::TrainResult result);

private:
    class Sink;
    PredictionSnapshot predict(const Trainer& trainer, int64_t epoch) const;

    ExperimentConfig config_;
    std::shared_ptr<RunControl> control_;
    std::shared_ptr<PredictionProbe> probe_;
    bool keepCheckpoints_;
    std::optional<ResumePoint> resume_;
    std::vector<float> targets_;
};

} // namespace dredge
