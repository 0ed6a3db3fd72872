// The wave ensemble on CUDA: the forward is one thread per point over all
// waves; the backward is a grid of (point blocks × waves) in which each thread
// sums its points' contributions in registers, then each block adds its sums
// to the double accumulators with one atomic per parameter. The math at a
// point is WavePointMath.h's, which the host tests run too.

#include "CudaBlockSum.cuh"
#include "CudaGrid.cuh"
#include "FusedWaveKernelCuda.h"
#include "WavePointMath.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dredge::fused::cuda {

void checkLaunch(const char* what) {
    const cudaError_t error = cudaGetLastError();
    if (error != cudaSuccess) {
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(error));
    }
}

namespace {

template <typename Scalar>
__global__ void forwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                              WaveParameters<Scalar> p, const Scalar* headBias, Scalar* out) {
    const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (j < n) {
        out[j] = waveEnsembleAt(xT, t, n, j, p, *headBias);
    }
}

// blockIdx.y is the wave.
template <typename Scalar>
__global__ void backwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                               WaveParameters<Scalar> p, const Scalar* gradOut, WaveGradients g) {
    const int64_t i = blockIdx.y, D = p.dims;
    WaveGradientSum<Scalar> sum(p, i);
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n; j += stride) {
        sum.addPoint(xT, t, n, j, gradOut[j]);
    }
    blockAdd(g.headWeight + i, sum.headWeight);
    blockAdd(g.amplitude + i, sum.amplitude);
    blockAdd(g.omega + i, sum.omega);
    blockAdd(g.logSigma + i, sum.logSigma);
    blockAdd(g.phi + i, sum.phi);
    blockAdd(g.epsilon + i, sum.epsilon);
    for (int64_t d = 0; d < D; ++d) {
        blockAdd(g.k + i * D + d, sum.k[d]);
        blockAdd(g.velocity + i * D + d, sum.velocity[d]);
        blockAdd(g.lambda + i * D + d, sum.lambda[d]);
    }
    if (i == 0) {
        blockAdd(g.headBias, sum.headBias); // once, not once per wave
    }
}

} // namespace

template <typename Scalar>
void waveEnsembleForward(const Scalar* xT, const Scalar* t, int64_t n,
                         const WaveParameters<Scalar>& p, const Scalar* headBias, Scalar* out,
                         void* stream) {
    if (p.dims > kMaxDims) {
        throw std::invalid_argument("the CUDA wave kernel takes at most 8 dimensions");
    }
    if (n == 0) {
        return;
    }
    const auto blocks = forwardBlocks(n);
    forwardKernel<Scalar>
        <<<blocks, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(xT, t, n, p, headBias, out);
    checkLaunch("wave ensemble forward");
}

template <typename Scalar>
void waveEnsembleBackward(const Scalar* xT, const Scalar* t, int64_t n,
                          const WaveParameters<Scalar>& p, const Scalar* gradOut,
                          const WaveGradients& grad, void* stream) {
    if (p.dims > kMaxDims) {
        throw std::invalid_argument("the CUDA wave kernel takes at most 8 dimensions");
    }
    if (n == 0 || p.waves == 0) {
        return;
    }
    const dim3 blocks = backwardGrid(n, p.waves);
    backwardKernel<Scalar>
        <<<blocks, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(xT, t, n, p, gradOut, grad);
    checkLaunch("wave ensemble backward");
}

template void waveEnsembleForward<float>(const float*, const float*, int64_t,
                                         const WaveParameters<float>&, const float*, float*, void*);
template void waveEnsembleForward<double>(const double*, const double*, int64_t,
                                          const WaveParameters<double>&, const double*, double*,
                                          void*);
template void waveEnsembleBackward<float>(const float*, const float*, int64_t,
                                          const WaveParameters<float>&, const float*,
                                          const WaveGradients&, void*);
template void waveEnsembleBackward<double>(const double*, const double*, int64_t,
                                           const WaveParameters<double>&, const double*,
                                           const WaveGradients&, void*);

} // namespace dredge::fused::cuda
