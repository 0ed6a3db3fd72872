#include "RunDriver.h"

#include "ParameterPlan.h"
#include "RunControl.h"

#include <chrono>
#include <limits>
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
        if (!frames_.empty()) {
            sink_.parameters(frames_);
            frames_ = ParameterFrames{frames_.width, {}, {}};
        }
    }

    void ready(const Trainer& trainer) {
        if (drive_.keepParameters) {
            const auto& tc = drive_.config.train;
            plan_.emplace(tc.epochs, trainer.setup().parameters, tc.checkpointEvery, tc.keepMib);
            frames_.width = trainer.setup().parameters;
            trainer.appendParameters(before_); // what the first epoch's forward uses
        }
        sink_.ready(trainer);
        throttle_.begin(now(), trainer.epochsDone()); // a fork starts at its checkpoint
    }

    EpochVerdict epoch(const Trainer& trainer, int64_t epoch, double loss) {
        if (plan_) {
            keepParameters(trainer, epoch, loss);
        }
        if (throttle_.add(epoch, loss, now(), trainer.lastValidationLoss(),
                          trainer.averagedLoss())) {
            flush();
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

    // before_ holds the parameters epoch `epoch` used; after its update the
    // trainer holds the next epoch's. Copying them costs P floats an epoch,
    // where the epoch itself costs at least P × points operations.
    void keepParameters(const Trainer& trainer, int64_t epoch, double loss) {
        if (plan_->due(epoch)) {
            frames_.add(epoch, before_.data());
        }
        const double watched = trainer.watchesValidation() ? trainer.lastValidationLoss() : loss;
        if (!plan_->keepsEveryEpoch() && watched < bestWatched_) {
            bestWatched_ = watched;
            best_ = before_;
            bestEpoch_ = epoch;
        }
        std::swap(previous_, before_);
        before_.clear();
        trainer.appendParameters(before_);
        lastSeen_ = epoch;
    }

    // However the run ends (its last epoch, a stop rule, Stop, divergence),
    // the best and last epochs' parameters and the model it ended with (after
    // restore-best or averaging) are kept, so a replay ends where the run did.
    void ended(const Trainer& trainer) {
        const int64_t done = trainer.epochsDone();
        if (plan_ && done > 0) {
            // A diverged last epoch was never seen: its parameters are still before_.
            const auto& last = lastSeen_ == done - 1 ? previous_ : before_;
            frames_.add(done - 1, last.data());
            if (bestEpoch_ >= 0) {
                frames_.add(bestEpoch_, best_.data());
            }
            std::vector<float> end;
            trainer.appendParameters(end);
            frames_.add(done, end.data());
        }
        sink_.ended(trainer);
    }

    const RunDrive& drive_;
    RunSink& sink_;
    ProgressThrottle throttle_;
    std::chrono::steady_clock::time_point start_;
    std::optional<ParameterPlan> plan_;
    ParameterFrames frames_;               // kept since the last flush
    std::vector<float> before_, previous_; // the current and the last epoch's parameters
    std::vector<float> best_;              // a sparse plan's best epoch's
    int64_t bestEpoch_ = -1;
    double bestWatched_ = std::numeric_limits<double>::infinity();
    int64_t lastSeen_ = -1;
};

} // namespace

TrainResult driveRun(const RunDrive& drive, RunSink& sink) {
    return Driver(drive, sink).run();
}

} // namespace dredge
