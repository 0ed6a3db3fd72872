#pragma once
// One run driven from its config to its result, whoever started it: the
// window's worker thread and `train` both call driveRun, and differ only in
// their RunSink, where progress goes. The driver decides what is the same for
// every run: losses in batches (ProgressThrottle), pauses (RunControl), kept
// parameters (ParameterPlan, sent beside each batch of losses, with the best
// and last epochs' and the model the run ended with), checkpoints (every N
// epochs, at the best loss, at each live change and at the end), and live
// setting changes (applied at the next epoch boundary, journaled first).

#include "RunMetaTypes.h"
#include "SettingChange.h"
#include "Trainer.h"

#include <utility>

namespace dredge {

class RunControl;

// Where a run's progress goes. Called on the training thread.
class RunSink {
public:
    virtual ~RunSink() = default;
    // Once the data and model exist, before the first epoch.
    virtual void ready(const Trainer& trainer) = 0;
    // The losses since the last batch, every interval and at the end.
    virtual void progress(const ProgressBatch& batch) = 0;
    // After every epoch, for what the sink shows live; Stop ends the run.
    virtual EpochVerdict epoch(const Trainer&, int64_t /*epoch*/, double /*loss*/) {
        return EpochVerdict::Continue;
    }
    virtual void paused(int64_t /*epochsDone*/) {}
    virtual void resumed() {}
    // With RunDrive::keepParameters: the frames kept since the last call,
    // right after each progress() and once more as the run ends.
    virtual void parameters(const ParameterFrames&) {}
    // With RunDrive::keep: the states a store keeps.
    virtual void checkpoint(const TrainingCheckpoint&) {}
    // A change of the run's journal as the driver meets it: a live setting
    // applied at an epoch boundary (after the checkpoint kept there, before
    // the epoch runs) or refused, and the stop that ended the run.
    virtual void changed(const SettingChange&) {}
    // The model as the run ends (after restore-best or averaging), before
    // driveRun returns: where a final prediction is taken.
    virtual void ended(const Trainer&) {}
};

// Hands every call on to `next` (which may be null): a sink that adds one
// thing to a store's recording (a printer, a clock) overrides just that and
// calls the base.
class ForwardingSink : public RunSink {
public:
    explicit ForwardingSink(RunSink* next)
        : next_(next) {}
    void ready(const Trainer& trainer) override { pass(&RunSink::ready, trainer); }
    void progress(const ProgressBatch& batch) override { pass(&RunSink::progress, batch); }
    EpochVerdict epoch(const Trainer& trainer, int64_t epoch, double loss) override {
        return next_ ? next_->epoch(trainer, epoch, loss) : EpochVerdict::Continue;
    }
    void paused(int64_t epochsDone) override { pass(&RunSink::paused, epochsDone); }
    void resumed() override { pass(&RunSink::resumed); }
    void parameters(const ParameterFrames& f) override { pass(&RunSink::parameters, f); }
    void checkpoint(const TrainingCheckpoint& c) override { pass(&RunSink::checkpoint, c); }
    void changed(const SettingChange& c) override { pass(&RunSink::changed, c); }
    void ended(const Trainer& trainer) override { pass(&RunSink::ended, trainer); }

private:
    template <typename... Parameters, typename... Arguments>
    void pass(void (RunSink::*call)(Parameters...), Arguments&&... arguments) {
        if (next_) {
            (next_->*call)(std::forward<Arguments>(arguments)...);
        }
    }

    RunSink* next_;
};

struct RunDrive {
    ExperimentConfig config;
    const ResumePoint* resume = nullptr; // a fork: go on from its checkpoint
    bool keep = false;                   // checkpoints, for a store
    bool keepParameters = true;          // ParameterFrames, for replay and a store
    double progressSeconds = 0.2;        // the shortest time between two batches
    RunControl* control = nullptr;       // pause, stop and changes from another thread; may be null
    // A replay: the original run's applied changes (and its stop), applied
    // again at the same epochs.
    RunJournal script{};
    // Changes a sweep decided (pbt's explore at a fork's first epoch): set
    // to their `value` at their epochs, journaled with their own source.
    RunJournal planned{};
    // Rank 0 of a data-parallel run (RankedEpochs.h); null: one process.
    RankGroup* ranks = nullptr;
};

// Reads the data's file first (readDataFiles) where the config has not.
// Throws as train() does (std::invalid_argument, CsvError, std::runtime_error).
TrainResult driveRun(const RunDrive& drive, RunSink& sink);

} // namespace dredge
