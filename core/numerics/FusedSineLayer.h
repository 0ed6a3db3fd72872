#pragma once
// SIREN's sine layer, sin(w0·(x Wᵀ + b)), as one custom autograd function over
// FusedSineKernel: the same values and gradients as the composed ops, with
// sin and cos in one pass forward and no transcendental backward.

#include <ATen/ATen.h>

namespace dredge {

// x [N, in], weight [out, in], bias [out] → [N, out]; CPU, float or double.
// bfloat16Gemm (mixed precision): x Wᵀ and the backward's two products from
// bfloat16 operands, their results rounded to bfloat16 as autocast's are;
// sin, cos and the bias stay float32. One input: no GEMM, float32 throughout.
at::Tensor fusedSineLayer(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                          double w0, bool bfloat16Gemm = false);

} // namespace dredge
