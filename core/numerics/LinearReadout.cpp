#include "LinearReadout.h"

#include <cmath>
#include <limits>

#include <algorithm>

namespace dredge {
namespace {

std::vector<double> valuesOf(const at::Tensor& t) {
    const auto d = t.to(at::kCPU, at::kDouble).contiguous();
    return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

} // namespace

ReadoutGram::ReadoutGram(const at::Tensor& features, const at::Tensor& target,
                         const at::Tensor& weights)
    : features_(features.size(1)) {
    at::NoGradGuard noGrad;
    const auto f = features.to(at::kDouble);
    const auto y = target.to(at::kDouble).reshape({-1, 1});
    const auto c = weights.defined() ? weights.to(at::kDouble).reshape({-1, 1})
                                     : at::full_like(y, 1.0 / double(y.size(0)));
    const auto weighted = f * c; // diag(c) F
    gram_ = at::mm(weighted.t(), f).to(at::kCPU).contiguous();
    featureSum_ = valuesOf(weighted.sum(0));
    targetMoment_ = valuesOf(at::mm(weighted.t(), y));
    weightSum_ = c.sum().item<double>();
    targetSum_ = (c * y).sum().item<double>();
    targetSquares_ = (c * y * y).sum().item<double>();
}

double ReadoutGram::loss(const std::vector<double>& w, double b, double* gradW,
                         double* gradB) const {
    at::NoGradGuard noGrad;
    const int64_t n = features_;
    // G w by BLAS: the one F² step, vectorised.
    const auto gwTensor =
        at::mv(gram_, at::from_blob(const_cast<double*>(w.data()), {n}, at::kDouble));
    const double* gw = gwTensor.data_ptr<double>();
    double quadratic = 0, featureDot = 0, momentDot = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double wi = w[size_t(i)];
        quadratic += wi * gw[i];
        featureDot += featureSum_[size_t(i)] * wi;
        momentDot += targetMoment_[size_t(i)] * wi;
        if (gradW) {
            gradW[i] = 2.0 * (gw[i] + b * featureSum_[size_t(i)] - targetMoment_[size_t(i)]);
        }
    }
    if (gradB) {
        *gradB = 2.0 * (featureDot + weightSum_ * b - targetSum_);
    }
    const double value = quadratic + 2.0 * b * featureDot - 2.0 * momentDot + weightSum_ * b * b -
                         2.0 * b * targetSum_ + targetSquares_;
    // A perfect fit's rounding may dip below 0; a non-finite value (features
    // overflowed) must stay one, so that the run ends as diverged, not as a
    // perfect fit (std::max(0.0, NaN) is 0).
    return std::isfinite(value) ? std::max(0.0, value) : std::numeric_limits<double>::quiet_NaN();
}

} // namespace dredge
