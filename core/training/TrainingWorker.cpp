#include "TrainingWorker.h"

#include "SnapshotPlan.h"

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
                               std::shared_ptr<PredictionProbe> probe, bool keepSnapshots)
    : config_(std::move(config))
    , control_(std::move(control))
    , probe_(std::move(probe))
    , keepSnapshots_(keepSnapshots) {}

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

void TrainingWorker::run() {
    QElapsedTimer clock;
    clock.start();
    const auto now = [&clock] { return double(clock.nsecsElapsed()) * 1e-9; };
    // Five batches a second: enough for a live curve, little for the GUI thread.
    ProgressThrottle throttle(config_.train.epochs, 0.2, config_.train.validationShare > 0.0,
                              config_.train.averaging.start.has_value());
    double lastPrediction = -1.0;
    double pausedAt = 0.0;
    std::optional<SnapshotPlan> snapshots;

    const auto onReady = [&](const Trainer& trainer) {
        targets_ = trainer.trainingTargets();
        if (keepSnapshots_) {
            snapshots.emplace(config_.train.epochs, trainer.setup().points);
        }
        Q_EMIT ready(RunData{trainer.setup(), trainer.trainingCoordinates(), targets_});
        throttle.begin(now(), trainer.epochsDone()); // a fork starts at its checkpoint
    };
    const auto onEpoch = [&](const Trainer& trainer, int64_t epoch, double loss) {
        const double t = now();
        if (throttle.add(epoch, loss, t, trainer.lastValidationLoss(), trainer.averagedLoss())) {
            Q_EMIT progress(throttle.take(t));
        }
        const int interval = probe_->intervalMs();
        if (interval > 0 && (lastPrediction < 0 || t - lastPrediction >= interval * 1e-3)) {
            Q_EMIT prediction(predict(trainer, epoch));
            lastPrediction = now();
        }
        const bool carryOn = control_->waitWhilePaused(
            [&] {
                if (throttle.hasPending()) {
                    Q_EMIT progress(throttle.take(now()));
                }
                pausedAt = now();
                Q_EMIT paused(epoch + 1);
            },
            [&] {
                throttle.skipTime(now() - pausedAt);
                Q_EMIT resumed();
            });
        return carryOn ? EpochVerdict::Continue : EpochVerdict::Stop;
    };

    TrainResult result;
    std::unique_ptr<PredictionSnapshot> finalPrediction;
    int64_t lastSnapshot = -1;
    const auto every = config_.train.checkpointEvery;
    try {
        result = train(
            config_,
            [&](const Trainer& trainer, int64_t epoch, double loss) {
                const auto verdict = onEpoch(trainer, epoch, loss);
                if (snapshots && snapshots->due(epoch)) {
                    Q_EMIT snapshot(PredictionSnapshot{
                        epoch, snapshots->decimate(trainer.lastEpochPrediction()), true, -1.0,
                        snapshots->stride()});
                    lastSnapshot = epoch;
                }
                if (keepSnapshots_ && every > 0 && (epoch + 1) % every == 0) {
                    Q_EMIT checkpoint(trainer.checkpoint());
                }
                return verdict;
            },
            onReady, resume_ ? &*resume_ : nullptr,
            // However the run ends (last epoch, a stop rule, Stop), the model
            // as it ends gives the final prediction, and the last epoch's
            // output the final snapshot.
            [&](const Trainer& trainer) {
                const int64_t last = trainer.epochsDone() - 1;
                if (last < 0) {
                    return;
                }
                finalPrediction = std::make_unique<PredictionSnapshot>(predict(trainer, last));
                finalPrediction->averaged = trainer.holdsAveragedWeights();
                if (snapshots && lastSnapshot != last) {
                    Q_EMIT snapshot(
                        PredictionSnapshot{last, snapshots->decimate(trainer.lastEpochPrediction()),
                                           true, -1.0, snapshots->stride()});
                }
            });
    } catch (const std::exception& e) {
        result.status = RunStatus::Failed;
        result.error = e.what();
    }
    if (keepSnapshots_) {
        for (const auto* kept : {&result.bestCheckpoint, &result.endCheckpoint}) {
            if (*kept) {
                Q_EMIT checkpoint(**kept);
            }
        }
    }
    if (throttle.hasPending()) {
        Q_EMIT progress(throttle.take(now()));
    }
    if (finalPrediction) {
        Q_EMIT prediction(*finalPrediction);
    }
    Q_EMIT finished(result);
}

} // namespace dredge
