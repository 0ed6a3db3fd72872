#pragma once
// A run's kept parameters (docs/reference.md §8): at each kept epoch k the flat
// parameters, in FlatAdam's order, that epoch k's forward pass used, so that
// the loss at k is their MSE, and the gradient epoch k computed there (before
// clipping); the frame at k = epochs done is the model the run ended with
// (after restore-best or weight averaging), whose gradient no epoch computed
// (NaN). From them and the config (its seed rebuilds fixed buffers such as
// RFF's frequencies) any prediction is exact (FieldEvaluator). Plain data:
// no Qt, no LibTorch.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dredge {

struct ParameterFrames {
    int64_t width = 0;            // parameters per frame
    std::vector<int64_t> epochs;  // ascending, no two alike
    std::vector<float> values;    // [frames × width], row-major
    std::vector<float> gradients; // [frames × width]; NaN where none was computed

    size_t size() const { return epochs.size(); }
    bool empty() const { return epochs.empty(); }
    const float* frame(size_t index) const { return values.data() + index * size_t(width); }
    const float* gradient(size_t index) const { return gradients.data() + index * size_t(width); }
    std::vector<float> frameValues(size_t index) const;
    // Adds one frame (replacing a frame kept at the same epoch); a null
    // gradient is kept as NaN.
    void add(int64_t epoch, const float* parameters, const float* gradient);
    // Adds every frame of `more` (same width; a batch of the same run).
    // Throws std::invalid_argument for another width.
    void merge(const ParameterFrames& more);
    // Whether the sizes agree (a store's damaged chunk does not).
    bool consistent() const;
    // The frame nearest to `epoch` (of two as near, the earlier), or -1 when empty.
    int64_t nearest(int64_t epoch) const;
    // The last frame at or before `epoch`, or -1 when none.
    int64_t atOrBefore(int64_t epoch) const;
    int64_t bytes() const { return int64_t((values.size() + gradients.size()) * sizeof(float)); }
};

} // namespace dredge
