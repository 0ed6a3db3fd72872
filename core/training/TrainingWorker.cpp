#include "TrainingWorker.h"

#include "RunDriver.h"

#include <QElapsedTimer>
#include <exception>
#include <optional>

namespace dredge {

void PredictionProbe::setPoints(std::vector<float> coords) {
    std::lock_guard lock(mutex_);
    coords_ = std::move(coords);
}

std::vector<float> PredictionProbe::points() const {
    std::lock_guard lock(mutex_);
    return coords_;
}

TrainingWorker::TrainingWorker(ExperimentConfig config, std::shared_ptr<RunControl> control,
                               std::shared_ptr<PredictionProbe> probe, bool keepCheckpoints)
    : config_(std::move(config))
    , control_(std::move(control))
    , probe_(std::move(probe))
    , keepCheckpoints_(keepCheckpoints) {}

PredictionSnapshot TrainingWorker::predict(const Trainer& trainer, int64_t epoch) const {
    PredictionSnapshot snapshot;
    snapshot.epoch = epoch;
    const auto probePoints = probe_->points();
    snapshot.onTrainingPoints = probePoints.empty();
    if (snapshot.onTrainingPoints) {
        snapshot.values = trainer.predictTrainingPoints();
        double sum = 0.0;
        for (size_t i = 0; i < snapshot.values.size(); ++i) {
            const double d = double(snapshot.values[i]) - double(targets_[i]);
            sum += d * d;
        }
        snapshot.mse = snapshot.values.empty() ? 0.0 : sum / double(snapshot.values.size());
    } else {
        snapshot.values = trainer.predict(probePoints);
    }
    return snapshot;
}

// The window's sink: everything goes out as queued signals with plain values.
class TrainingWorker::Sink : public RunSink {
public:
    explicit Sink(TrainingWorker& worker)
        : worker_(worker) {}

    void ready(const Trainer& trainer) override {
        worker_.targets_ = trainer.trainingTargets();
        Q_EMIT worker_.ready(RunData{trainer.setup(), trainer.trainingCoordinates(),
                                     worker_.targets_, trainer.trainingTimes()});
    }
    void progress(const ProgressBatch& batch) override { Q_EMIT worker_.progress(batch); }
    EpochVerdict epoch(const Trainer& trainer, int64_t epoch, double) override {
        const int interval = worker_.probe_->intervalMs();
        if (interval > 0 && (!clock_.isValid() || clock_.elapsed() >= interval)) {
            Q_EMIT worker_.prediction(worker_.predict(trainer, epoch));
            clock_.start();
        }
        return EpochVerdict::Continue;
    }
    void paused(int64_t epochsDone) override { Q_EMIT worker_.paused(epochsDone); }
    void changed(const SettingChange& change) override { Q_EMIT worker_.changed(change); }
    void resumed() override { Q_EMIT worker_.resumed(); }
    void parameters(const ParameterFrames& frames) override { Q_EMIT worker_.parameters(frames); }
    void checkpoint(const TrainingCheckpoint& checkpoint) override {
        Q_EMIT worker_.checkpoint(checkpoint);
    }
    // The model as it ends gives the final prediction, sent after the last progress.
    void ended(const Trainer& trainer) override {
        const int64_t last = trainer.epochsDone() - 1;
        if (last >= 0) {
            finalPrediction = worker_.predict(trainer, last);
            finalPrediction->averaged = trainer.holdsAveragedWeights();
        }
    }

    std::optional<PredictionSnapshot> finalPrediction;

private:
    TrainingWorker& worker_;
    QElapsedTimer clock_; // since the last live prediction
};

void TrainingWorker::run() {
    Sink sink(*this);
    TrainResult result;
    try {
        result = driveRun(RunDrive{config_, resume_ ? &*resume_ : nullptr, keepCheckpoints_, true,
                                   0.2, control_.get()},
                          sink);
    } catch (const std::exception& e) {
        result.status = RunStatus::Failed;
        result.error = failureText(e);
    }
    if (sink.finalPrediction) {
        Q_EMIT prediction(*sink.finalPrediction);
    }
    Q_EMIT finished(result);
}

} // namespace dredge
