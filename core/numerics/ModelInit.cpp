#include "ModelInit.h"

#include <stdexcept>

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

std::pair<at::Tensor, at::Tensor> pointTensors(const std::vector<float>& coords,
                                               const std::vector<float>& time, int dims) {
    if (coords.size() % size_t(dims) != 0) {
        throw std::invalid_argument("coordinate count is not a multiple of the dimension");
    }
    const int64_t n = int64_t(coords.size()) / dims;
    if (!time.empty() && int64_t(time.size()) != n) {
        throw std::invalid_argument("one time per point is needed");
    }
    const auto x = at::from_blob(const_cast<float*>(coords.data()), {n, dims}, at::kFloat);
    const auto t = time.empty() ? at::zeros({n})
                                : at::from_blob(const_cast<float*>(time.data()), {n}, at::kFloat);
    return {x, t};
}

int64_t FieldModel::parameterCount() const {
    int64_t count = 0;
    for (const auto& p : parameters()) {
        count += p.numel();
    }
    return count;
}

} // namespace dredge
