#pragma once
// docs/reference.md §1.5: random Fourier features baseline. Fixed frequencies B [D, M]
// (a buffer, not trained), features [sin(xB), cos(xB)], a linear output.
// Ignores t.

#include "FieldModel.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

namespace dredge {

class RandomFourierFeatures : public FieldModel {
public:
    RandomFourierFeatures(int64_t dims, int64_t features, double scale, at::Generator& gen);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) override;

    torch::Tensor frequencies; // B [D, M]
    torch::nn::Linear output{nullptr};
};

} // namespace dredge
