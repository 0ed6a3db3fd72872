#pragma once
// What every benchmark times with: a steady clock, seconds since a moment,
// and the median of rounds (rounds alternate variants, so that drift within a
// sitting falls on all alike).

#include <algorithm>
#include <chrono>
#include <vector>

namespace dredge::bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

inline double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

} // namespace dredge::bench
