#include "StopCheck.h"

#include <cstdio>

namespace dredge {
namespace {

std::string formatted(const char* format, long long epoch, double value) {
    char text[160];
    std::snprintf(text, sizeof text, format, epoch, value);
    return text;
}

} // namespace

std::string StopCheck::after(int64_t epoch, double loss) {
    // Epochs are counted from 1 in what a person reads.
    if (rules_.targetLoss && loss <= *rules_.targetLoss) {
        return formatted("reached the target loss at epoch %lld: %.6g", (long long)(epoch + 1),
                         loss);
    }
    if (rules_.earlyStopPatience <= 0) {
        return {};
    }
    if (!seen_ || best_ - loss > rules_.minDelta) {
        best_ = loss;
        seen_ = true;
        sinceImproved_ = 0;
        return {};
    }
    if (++sinceImproved_ < rules_.earlyStopPatience) {
        return {};
    }
    return formatted("stopped early at epoch %lld: no improvement for %g epochs",
                     (long long)(epoch + 1), double(rules_.earlyStopPatience));
}

} // namespace dredge
