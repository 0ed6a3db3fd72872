#pragma once
// A model's output as a linear layer, output = f·w + b, on features f that stay
// fixed while it trains (random Fourier features). Its weighted MSE is then
// a quadratic form in (w, b):
//   Σ cᵢ (fᵢ·w + b − yᵢ)² = wᵀGw + 2b sᵀw − 2pᵀw + C b² − 2b Y + Q
// with G = Fᵀ diag(c) F, s = Fᵀc, p = Fᵀ(c∘y), C = Σc, Y = Σcy, Q = Σcy²,
// summed once over the points. An epoch's loss and gradient then cost F²
// operations instead of a pass over the N points (docs/reference.md §1, "How
// DREDGE Studio computes them").

#include <ATen/ATen.h>

#include <vector>

namespace dredge {

class ReadoutGram {
public:
    // features [N, F], target [N, 1], weights [N, 1] per point (a validation
    // split's), or undefined for the mean (1/N each). Sums in double.
    ReadoutGram(const at::Tensor& features, const at::Tensor& target,
                const at::Tensor& weights = {});

    // The loss at (w, b), never below 0 (rounding could take a perfect fit's
    // there); with gradW (F values) and gradB, also ∂loss/∂w and ∂loss/∂b.
    double loss(const std::vector<double>& w, double b, double* gradW = nullptr,
                double* gradB = nullptr) const;

    int64_t features() const { return features_; }

private:
    int64_t features_ = 0;
    at::Tensor gram_;                                          // G [F, F], double on the CPU
    std::vector<double> featureSum_;                           // s
    std::vector<double> targetMoment_;                         // p
    double weightSum_ = 0, targetSum_ = 0, targetSquares_ = 0; // C, Y, Q
};

} // namespace dredge
