#include "LossScaler.h"

namespace dredge {

LossScaler::LossScaler(LossScalerOptions options)
    : options_(options)
    , scale_(options.initialScale) {}

bool LossScaler::unscale(at::Tensor& gradient) const {
    at::NoGradGuard noGrad;
    gradient.mul_(1.0 / scale_);
    return at::isfinite(gradient).all().item<bool>();
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
