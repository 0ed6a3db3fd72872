#pragma once
// Initialisation helpers that reproduce PyTorch's defaults from an explicit
// generator, so that concurrent runs never share random state.

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

namespace dredge {

// nn.Linear's default: kaiming_uniform(a=√5) for the weight, which is
// U(−1/√in, 1/√in), then the bias from the same range (weight drawn first).
void initLinearLikePyTorch(torch::nn::Linear& layer, at::Generator& gen);

// x [N, D], w [M, D] -> [N, M] with entries Σ_d x[n, d]·w[m, d]. Written as
// elementwise products rather than a matmul so that autocast keeps wave phases
// in float32: a bfloat16 phase of 10 rad is off by ~0.03 rad.
at::Tensor pairwiseDot(const at::Tensor& x, const at::Tensor& w);

} // namespace dredge
