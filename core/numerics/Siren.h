#pragma once
// docs/reference.md §1.4: SIREN baseline, Sine(D → H) → Sine(H → H) → Linear(H → 1), where a
// sine layer is sin(w0 · (W x + b)). Ignores t. Beyond the reference: L hidden
// H → H sine layers (1 is the reference; the SIREN demo's image fit uses 3) and
// C outputs (an RGB image's 3).

#include "FieldModel.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include <vector>

namespace dredge {

class Siren : public FieldModel {
public:
    // `firstW0` scales the first layer alone (0: w0), as the SIREN paper's
    // first_omega_0; the initial weights do not depend on it.
    Siren(int64_t dims, int64_t hidden, double w0, at::Generator& gen, int64_t outputs = 1,
          int64_t hiddenLayers = 1, double firstW0 = 0.0);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) override;

    double w0;
    double firstW0;
    // Use the fused sine layers where they apply (CPU tensors, autocast off).
    bool useFusedKernel = true;
    torch::nn::Linear first{nullptr};
    torch::nn::Linear second{nullptr};
    std::vector<torch::nn::Linear> deeper; // sine layers after the second ("sine3", …)
    torch::nn::Linear output{nullptr};
};

} // namespace dredge
