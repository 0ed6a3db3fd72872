#pragma once
// A model's output as a linear layer, output_c = f·w_c + b_c, on features f
// that stay fixed while it trains (random Fourier features). Its weighted
// MSE is then a quadratic form in (W, b), one per output:
//   Σ_c Σ_i c_ic (fᵢ·w_c + b_c − y_ic)²
//     = Σ_c w_cᵀG_c w_c + 2b_c s_cᵀw_c − 2p_cᵀw_c + C_c b_c² − 2b_c Y_c + Q_c
// with G_c = Fᵀ diag(c_c) F, s_c = Fᵀc_c, p_c = Fᵀ(c_c∘y_c), C_c = Σc_c,
// Y_c = Σc_c y_c, Q_c = Σc_c y_c², summed once over the points. Where every
// output weighs a point alike (no split, or a split of whole points, as
// training makes), G, s and C are one for all. An epoch's loss and gradient
// then cost C·F² operations instead of a pass over the N points
// (docs/reference.md §1, "How DREDGE Studio computes them").

#include <ATen/ATen.h>

#include <vector>

namespace dredge {

class ReadoutGram {
public:
    // features [N, F], target [N, C], weights [N, C] per value (a validation
    // split's), or undefined for the mean (1/(N·C) each). Sums in double.
    ReadoutGram(const at::Tensor& features, const at::Tensor& target,
                const at::Tensor& weights = {});

    // The loss at (W, b): W [C][F] row-major (nn::Linear's weight), b [C];
    // never below 0 (rounding could take a perfect fit's there). With gradW
    // (C·F values) and gradB (C), also ∂loss/∂W and ∂loss/∂b.
    double loss(const std::vector<double>& w, const std::vector<double>& b, double* gradW = nullptr,
                double* gradB = nullptr) const;

    int64_t features() const { return features_; }
    int64_t outputs() const { return outputs_; }

private:
    int64_t features_ = 0, outputs_ = 1;
    // G, s and C per output, or one for all where the outputs weigh every
    // point alike: [K][F][F], [K][F] and [K] with K = 1 or C.
    at::Tensor gram_; // double on the CPU
    std::vector<double> featureSum_, weightSum_;
    std::vector<double> targetMoment_;              // p [C][F]
    std::vector<double> targetSum_, targetSquares_; // Y [C], Q [C]
};

} // namespace dredge
