#include "RandomFourierFeatures.h"

#include "ModelInit.h"

#include <ATen/autocast_mode.h>

namespace dredge {

RandomFourierFeatures::RandomFourierFeatures(int64_t dims, int64_t features, double scale,
                                             at::Generator& gen, bool cacheFeatures)
    : cacheFeatures_(cacheFeatures) {
    frequencies = register_buffer("frequencies", at::randn({dims, features}, gen) * scale);
    output = register_module("output", torch::nn::Linear(2 * features, 1));
    initLinearLikePyTorch(output, gen);
}

torch::Tensor RandomFourierFeatures::features(const torch::Tensor& x) {
    const auto projected = x.matmul(frequencies);
    return at::cat({at::sin(projected), at::cos(projected)}, 1);
}

torch::Tensor RandomFourierFeatures::forward(const torch::Tensor& x, const torch::Tensor& /*t*/) {
    // A hit needs the same tensor, unchanged, under the same autocast state,
    // and no gradient asked of x or B (then the features must carry history).
    const bool cacheable = cacheFeatures_ && !x.requires_grad() && !frequencies.requires_grad();
    if (!cacheable) {
        return output(features(x));
    }
    return output(cachedFeaturesOf(x));
}

const torch::Tensor& RandomFourierFeatures::cachedFeaturesOf(const torch::Tensor& x) {
    const bool autocast = at::autocast::is_cpu_enabled() || at::autocast::is_enabled();
    if (!cachedInput_.defined() || !x.is_same(cachedInput_) || x._version() != cachedVersion_ ||
        autocast != cachedAutocast_ || cachedFeatures_.device() != x.device()) {
        at::NoGradGuard noGrad;
        cachedFeatures_ = features(x);
        cachedInput_ = x;
        cachedVersion_ = x._version();
        cachedAutocast_ = autocast;
    }
    return cachedFeatures_;
}

std::optional<EpochOutcome> RandomFourierFeatures::fusedEpoch(const EpochData& data,
                                                              at::Tensor& gradient) {
    if (!cacheFeatures_ || data.coords.requires_grad() || frequencies.requires_grad()) {
        return std::nullopt;
    }
    const LinearReadout readout{cachedFeaturesOf(data.coords), output->weight, output->bias};
    const auto closed = readoutLoss(readout, data.target, data.trainWeight, data.validationWeight);
    readoutGradientsInto(readout, closed.outputGradient, gradient);
    EpochOutcome outcome;
    outcome.prediction = closed.prediction;
    outcome.loss = closed.loss.item<double>();
    if (data.trainWeight.defined()) {
        outcome.validationLoss = closed.validationLoss;
    }
    return outcome;
}

} // namespace dredge
