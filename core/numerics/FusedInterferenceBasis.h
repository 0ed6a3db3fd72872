#pragma once
// The interference basis and its superposition as one custom autograd function
// over the fused CPU kernel: the same values and gradients as the composed
// tensor ops, in two passes over the points.

#include <ATen/ATen.h>

namespace dredge {

class InterferenceBasis;

// out [N, out] for x [N, D], t [N]; CPU tensors, float or double.
at::Tensor fusedInterferenceForward(InterferenceBasis& model, const at::Tensor& x,
                                    const at::Tensor& t);

} // namespace dredge
