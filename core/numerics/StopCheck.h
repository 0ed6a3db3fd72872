#pragma once
// The stop rules of a run (StopRules, docs/reference.md §8), asked after every
// epoch: a target loss, and early stopping when the loss has not improved by
// more than min-delta for `patience` epochs. Plain arithmetic, no LibTorch.

#include "TrainConfig.h"

#include <cstdint>
#include <string>

namespace dredge {

class StopCheck {
public:
    explicit StopCheck(const StopRules& rules)
        : rules_(rules) {}

    // After epoch `epoch` (0-based) with its loss: why the run stops here, or
    // empty to go on. "stopped early at epoch 812: no improvement for 200 epochs".
    std::string after(int64_t epoch, double loss);

private:
    StopRules rules_;
    double best_;
    bool seen_ = false;
    int64_t sinceImproved_ = 0;
};

} // namespace dredge
