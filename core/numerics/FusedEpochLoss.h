#pragma once
// The loss step of a whole fused epoch (issue 17): between a block's forward
// and its backward, the block's residuals become the backward's dL/dout and
// their squares are summed; and the blocks' length. Shared by the fused
// kernels; no LibTorch here.

#include <cstdint>

namespace dredge::fused {

// Points per block of a whole fused epoch whose kernel keeps `keptPerPoint`
// values per point between a block's forward and its backward: at most
// `maxBlock`, fewer (a multiple of 32, at least 32) so that the block's values
// stay about 32K, resident in L2.
constexpr int64_t epochBlockPoints(int64_t keptPerPoint, int64_t maxBlock) {
    const int64_t fitting = (int64_t(32768) / (keptPerPoint > 0 ? keptPerPoint : 1)) & ~int64_t(31);
    return fitting < 32 ? 32 : (fitting > maxBlock ? maxBlock : fitting);
}

// What the outputs are compared with, element by element (out is [N][outputs]).
template <typename Scalar>
struct LossTargets {
    const Scalar* target;
    // With a validation split, each element's weight in the training and in
    // the validation loss (1/n on its side, 0 on the other); null without.
    const Scalar* trainWeight;
    const Scalar* validationWeight;
    Scalar meanScale; // without a split: 1/(N·outputs), the MSE's mean
};

// The block sums of one thread's points, added up in double; a thread's
// sums on cache lines of their own (no false sharing between threads).
struct alignas(128) LossSums {
    double train = 0;
    double validation = 0;
};

// For elements [from, to): gradOut = ∂loss/∂out (2·c·r with r = out − target
// and c the element's weight, or the mean's 1/(N·outputs)), and the losses
// Σ c·r² added to `sums`.
template <typename Scalar>
inline void lossOverElements(const Scalar* out, const LossTargets<Scalar>& l, int64_t from,
                             int64_t to, Scalar* gradOut, LossSums& sums) {
    Scalar train = 0, validation = 0;
    if (l.trainWeight) {
        for (int64_t j = from; j < to; ++j) {
            const Scalar r = out[j] - l.target[j];
            train += l.trainWeight[j] * r * r;
            validation += l.validationWeight[j] * r * r;
            gradOut[j] = Scalar(2) * l.trainWeight[j] * r;
        }
        sums.train += double(train);
        sums.validation += double(validation);
        return;
    }
    const Scalar twice = Scalar(2) * l.meanScale;
    for (int64_t j = from; j < to; ++j) {
        const Scalar r = out[j] - l.target[j];
        train += r * r;
        gradOut[j] = twice * r;
    }
    sums.train += double(train) * double(l.meanScale);
}

} // namespace dredge::fused
