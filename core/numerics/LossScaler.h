#pragma once
// Dynamic loss scaling for float16 mixed precision (LibTorch 1.13's C++ API has
// no GradScaler). Scale the loss before backward so small gradients survive
// float16; unscale before clipping; skip the step and back off when any
// gradient is inf/NaN; grow the scale again after a run of good steps.

#include <ATen/ATen.h>

namespace dredge {

struct LossScalerOptions {
    double initialScale = 65536.0; // 2^16, as PyTorch's GradScaler
    double growthFactor = 2.0;
    double backoffFactor = 0.5;
    int growthInterval = 2000; // good steps in a row before the scale grows
};

class LossScaler {
public:
    explicit LossScaler(LossScalerOptions options = {});

    at::Tensor scaleLoss(const at::Tensor& loss) const { return loss * scale_; }

    // Divides the gradient by the scale, in place. Returns whether every value
    // is finite; if not, the step must be skipped.
    bool unscale(at::Tensor& gradient) const;

    // Records the outcome of one step and adjusts the scale.
    void update(bool gradientsFinite);

    double scale() const { return scale_; }
    // Where a resumed run picks up (TrainingCheckpoint).
    void restore(double scale, int goodStepsInARow, int64_t skippedSteps) {
        scale_ = scale;
        goodSteps_ = goodStepsInARow;
        skipped_ = skippedSteps;
    }
    int64_t skippedSteps() const { return skipped_; }
    int goodStepsInARow() const { return goodSteps_; }

private:
    LossScalerOptions options_;
    double scale_;
    int goodSteps_ = 0;
    int64_t skipped_ = 0;
};

} // namespace dredge
