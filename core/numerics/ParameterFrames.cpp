#include "ParameterFrames.h"

#include <algorithm>
#include <stdexcept>

namespace dredge {

std::vector<float> ParameterFrames::frameValues(size_t index) const {
    return {frame(index), frame(index) + width};
}

void ParameterFrames::add(int64_t epoch, const float* parameters) {
    // Frames come in epoch order but for the best epoch's, kept at the end.
    const auto at = std::lower_bound(epochs.begin(), epochs.end(), epoch);
    const auto row = std::distance(epochs.begin(), at) * width;
    if (at != epochs.end() && *at == epoch) {
        std::copy(parameters, parameters + width, values.begin() + row);
        return;
    }
    epochs.insert(at, epoch);
    values.insert(values.begin() + row, parameters, parameters + width);
}

void ParameterFrames::merge(const ParameterFrames& more) {
    if (more.empty()) {
        return;
    }
    if (empty() && width == 0) {
        width = more.width;
    }
    if (more.width != width) {
        throw std::invalid_argument("parameter frames of another width (" +
                                    std::to_string(more.width) + " against " +
                                    std::to_string(width) + ")");
    }
    if (empty() || more.epochs.front() > epochs.back()) { // the usual batch: all later
        epochs.insert(epochs.end(), more.epochs.begin(), more.epochs.end());
        values.insert(values.end(), more.values.begin(), more.values.end());
        return;
    }
    for (size_t i = 0; i < more.size(); ++i) {
        add(more.epochs[i], more.frame(i));
    }
}

int64_t ParameterFrames::nearest(int64_t epoch) const {
    if (empty()) {
        return -1;
    }
    const auto after = std::lower_bound(epochs.begin(), epochs.end(), epoch);
    if (after == epochs.end()) {
        return int64_t(size()) - 1;
    }
    const auto i = std::distance(epochs.begin(), after);
    if (i == 0 || *after == epoch) {
        return i;
    }
    return epoch - epochs[size_t(i - 1)] <= *after - epoch ? i - 1 : i;
}

int64_t ParameterFrames::atOrBefore(int64_t epoch) const {
    const auto after = std::upper_bound(epochs.begin(), epochs.end(), epoch);
    return std::distance(epochs.begin(), after) - 1;
}

} // namespace dredge
