#pragma once
// CUDA versions of the fused interference-basis passes
// (FusedInterferenceKernel.h), built only when the LibTorch found has CUDA.
// Same layouts and formulas; every pointer is device memory, `stream` is a
// cudaStream_t. 1/σ and 1/norm come from device memory (p.inverseSigma must
// point there, p.inverseNorm is ignored); gradients are double accumulators
// on the device that the caller zeroes, logSigma's without the clamp's mask.
// No LibTorch in this header.

#include "../FusedInterferenceKernel.h"

namespace dredge::fused::cuda {

constexpr int64_t kMaxInterferenceDims = 8;
constexpr int64_t kMaxInterferenceOutputs = 8;

template <typename Scalar>
void interferenceForward(const Scalar* xT, const Scalar* t, int64_t n,
                         const InterferenceParameters<Scalar>& p, const Scalar* inverseNorm,
                         Scalar* out, void* stream);

template <typename Scalar>
void interferenceBackward(const Scalar* xT, const Scalar* t, int64_t n,
                          const InterferenceParameters<Scalar>& p, const Scalar* inverseNorm,
                          const Scalar* gradOut, const InterferenceGradients& grad, void* stream);

} // namespace dredge::fused::cuda
