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
    const auto y = target.to(at::kDouble).reshape({f.size(0), -1});
    outputs_ = y.size(1);
    auto c = weights.defined() ? weights.to(at::kDouble).reshape({f.size(0), -1})
                               : at::full({f.size(0), 1}, 1.0 / double(y.numel()), at::kDouble);
    if (at::equal(c, c.narrow(1, 0, 1).expand_as(c))) {
        c = c.narrow(1, 0, 1); // every output weighs a point alike: one G
    }
    // G_k = Fᵀ diag(c_k) F and s_k = Fᵀ c_k for each column k of c.
    std::vector<at::Tensor> grams;
    for (int64_t k = 0; k < c.size(1); ++k) {
        const auto weighted = f * c.narrow(1, k, 1); // diag(c_k) F
        grams.push_back(at::mm(weighted.t(), f));
        const auto sums = valuesOf(weighted.sum(0));
        featureSum_.insert(featureSum_.end(), sums.begin(), sums.end());
    }
    gram_ = at::stack(grams).to(at::kCPU).contiguous();
    weightSum_ = valuesOf(c.sum(0));
    const auto cy = c * y;                       // broadcasts a shared column over the C outputs
    targetMoment_ = valuesOf(at::mm(cy.t(), f)); // [C][F]
    targetSum_ = valuesOf(cy.sum(0));
    targetSquares_ = valuesOf((cy * y).sum(0));
}

double ReadoutGram::loss(const std::vector<double>& w, const std::vector<double>& b, double* gradW,
                         double* gradB) const {
    at::NoGradGuard noGrad;
    const int64_t n = features_;
    const bool shared = gram_.size(0) == 1;
    // w_c G_c (G is symmetric) by BLAS: the one C·F² step, vectorised.
    const auto weightsTensor =
        at::from_blob(const_cast<double*>(w.data()), {outputs_, 1, n}, at::kDouble);
    const auto wgTensor = shared ? at::mm(weightsTensor.view({outputs_, n}), gram_[0])
                                 : at::bmm(weightsTensor, gram_).view({outputs_, n});
    const double* wg = wgTensor.data_ptr<double>();
    double value = 0;
    for (int64_t c = 0; c < outputs_; ++c) {
        const int64_t k = shared ? 0 : c;
        const double* wc = w.data() + c * n;
        const double* gwc = wg + c * n;
        const double* pc = targetMoment_.data() + c * n;
        const double* sc = featureSum_.data() + k * n;
        const double bc = b[size_t(c)], weightSum = weightSum_[size_t(k)];
        double quadratic = 0, featureDot = 0, momentDot = 0;
        for (int64_t i = 0; i < n; ++i) {
            quadratic += wc[i] * gwc[i];
            featureDot += sc[i] * wc[i];
            momentDot += pc[i] * wc[i];
            if (gradW) {
                gradW[c * n + i] = 2.0 * (gwc[i] + bc * sc[i] - pc[i]);
            }
        }
        if (gradB) {
            gradB[c] = 2.0 * (featureDot + weightSum * bc - targetSum_[size_t(c)]);
        }
        value += quadratic + 2.0 * bc * featureDot - 2.0 * momentDot + weightSum * bc * bc -
                 2.0 * bc * targetSum_[size_t(c)] + targetSquares_[size_t(c)];
    }
    // A perfect fit's rounding may dip below 0; a non-finite value (features
    // overflowed) must stay one, so that the run ends as diverged, not as a
    // perfect fit (std::max(0.0, NaN) is 0).
    return std::isfinite(value) ? std::max(0.0, value) : std::numeric_limits<double>::quiet_NaN();
}

} // namespace dredge
