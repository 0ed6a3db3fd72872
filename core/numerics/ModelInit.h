#pragma once
// Initialisation helpers that reproduce PyTorch's defaults from an explicit
// generator, so that concurrent runs never share random state.

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>
#include <utility>
#include <vector>

namespace dredge {

// nn.Linear's default: kaiming_uniform(a=√5) for the weight, which is
// U(−1/√in, 1/√in), then the bias from the same range (weight drawn first).
void initLinearLikePyTorch(torch::nn::Linear& layer, at::Generator& gen);

// x [N, D], w [M, D] -> [N, M] with entries Σ_d x[n, d]·w[m, d], always in the
// inputs' precision: autocast would run a matmul in bfloat16, and a bfloat16
// wave phase of 10 rad is off by ~0.03 rad. For D = 1 it is one broadcast
// product, cheaper than a matrix product.
at::Tensor pairwiseDot(const at::Tensor& x, const at::Tensor& w);

// Points given as plain vectors, as tensors x [N, D] and t [N] that view
// them (no copy; t = 0 when `time` is empty): what FieldEvaluator and
// ScriptedField predict at. Throws std::invalid_argument for sizes that do
// not fit.
std::pair<at::Tensor, at::Tensor> pointTensors(const std::vector<float>& coords,
                                               const std::vector<float>& time, int dims);

} // namespace dredge
