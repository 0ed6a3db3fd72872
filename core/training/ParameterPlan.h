#pragma once
// Which epochs' parameters (and gradients) a run keeps (ParameterFrames):
// every epoch when 2 × parameters × epochs floats fit the budget (the chirp
// ensemble's 2,000 epochs take 2.3 MB of the default 16 MiB), otherwise as
// many evenly spaced ones as the budget holds (at least kEvenEpochs) and
// every checkpoint's. The driver adds the best and the
// last epochs and the model the run ended with. No Qt, no LibTorch.

#include <cstdint>

namespace dredge {

class ParameterPlan {
public:
    static constexpr int64_t kEvenEpochs = 512;

    ParameterPlan(int64_t epochs, int64_t parameters, int64_t checkpointEvery, double budgetMib);

    // Whether the parameters that epoch `epoch`'s forward pass uses are kept.
    bool due(int64_t epoch) const {
        return epoch % every_ == 0 || (checkpointEvery_ > 0 && epoch % checkpointEvery_ == 0);
    }
    bool keepsEveryEpoch() const { return every_ == 1; }
    int64_t every() const { return every_; }

private:
    int64_t every_;
    int64_t checkpointEvery_;
};

} // namespace dredge
