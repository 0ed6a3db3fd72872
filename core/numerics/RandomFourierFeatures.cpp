#include "RandomFourierFeatures.h"

#include "FastMath.h"
#include "ModelInit.h"

#include <ATen/Dispatch.h>
#include <ATen/autocast_mode.h>

#include <algorithm>

namespace dredge {

RandomFourierFeatures::RandomFourierFeatures(int64_t dims, int64_t features, double scale,
                                             at::Generator& gen, bool cacheFeatures,
                                             int64_t outputs, int64_t hiddenLayers,
                                             int64_t hiddenWidth)
    : cacheFeatures_(cacheFeatures) {
    frequencies = register_buffer("frequencies", at::randn({dims, features}, gen) * scale);
    int64_t width = 2 * features;
    for (int64_t layer = 1; layer <= hiddenLayers; ++layer) {
        hidden.push_back(
            register_module("relu" + std::to_string(layer), torch::nn::Linear(width, hiddenWidth)));
        initLinearLikePyTorch(hidden.back(), gen);
        width = hiddenWidth;
    }
    output = register_module("output", torch::nn::Linear(width, outputs));
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
    auto h = cacheable ? cachedFeaturesOf(x) : features(x);
    for (auto& layer : hidden) {
        h = at::relu(layer(h));
    }
    return output(h);
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

namespace {

// A small CPU tensor's values as doubles, and back: plain loops, where a
// tensor op's dispatch would cost more than the readout's whole epoch.
std::vector<double> hostValues(const at::Tensor& t) {
    if (!t.is_cpu() || !t.is_contiguous()) {
        const auto d = t.detach().to(at::kCPU, at::kDouble).contiguous();
        return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
    }
    std::vector<double> values(size_t(t.numel()));
    AT_DISPATCH_FLOATING_TYPES(t.scalar_type(), "hostValues", [&] {
        std::copy_n(t.data_ptr<scalar_t>(), values.size(), values.begin());
    });
    return values;
}

void writeValues(at::Tensor& flat, const std::vector<double>& values) {
    if (!flat.is_cpu()) {
        at::NoGradGuard noGrad;
        flat.copy_(at::tensor(values, at::kDouble));
        return;
    }
    AT_DISPATCH_FLOATING_TYPES(flat.scalar_type(), "writeValues", [&] {
        std::transform(values.begin(), values.end(), flat.data_ptr<scalar_t>(),
                       [](double v) { return static_cast<scalar_t>(v); });
    });
}

void roundToBFloat16(std::vector<double>& values) {
    for (auto& v : values) {
        v = double(fused::roundToBFloat16(float(v)));
    }
}

} // namespace

const at::Tensor& RandomFourierFeatures::roundedFeaturesOf(const at::Tensor& features) {
    if (!roundedSource_.defined() || !roundedSource_.is_same(features)) {
        roundedFeatures_ = features.to(at::kBFloat16).to(features.scalar_type());
        roundedSource_ = features;
    }
    return roundedFeatures_;
}

const RandomFourierFeatures::Grams& RandomFourierFeatures::gramsFor(const at::Tensor& features,
                                                                    const EpochData& data) {
    const auto same = [](const at::Tensor& a, const at::Tensor& b) {
        return a.defined() == b.defined() && (!a.defined() || a.is_same(b));
    };
    if (!grams_.train || !same(grams_.features, features) || !same(grams_.target, data.target) ||
        !same(grams_.trainWeight, data.trainWeight)) {
        grams_.features = features;
        grams_.target = data.target;
        grams_.trainWeight = data.trainWeight;
        grams_.train.emplace(features, data.target, data.trainWeight);
        grams_.validation.reset();
        if (data.validationWeight.defined()) {
            grams_.validation.emplace(features, data.target, data.validationWeight);
        }
    }
    return grams_;
}

std::optional<EpochOutcome> RandomFourierFeatures::fusedEpoch(const EpochData& data,
                                                              at::Tensor& gradient) {
    // The quadratic form is the linear readout's: hidden ReLU layers train
    // through autograd (on the cached features).
    if (!cacheFeatures_ || data.coords.requires_grad() || frequencies.requires_grad() ||
        !hidden.empty()) {
        return std::nullopt;
    }
    // Mixed precision: the readout's operands (features, weights, bias) and
    // its gradient rounded to bfloat16 as autocast's bf16 GEMM takes and
    // gives them, the products summed in full precision. Only the output's
    // own rounding to bfloat16 is left out: the quadratic form has no
    // per-point output to round (docs/reference.md, "How DREDGE Studio
    // computes them").
    const bool bf16 = data.bfloat16Products;
    const auto& features =
        bf16 ? roundedFeaturesOf(cachedFeaturesOf(data.coords)) : cachedFeaturesOf(data.coords);
    const auto& grams = gramsFor(features, data);
    auto weights = hostValues(output->weight); // [C][2M]
    auto bias = hostValues(output->bias);      // [C]
    if (bf16) {
        roundToBFloat16(weights);
        roundToBFloat16(bias);
    }
    // ∂/∂W, then ∂/∂b: the parameters' order.
    std::vector<double> grad(weights.size() + bias.size());
    EpochOutcome outcome;
    outcome.loss =
        grams.train->loss(weights, bias, grad.data(), grad.data() + long(weights.size()));
    if (grams.validation) {
        outcome.validationLoss = grams.validation->loss(weights, bias);
    }
    if (bf16) {
        roundToBFloat16(grad);
    }
    writeValues(gradient, grad);
    const int64_t outputs = int64_t(bias.size());
    outcome.deferredPrediction = [features, weights, bias, outputs] {
        at::NoGradGuard noGrad;
        const auto w = at::tensor(weights, at::kDouble).to(features.options()).view({outputs, -1});
        return at::addmm(at::tensor(bias, at::kDouble).to(features.options()), features, w.t());
    };
    return outcome;
}

} // namespace dredge
