#pragma once
// The wave ensemble (features and head) as one custom autograd function over
// the fused CPU kernel: same values and gradients as the composed tensor ops,
// in two passes over the points.

#include <ATen/ATen.h>

namespace dredge {

class WaveEnsemble;

// out [N, 1] for x [N, D], t [N]; CPU tensors, float or double.
at::Tensor fusedWaveEnsembleForward(WaveEnsemble& model, const at::Tensor& x, const at::Tensor& t);

} // namespace dredge
