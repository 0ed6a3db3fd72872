#pragma once
// The wave ensemble (features and head) as one custom autograd function over
// the fused CPU kernel: same values and gradients as the composed tensor ops,
// in two passes over the points.

#include "FusedEpoch.h"

#include <ATen/ATen.h>

#include <optional>

namespace dredge {

class WaveEnsemble;

// out [N, 1] for x [N, D], t [N]; CPU tensors, float or double.
at::Tensor fusedWaveEnsembleForward(WaveEnsemble& model, const at::Tensor& x, const at::Tensor& t);

// A whole epoch (see FieldModel::fusedEpoch) on the CPU; nullopt where the
// fused kernel does not apply.
std::optional<EpochOutcome> fusedWaveEnsembleEpoch(WaveEnsemble& model, const EpochData& data,
                                                   at::Tensor& gradient);

} // namespace dredge
