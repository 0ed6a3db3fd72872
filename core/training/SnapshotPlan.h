#pragma once
// When a run keeps a prediction for later replay, and how much of it: at most
// `maxSnapshots` epochs spread evenly over the run (plus the last one), each
// on every `stride`-th training point so that a big grid stays under
// `maxValues` values. A snapshot at epoch e is that epoch's forward output
// (Trainer::lastEpochPrediction), the prediction whose MSE is loss[e]: it
// costs no extra forward pass. No Qt, no LibTorch.

#include <cstdint>
#include <vector>

namespace dredge {

class SnapshotPlan {
public:
    static constexpr int kMaxSnapshots = 64;
    static constexpr int64_t kMaxValues = 4096;

    SnapshotPlan(int64_t epochs, int64_t points, int maxSnapshots = kMaxSnapshots,
                 int64_t maxValues = kMaxValues);

    // Whether the prediction after `epoch` (0-based) is kept.
    bool due(int64_t epoch) const;
    int64_t every() const { return every_; }
    int stride() const { return stride_; }
    std::vector<float> decimate(const std::vector<float>& values) const;

private:
    int64_t epochs_;
    int64_t every_;
    int stride_;
};

} // namespace dredge
