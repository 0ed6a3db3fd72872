#include "LossSmoothing.h"

#include <cmath>

namespace dredge {

double EmaSmoother::next(double value) {
    if (!std::isfinite(value)) {
        return value;
    }
    // last = w·last + (1 − w)·v starts from 0, so it is divided by 1 − wⁿ:
    // the weights of the n values seen sum to one again.
    last_ = weight_ * last_ + (1.0 - weight_) * value;
    ++count_;
    decay_ *= weight_;
    const double debias = 1.0 - decay_;
    return debias > 0.0 ? last_ / debias : value;
}

std::vector<double> smoothedLosses(const std::vector<double>& values, double weight) {
    EmaSmoother smoother(weight);
    std::vector<double> out;
    out.reserve(values.size());
    for (const double v : values) {
        out.push_back(smoother.next(v));
    }
    return out;
}

} // namespace dredge
