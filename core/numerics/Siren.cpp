#include "Siren.h"

#include "FusedSineLayer.h"
#include "ModelInit.h"

#include <ATen/autocast_mode.h>
#include <cmath>

namespace dredge {
namespace {

// The original first builds nn.Linear (default init: weight, then bias) and
// then overwrites the weight. Drawing the discarded default weight too keeps
// the random stream, and so every later value, identical to it.
torch::nn::Linear sineLayer(int64_t in, int64_t out, double bound, at::Generator& gen) {
    torch::nn::Linear layer(in, out);
    initLinearLikePyTorch(layer, gen);
    at::NoGradGuard noGrad;
    layer->weight.uniform_(-bound, bound, gen);
    return layer;
}

} // namespace

Siren::Siren(int64_t dims, int64_t hidden, double w0_, at::Generator& gen, int64_t outputs,
             int64_t hiddenLayers, double firstW0_)
    : w0(w0_)
    , firstW0(firstW0_ > 0.0 ? firstW0_ : w0_) {
    const double bound = std::sqrt(6.0 / double(hidden)) / w0;
    first = register_module("first", sineLayer(dims, hidden, 1.0 / double(dims), gen));
    second = register_module("second", sineLayer(hidden, hidden, bound, gen));
    for (int64_t i = 1; i < hiddenLayers; ++i) {
        deeper.push_back(
            register_module("sine" + std::to_string(i + 2), sineLayer(hidden, hidden, bound, gen)));
    }
    output = register_module("output", torch::nn::Linear(hidden, outputs));
    initLinearLikePyTorch(output, gen);
}

// sin(w0·(W x + b)) with the scaling folded into one addmm (w0·b + w0·x Wᵀ):
// the same value, two fewer elementwise passes forward and backward.
static at::Tensor sineLayerForward(const torch::nn::Linear& layer, const at::Tensor& x, double w0) {
    return at::sin(at::addmm(layer->bias, x, layer->weight.t(), w0, w0));
}

torch::Tensor Siren::forward(const torch::Tensor& x, const torch::Tensor& /*t*/) {
    if (useFusedKernel && x.is_cpu()) {
        // Mixed precision (CPU autocast on): the H × H layer's GEMMs in
        // bfloat16, where oneDNN runs them on the CPU's bfloat16 dot products;
        // the first layer (D inputs), the sines and the head stay float32,
        // so that autocast does not round the sines' arguments (w0·z ≈ 30)
        // to bfloat16 as the composed ops under it do.
        const bool bfloat16 = at::autocast::is_cpu_enabled();
        c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
        const auto h = fusedSineLayer(x, first->weight, first->bias, firstW0);
        auto features = fusedSineLayer(h, second->weight, second->bias, w0, bfloat16);
        for (const auto& layer : deeper) {
            features = fusedSineLayer(features, layer->weight, layer->bias, w0, bfloat16);
        }
        if (output->weight.size(0) > 1) {
            return at::addmm(output->bias, features, output->weight.t());
        }
        // The H → 1 head as a matrix-vector product: BLAS's gemm path for one
        // output column (nn::Linear's addmm) costs ~5× more, forward and backward.
        return at::addmv(output->bias, features, output->weight[0]).unsqueeze(1);
    }
    auto h = sineLayerForward(second, sineLayerForward(first, x, firstW0), w0);
    for (const auto& layer : deeper) {
        h = sineLayerForward(layer, h, w0);
    }
    return output(h);
}

} // namespace dredge
