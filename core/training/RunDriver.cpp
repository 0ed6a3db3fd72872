#include "RunDriver.h"

#include "RunControl.h"
#include "SnapshotPlan.h"

#include <chrono>
#include <optional>

namespace dredge {
namespace {

class Driver {
public:
    Driver(const RunDrive& drive, RunSink& sink)
        : drive_(drive)
        , sink_(sink)
        , throttle_(drive.config.train.epochs, drive.progressSeconds,
                    drive.config.train.validationShare > 0.0,
                    drive.config.train.averaging.start.has_value())
        , start_(std::chrono::steady_clock::now()) {}

    TrainResult run() {
        TrainResult result = train(
            drive_.config,
            [this](const Trainer& t, int64_t e, double loss) { return epoch(t, e, loss); },
            [this](const Trainer& t) { ready(t); }, drive_.resume,
            [this](const Trainer& t) { ended(t); });
        if (drive_.keep) { // at the best (watched) loss, and where the run ended
            for (const auto* kept : {&result.bestCheckpoint, &result.endCheckpoint}) {
                if (*kept) {
                    sink_.checkpoint(**kept);
                }
            }
        }
        flush();
        return result;
    }

private:
    double now() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    void flush() {
        if (throttle_.hasPending()) {
            sink_.progress(throttle_.take(now()));
        }
    }

    void ready(const Trainer& trainer) {
        if (drive_.keep) {
            snapshots_.emplace(drive_.config.train.epochs, trainer.setup().points);
        }
        sink_.ready(trainer);
        throttle_.begin(now(), trainer.epochsDone()); // a fork starts at its checkpoint
    }

    EpochVerdict epoch(const Trainer& trainer, int64_t epoch, double loss) {
        if (throttle_.add(epoch, loss, now(), trainer.lastValidationLoss(),
                          trainer.averagedLoss())) {
            sink_.progress(throttle_.take(now()));
        }
        if (snapshots_ && snapshots_->due(epoch)) {
            keepSnapshot(trainer, epoch);
        }
        const auto every = drive_.config.train.checkpointEvery;
        if (drive_.keep && every > 0 && (epoch + 1) % every == 0) {
            sink_.checkpoint(trainer.checkpoint());
        }
        const auto verdict = sink_.epoch(trainer, epoch, loss);
        if (verdict == EpochVerdict::Stop || !drive_.control) {
            return verdict;
        }
        double pausedAt = 0.0;
        const bool carryOn = drive_.control->waitWhilePaused(
            [&] {
                flush();
                pausedAt = now();
                sink_.paused(epoch + 1);
            },
            [&] {
                throttle_.skipTime(now() - pausedAt);
                sink_.resumed();
            });
        return carryOn ? EpochVerdict::Continue : EpochVerdict::Stop;
    }

    // However the run ends (its last epoch, a stop rule, Stop), the last
    // epoch's output is kept, so a replay ends where the run ended.
    void ended(const Trainer& trainer) {
        const int64_t last = trainer.epochsDone() - 1;
        if (snapshots_ && last >= 0 && lastSnapshot_ != last) {
            keepSnapshot(trainer, last);
        }
        sink_.ended(trainer);
    }

    void keepSnapshot(const Trainer& trainer, int64_t epoch) {
        sink_.snapshot(PredictionSnapshot{epoch,
                                          snapshots_->decimate(trainer.lastEpochPrediction()), true,
                                          -1.0, snapshots_->stride()});
        lastSnapshot_ = epoch;
    }

    const RunDrive& drive_;
    RunSink& sink_;
    ProgressThrottle throttle_;
    std::chrono::steady_clock::time_point start_;
    std::optional<SnapshotPlan> snapshots_;
    int64_t lastSnapshot_ = -1;
};

} // namespace

TrainResult driveRun(const RunDrive& drive, RunSink& sink) {
    return Driver(drive, sink).run();
}

} // namespace dredge
