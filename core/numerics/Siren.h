#pragma once
// docs/reference.md §1.4: SIREN baseline, Sine(D → H) → Sine(H → H) → Linear(H → 1), where a
// sine layer is sin(w0 · (W x + b)). Ignores t.

#include "FieldModel.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

namespace dredge {

class Siren : public FieldModel {
public:
    Siren(int64_t dims, int64_t hidden, double w0, at::Generator& gen);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) override;

    double w0;
    // Use the fused sine layers where they apply (CPU tensors, autocast off).
    bool useFusedKernel = true;
    torch::nn::Linear first{nullptr};
    torch::nn::Linear second{nullptr};
    torch::nn::Linear output{nullptr};
};

} // namespace dredge
