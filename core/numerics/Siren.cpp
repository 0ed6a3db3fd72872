#include "Siren.h"

#include "ModelInit.h"

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

Siren::Siren(int64_t dims, int64_t hidden, double w0_, at::Generator& gen)
    : w0(w0_) {
    first = register_module("first", sineLayer(dims, hidden, 1.0 / double(dims), gen));
    second = register_module("second",
                             sineLayer(hidden, hidden, std::sqrt(6.0 / double(hidden)) / w0, gen));
    output = register_module("output", torch::nn::Linear(hidden, 1));
    initLinearLikePyTorch(output, gen);
}

torch::Tensor Siren::forward(const torch::Tensor& x, const torch::Tensor& /*t*/) {
    auto h = at::sin(w0 * first(x));
    h = at::sin(w0 * second(h));
    return output(h);
}

} // namespace dredge
