#pragma once
// What a run has done so far, the same fields whether it trains now (its
// TrainingRun fills them as progress comes) or was stored or saved earlier.

#include "RunMetaTypes.h"
#include "RunTimeline.h"
#include "SettingChange.h"

#include <optional>
#include <vector>

namespace dredge {

struct RunHistory {
    std::vector<double> losses;           // one per epoch
    std::vector<double> validationLosses; // with a validation split
    std::vector<double> averagedLosses;   // with weight averaging (NaN before the first average)
    RunTimeline timeline;                 // when it reached each epoch (training seconds)
    std::optional<RunData> data;          // its training points, once they exist
    ParameterFrames parameters;           // kept parameters (ParameterPlan), for replay
    std::vector<double> gradientNorms;    // before clipping, per epoch (NaN: not known)
    RunJournal journal;                   // live changes and the stop, as met
    std::vector<qint64> rungs;            // epochs a halving sweep judged it at (stored runs)
};

} // namespace dredge
