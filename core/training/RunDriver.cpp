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
            frames_ = ParameterFrames{frames_.width, {}, {}, {}};
        }
    }

    void ready(const Trainer& trainer) {
        if (drive_.keepParameters) {
            const auto& tc = drive_.config.train;
            plan_.emplace(tc.epochs, trainer.setup().parameters, tc.checkpointEvery, tc.keepMib);
            frames_.width = trainer.setup().parameters;
            trainer.appendParameters(before_);  // what the first epoch's forward uses
            firstEpoch_ = trainer.epochsDone(); // a fork starts at its checkpoint
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
    // trainer holds the next epoch's, and the gradient epoch `epoch` computed.
    // Copying them costs 2P floats an epoch, where the epoch itself costs at
    // least P × points operations.
    void keepParameters(const Trainer& trainer, int64_t epoch, double loss) {
        last_.parameters.swap(before_);
        last_.gradient.clear();
        trainer.appendGradient(last_.gradient);
        last_.epoch = epoch;
        if (plan_->due(epoch)) {
            frames_.add(epoch, last_.parameters.data(), last_.gradient.data());
        }
        const double watched = trainer.watchesValidation() ? trainer.lastValidationLoss() : loss;
        if (!plan_->keepsEveryEpoch() && watched < bestWatched_) {
            bestWatched_ = watched;
            best_ = last_;
        }
        before_.clear();
        trainer.appendParameters(before_);
    }

    // However the run ends (its last epoch, a stop rule, Stop, divergence),
    // the best and last epochs' parameters and the model it ended with (after
    // restore-best or averaging) are kept, so a replay ends where the run did.
    void ended(const Trainer& trainer) {
        const int64_t done = trainer.epochsDone();
        if (plan_ && done > 0) {
            for (const auto* kept : {&last_, &best_}) {
                if (kept->epoch >= 0 && !plan_->due(kept->epoch)) {
                    frames_.add(kept->epoch, kept->parameters.data(), kept->gradient.data());
                }
            }
            // A diverged last epoch (no update, no gradient) was never seen;
            // a fork stopped before its first epoch has none.
            if (last_.epoch != done - 1 && done - 1 >= firstEpoch_) {
                frames_.add(done - 1, before_.data(), nullptr);
            }
            std::vector<float> end;
            trainer.appendParameters(end);
            frames_.add(done, end.data(), nullptr);
        }
        sink_.ended(trainer);
    }

    struct KeptEpoch {
        int64_t epoch = -1;
        std::vector<float> parameters, gradient;
    };
    const RunDrive& drive_;
    RunSink& sink_;
    ProgressThrottle throttle_;
    std::chrono::steady_clock::time_point start_;
    std::optional<ParameterPlan> plan_;
    ParameterFrames frames_;    // kept since the last flush
    std::vector<float> before_; // the parameters the next epoch's forward uses
    KeptEpoch last_, best_;     // the last epoch seen; a sparse plan's best one
    double bestWatched_ = std::numeric_limits<double>::infinity();
    int64_t firstEpoch_ = 0;
};

} // namespace

TrainResult driveRun(const RunDrive& drive, RunSink& sink) {
    return Driver(drive, sink).run();
}

} // namespace dredge
