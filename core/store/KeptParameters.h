#pragma once
// A stored run's model at one epoch, from the parameters it kept
// (ParameterFrames), as `runs predict`, `runs params` and later exports name
// it: RUN or RUN@EPOCH, EPOCH counting epochs done as `train --resume` does
// (@0: the initial parameters; @K: after K updates, those epoch K + 1 trained
// from, whose MSE is loss_history[K]); without @ the model the run ended with.

#include "ParameterFrames.h"
#include "RunRecord.h"

#include <QString>
#include <optional>

namespace dredge {

class RunStore;

struct KeptParameters {
    RunRecord record;
    ParameterFrames frames;
    size_t index = 0;   // the frame taken
    int64_t asked = -1; // the epoch asked for (-1: the end)

    int64_t epoch() const { return frames.epochs[index]; }
    const float* values() const { return frames.frame(index); }
    // The frame after the last epoch: the weights the run ended with (after
    // restore-best or weight averaging), which no epoch's forward pass used.
    bool isEnd() const;
    // What the frame is, in words: "epoch 40" or "the end model (after 300 epochs)".
    QString frameName() const;
    // Where the epoch asked for was not kept: what was taken instead, in words.
    QString substitution() const;
};

// Nothing, with why, for a spec that names no run, a run that kept no
// parameters (stored before they were kept) or an epoch past its end; *kind
// (when given) says which, for callers that answer each differently (the
// insight server's 400, 404 and 500).
enum class KeptFailure { BadSpec, NoRun, NothingKept, PastEnd, Store, FitsNoModel };
std::optional<KeptParameters> loadKeptParameters(RunStore& store, const QString& spec,
                                                 QString* error, KeptFailure* kind = nullptr);

} // namespace dredge
