#include "SnapshotPlan.h"

#include <algorithm>

namespace dredge {

SnapshotPlan::SnapshotPlan(int64_t epochs, int64_t points, int maxSnapshots, int64_t maxValues)
    : epochs_(std::max<int64_t>(1, epochs))
    , every_(std::max<int64_t>(1, (epochs_ + maxSnapshots - 1) / maxSnapshots))
    , stride_(int(std::max<int64_t>(1, (points + maxValues - 1) / maxValues))) {}

bool SnapshotPlan::due(int64_t epoch) const {
    return (epoch + 1) % every_ == 0 || epoch + 1 == epochs_;
}

std::vector<float> SnapshotPlan::decimate(const std::vector<float>& values) const {
    if (stride_ == 1) {
        return values;
    }
    std::vector<float> kept;
    kept.reserve(values.size() / size_t(stride_) + 1);
    for (size_t i = 0; i < values.size(); i += size_t(stride_)) {
        kept.push_back(values[i]);
    }
    return kept;
}

} // namespace dredge
