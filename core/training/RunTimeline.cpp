#include "RunTimeline.h"

#include <algorithm>

namespace dredge {

void RunTimeline::add(int64_t epochsDone, double seconds) {
    if (!samples_.empty() && epochsDone <= samples_.back().first) {
        return; // nothing new (a batch after a pause brings no epochs)
    }
    if (!samples_.empty()) {
        seconds = std::max(seconds, samples_.back().second);
    }
    samples_.emplace_back(epochsDone, seconds);
}

double RunTimeline::secondsAt(double epoch) const {
    if (samples_.empty()) {
        return 0.0;
    }
    if (samples_.size() == 1) {
        return samples_.front().second;
    }
    // The segment that holds the epoch, or the first or last one beyond the ends.
    auto after = std::upper_bound(samples_.begin(), samples_.end(), epoch,
                                  [](double e, const auto& s) { return e < double(s.first); });
    after = std::clamp(after, samples_.begin() + 1, samples_.end() - 1);
    const auto& [e1, t1] = *after;
    const auto& [e0, t0] = *std::prev(after);
    return t0 + (t1 - t0) * (epoch - double(e0)) / double(e1 - e0);
}

RunTimeline RunTimeline::steady(int64_t firstEpoch, int64_t epochsDone, double msPerEpoch) {
    RunTimeline timeline;
    timeline.add(firstEpoch, 0.0);
    timeline.add(std::max(epochsDone, firstEpoch + 1),
                 1e-3 * msPerEpoch * double(std::max<int64_t>(1, epochsDone - firstEpoch)));
    return timeline;
}

} // namespace dredge
