#include "LinearReadout.h"

namespace dredge {

// prediction = F·wᵀ + b, so with r = prediction − y the loss Σ cᵢ rᵢ² (cᵢ = 1/n,
// or the split's weights) has ∂/∂prediction = 2 c r.
ReadoutLoss readoutLoss(const LinearReadout& r, const at::Tensor& target,
                        const at::Tensor& trainWeight, const at::Tensor& validationWeight) {
    at::NoGradGuard noGrad;
    ReadoutLoss out;
    out.prediction = at::addmm(r.bias, r.features, r.weight.t());
    const auto residual = out.prediction - target;
    const auto squared = residual.square();
    if (trainWeight.defined()) {
        out.loss = (squared * trainWeight).sum();
        out.validationLoss = (squared * validationWeight).sum().item<double>();
        out.outputGradient = residual * trainWeight * 2.0;
    } else {
        out.loss = squared.mean();
        out.outputGradient = residual * (2.0 / double(residual.numel()));
    }
    return out;
}

void readoutGradientsInto(const LinearReadout& r, const at::Tensor& outputGradient,
                          at::Tensor& flat) {
    at::NoGradGuard noGrad;
    const auto weights = r.weight.numel();
    auto weight = flat.narrow(0, 0, weights).view(r.weight.sizes());
    at::mm_out(weight, outputGradient.t(), r.features);
    auto bias = flat.narrow(0, weights, r.bias.numel());
    at::sum_out(bias, outputGradient, 0);
}

} // namespace dredge
