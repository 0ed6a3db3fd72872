#pragma once
// When a run reached each epoch, in training seconds since it started (pauses
// excluded), from the samples its progress reports bring: (epochs done,
// seconds). Between two samples the rate is taken as steady, so an epoch's
// time is exact to one progress batch (1/30 s in the window). No Qt.

#include <cstdint>
#include <utility>
#include <vector>

namespace dredge {

class RunTimeline {
public:
    // Epochs done and seconds, each at least the last sample's.
    void add(int64_t epochsDone, double seconds);
    bool empty() const { return samples_.size() < 2; }
    // The training time at which `epoch` epochs were done; before the first
    // sample and after the last, the nearest two samples' rate goes on.
    double secondsAt(double epoch) const;

    // A run known only by its totals (a stored run): a steady rate from
    // `firstEpoch` (a fork's checkpoint) to `epochsDone`.
    static RunTimeline steady(int64_t firstEpoch, int64_t epochsDone, double msPerEpoch);

private:
    std::vector<std::pair<int64_t, double>> samples_;
};

} // namespace dredge
