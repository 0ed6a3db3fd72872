#include "RandomFourierFeatures.h"

#include "ModelInit.h"

namespace dredge {

RandomFourierFeatures::RandomFourierFeatures(int64_t dims, int64_t features, double scale,
                                             at::Generator& gen) {
    frequencies = register_buffer("frequencies", at::randn({dims, features}, gen) * scale);
    output = register_module("output", torch::nn::Linear(2 * features, 1));
    initLinearLikePyTorch(output, gen);
}

torch::Tensor RandomFourierFeatures::forward(const torch::Tensor& x, const torch::Tensor& /*t*/) {
    const auto projected = x.matmul(frequencies);
    return output(at::cat({at::sin(projected), at::cos(projected)}, 1));
}

} // namespace dredge
