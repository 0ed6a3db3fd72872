#include "LossScaler.h"

namespace dredge {

LossScaler::LossScaler(LossScalerOptions options)
    : options_(options)
    , scale_(options.initialScale) {}

bool LossScaler::unscaleGradients(const std::vector<at::Tensor>& parameters) const {
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> finiteFlags;
    const double inverse = 1.0 / scale_;
    for (const auto& p : parameters) {
        auto grad = p.grad();
        if (!grad.defined()) {
            continue;
        }
        grad.mul_(inverse);
        finiteFlags.push_back(at::isfinite(grad).all());
    }
    // One device synchronisation for all parameters, not one per tensor.
    return finiteFlags.empty() || at::stack(finiteFlags).all().item<bool>();
}

void LossScaler::update(bool gradientsFinite) {
    if (!gradientsFinite) {
        scale_ *= options_.backoffFactor;
        goodSteps_ = 0;
        ++skipped_;
        return;
    }
    if (++goodSteps_ >= options_.growthInterval) {
        scale_ *= options_.growthFactor;
        goodSteps_ = 0;
    }
}

} // namespace dredge
