#include "ModelInit.h"

#include "FieldModel.h"

#include <cmath>

namespace dredge {

void initLinearLikePyTorch(torch::nn::Linear& layer, at::Generator& gen) {
    at::NoGradGuard noGrad;
    const double bound = 1.0 / std::sqrt(double(layer->options.in_features()));
    layer->weight.uniform_(-bound, bound, gen);
    if (layer->bias.defined()) {
        layer->bias.uniform_(-bound, bound, gen);
    }
}

at::Tensor pairwiseDot(const at::Tensor& x, const at::Tensor& w) {
    if (x.size(1) == 1) {
        return x * w.t(); // [N, 1] * [1, M]
    }
    c10::impl::ExcludeDispatchKeyGuard noAutocast(c10::autocast_dispatch_keyset);
    return at::matmul(x, w.t());
}

int64_t FieldModel::parameterCount() const {
    int64_t count = 0;
    for (const auto& p : parameters()) {
        count += p.numel();
    }
    return count;
}

} // namespace dredge
