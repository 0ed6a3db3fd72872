#include "RunDriver.h"

#include "ParameterPlan.h"
#include "RunControl.h"
#include "SignalFiles.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <utility>

namespace dredge {
namespace {

class Driver {
public:
    Driver(const RunDrive& drive, RunSink& sink)
        : drive_(drive)
        , sink_(sink)
        , config_(drive.config)
        , throttle_(drive.config.train.epochs, drive.progressSeconds,
                    drive.config.train.validationShare > 0.0,
                    drive.config.train.averaging.start.has_value())
        , start_(std::chrono::steady_clock::now()) {}

    TrainResult run() {
        TrainResult result = train(
            drive_.config,
            [this](const Trainer& t, int64_t e, double loss) { return epoch(t, e, loss); },
            [this](const Trainer& t) { ready(t); }, drive_.resume,
            [this](const Trainer& t) { ended(t); },
            [this](const Trainer& t, int64_t e) { return boundary(t, e); }, drive_.ranks);
        refuseUnapplied(result.epochsDone);
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
            auto batch = throttle_.take(now());
            batch.spans = spans_;
            sink_.progress(batch);
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
        const bool due =
            throttle_.add(epoch, loss, now(), trainer.lastValidationLoss(), trainer.averagedLoss());
        throttle_.addGradient(trainer.lastGradientNorm(), trainer.lastEpochClipped());
        if (due) {
            spans_ = trainer.spans(); // a few spans: copied once a batch
            flush();
        }
        const auto every = config_.train.checkpointEvery;
        if (drive_.keep && every > 0 && (epoch + 1) % every == 0) {
            flush(); // a checkpoint's losses go out with it: a fork reads both
            sink_.checkpoint(trainer.checkpoint());
            lastCheckpoint_ = epoch + 1;
        }
        if (scriptedStop(epoch + 1)) {
            return EpochVerdict::Stop;
        }
        const auto verdict = sink_.epoch(trainer, epoch, loss);
        if (verdict != EpochVerdict::Continue || !drive_.control) {
            if (verdict != EpochVerdict::Continue) { // an interrupt (Ctrl-C, a signal), a rung
                journalStop(epoch + 1, verdict == EpochVerdict::Prune ? ChangeSource::Sweep
                                                                      : ChangeSource::Shell);
            }
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
            },
            [&] { takeChanges(trainer, epoch + 1); });
        if (!carryOn) {
            journalStop(epoch + 1, ChangeSource::Window);
        }
        return carryOn ? EpochVerdict::Continue : EpochVerdict::Stop;
    }

    // Before epoch `epoch`: the changes asked since the last boundary (and a
    // replay's for this epoch), applied in order, each on the settings the
    // one before left; a checkpoint first, so that a fork can go on from
    // here with the old value or the new.
    std::optional<TrainConfig> boundary(const Trainer& trainer, int64_t epoch) {
        takeChanges(trainer, epoch);
        return std::exchange(pending_, std::nullopt);
    }

    // The changes for epoch `epoch`, journaled now, into pending_: at the
    // boundary, or during a pause before it (the same epoch either way).
    void takeChanges(const Trainer& trainer, int64_t epoch) {
        std::vector<SettingChange> asked;
        for (const auto& c : drive_.script) {
            if (c.action == ChangeAction::Set && c.epoch == epoch && epoch > scriptTaken_) {
                SettingChange again = c;
                again.value = c.to;
                again.source = ChangeSource::Replay;
                again.requestId = 0;
                asked.push_back(std::move(again));
            }
        }
        for (const auto& c : drive_.planned) {
            if (c.action == ChangeAction::Set && c.epoch == epoch && epoch > scriptTaken_) {
                asked.push_back(c);
                asked.back().requestId = 0;
            }
        }
        scriptTaken_ = std::max(scriptTaken_, epoch);
        if (drive_.control && drive_.control->hasChanges()) {
            for (auto& c : drive_.control->takeChanges()) {
                asked.push_back(std::move(c));
            }
        }
        if (asked.empty()) {
            return;
        }
        ExperimentConfig next = config_;
        bool applied = false;
        for (auto& c : asked) {
            QString why;
            if (c.action == ChangeAction::Set && applyChange(next, c, epoch, &why)) {
                applied = true;
            } else {
                c.state = ChangeState::Refused;
                c.message = why.isEmpty() ? QStringLiteral("not a setting change") : why;
                c.epoch = epoch;
            }
        }
        if (applied && drive_.keep && lastCheckpoint_ != epoch) {
            sink_.checkpoint(trainer.checkpoint());
            lastCheckpoint_ = epoch;
        }
        for (const auto& c : asked) {
            journal(c);
        }
        if (applied) {
            takeSettings(trainer, next, epoch);
            pending_ = next.train;
        }
    }

    void takeSettings(const Trainer& trainer, const ExperimentConfig& next, int64_t epoch) {
        const auto& was = config_.train;
        const auto& now = next.train;
        if (plan_ && (now.epochs != was.epochs || now.checkpointEvery != was.checkpointEvery)) {
            plan_.emplace(now.epochs, trainer.setup().parameters, now.checkpointEvery, now.keepMib);
        }
        throttle_.setTotalEpochs(now.epochs);
        changedAt_.push_back(epoch); // its parameters are kept
        config_ = next;
    }

    bool scriptedStop(int64_t epochsDone) {
        if (stopEpoch(drive_.script) != epochsDone) {
            return false;
        }
        journalStop(epochsDone, ChangeSource::Replay);
        return true;
    }

    void journalStop(int64_t epochsDone, ChangeSource fallback) {
        SettingChange stop = drive_.control ? drive_.control->stopRequest() : SettingChange{};
        if (stop.action != ChangeAction::Stop) {
            stop.action = ChangeAction::Stop;
            stop.source = fallback;
            stop.requested = QDateTime::currentDateTimeUtc();
        }
        if (fallback == ChangeSource::Replay) {
            stop.source = fallback;
            stop.requestId = 0;
        }
        stop.state = ChangeState::Applied;
        stop.epoch = epochsDone;
        stop.applied = QDateTime::currentDateTimeUtc();
        journal(stop);
    }

    // Into the sink's journal; a store's request is answered in the store
    // from here as well (RunControl::answer), not after the sink's thread.
    void journal(const SettingChange& change) {
        if (drive_.control) {
            drive_.control->answer(change);
        }
        sink_.changed(change);
    }

    // A change asked too late (the run ended first) is answered, never lost.
    void refuseUnapplied(int64_t epochsDone) {
        if (!drive_.control) {
            return;
        }
        for (auto& c : drive_.control->takeChanges()) {
            c.state = ChangeState::Refused;
            c.epoch = epochsDone;
            c.message = QStringLiteral("the run ended after %1 epochs, before the change applied")
                            .arg(epochsDone);
            journal(c);
        }
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
        if (plan_->due(epoch) ||
            std::find(changedAt_.begin(), changedAt_.end(), epoch) != changedAt_.end()) {
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
                if (kept->epoch >= 0 && !plan_->due(kept->epoch) &&
                    std::find(changedAt_.begin(), changedAt_.end(), kept->epoch) ==
                        changedAt_.end()) {
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
    ExperimentConfig config_; // as live changes left it
    ProgressThrottle throttle_;
    std::chrono::steady_clock::time_point start_;
    std::optional<ParameterPlan> plan_;
    ParameterFrames frames_;    // kept since the last flush
    std::vector<float> before_; // the parameters the next epoch's forward uses
    KeptEpoch last_, best_;     // the last epoch seen; a sparse plan's best one
    double bestWatched_ = std::numeric_limits<double>::infinity();
    int64_t firstEpoch_ = 0;
    int64_t lastCheckpoint_ = -1;        // the epoch of the last cadence or change checkpoint
    std::vector<int64_t> changedAt_;     // epochs where changes applied: their frames are kept
    std::optional<TrainConfig> pending_; // changes taken, for train() at the next boundary
    std::vector<EpochSpan> spans_;       // the trainer's, as of the last batch
    int64_t scriptTaken_ = -1; // a replay's (and planned) changes are taken up to this epoch
};

} // namespace

TrainResult driveRun(const RunDrive& drive, RunSink& sink) {
    if (drive.config.data.samples || dataSourceFile(drive.config.data).isEmpty()) {
        return Driver(drive, sink).run();
    }
    RunDrive withSamples = drive; // the user's file, read once for the whole run
    QString error;
    if (!readDataFiles(withSamples.config.data, &error)) {
        throw std::invalid_argument(error.toStdString());
    }
    return Driver(withSamples, sink).run();
}

} // namespace dredge
