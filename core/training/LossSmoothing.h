#pragma once
// Smoothing of a loss curve for display: an exponential moving average with
// TensorBoard's debiasing, so that its first points are not pulled towards
// zero. Always fed the full-resolution history, never a decimated one. No Qt,
// no LibTorch.

#include <cstdint>
#include <vector>

namespace dredge {

class EmaSmoother {
public:
    // weight in [0, 1): 0 keeps the curve as it is; 0.99 averages over about
    // the last 100 points.
    explicit EmaSmoother(double weight = 0.0)
        : weight_(weight) {}

    // The smoothed value at the next point. A non-finite value (divergence)
    // passes through as it is and leaves the average untouched.
    double next(double value);

private:
    double weight_;
    double last_ = 0.0;
    int64_t count_ = 0;  // finite values seen
    double decay_ = 1.0; // weight^count, for the debiasing
};

// The whole curve at once.
std::vector<double> smoothedLosses(const std::vector<double>& values, double weight);

} // namespace dredge
