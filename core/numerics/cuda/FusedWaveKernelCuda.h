#pragma once
// CUDA versions of the fused wave-ensemble passes (FusedWaveKernel.h), built
// only when the LibTorch found has CUDA. Same layouts and formulas; every
// pointer is device memory, `stream` is a cudaStream_t. The head bias is read
// from device memory (p.headBias is ignored), and the gradients are double
// accumulators on the device that the caller zeroes. The backward computes
// its terms again: on a GPU transcendentals are cheaper than the memory that
// keeping them would take. No LibTorch in this header.

#include "../FusedWaveKernel.h"

namespace dredge::fused::cuda {

// Coordinates per point held in registers: D up to this many.
constexpr int64_t kMaxDims = 8;

template <typename Scalar>
void waveEnsembleForward(const Scalar* xT, const Scalar* t, int64_t n,
                         const WaveParameters<Scalar>& p, const Scalar* headBias, Scalar* out,
                         void* stream);

template <typename Scalar>
void waveEnsembleBackward(const Scalar* xT, const Scalar* t, int64_t n,
                          const WaveParameters<Scalar>& p, const Scalar* gradOut,
                          const WaveGradients& grad, void* stream);

} // namespace dredge::fused::cuda
