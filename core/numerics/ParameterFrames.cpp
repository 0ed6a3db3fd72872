#include "ParameterFrames.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace dredge {

std::vector<float> ParameterFrames::frameValues(size_t index) const {
    return {frame(index), frame(index) + width};
}

void ParameterFrames::add(int64_t epoch, const float* parameters, const float* gradient) {
    // Frames come in epoch order but for the best epoch's, kept at the end.
    const auto at = std::lower_bound(epochs.begin(), epochs.end(), epoch);
    const auto row = std::distance(epochs.begin(), at) * width;
    const float none = std::numeric_limits<float>::quiet_NaN();
    if (at != epochs.end() && *at == epoch) {
        std::copy(parameters, parameters + width, values.begin() + row);
        if (gradient) {
            std::copy(gradient, gradient + width, gradients.begin() + row);
        }
        return;
    }
    epochs.insert(at, epoch);
    values.insert(values.begin() + row, parameters, parameters + width);
    if (gradient) {
        gradients.insert(gradients.begin() + row, gradient, gradient + width);
    } else {
        gradients.insert(gradients.begin() + row, size_t(width), none);
    }
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
        gradients.insert(gradients.end(), more.gradients.begin(), more.gradients.end());
        return;
    }
    for (size_t i = 0; i < more.size(); ++i) {
        add(more.epochs[i], more.frame(i), more.gradient(i));
    }
}

bool ParameterFrames::consistent() const {
    const auto cells = epochs.size() * size_t(width);
    return width > 0 && values.size() == cells && gradients.size() == cells &&
           std::adjacent_find(epochs.begin(), epochs.end(), std::greater_equal<int64_t>()) ==
               epochs.end();
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
