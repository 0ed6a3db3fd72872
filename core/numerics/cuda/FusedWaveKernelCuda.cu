// The wave ensemble on CUDA: the forward is one thread per point over all
// waves; the backward is a grid of (point blocks × waves) in which each thread
// sums its points' contributions in registers, then each block adds its sums
// to the double accumulators with one atomic per parameter.

#include "CudaBlockSum.cuh"
#include "FusedWaveKernelCuda.h"

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

constexpr int kThreads = 256;
constexpr int64_t kMaxBackwardBlocks = 512; // per wave; threads then stride over points

template <typename Scalar>
__global__ void forwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                              WaveParameters<Scalar> p, const Scalar* headBias, Scalar* out) {
    const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (j >= n) {
        return;
    }
    const int64_t D = p.dims;
    Scalar x[kMaxDims];
    for (int64_t d = 0; d < D; ++d) {
        x[d] = xT[d * n + j];
    }
    const Scalar tj = t[j];
    Scalar sum = *headBias;
    for (int64_t i = 0; i < p.waves; ++i) {
        Scalar kx = -p.omega[i] * tj, lx = 0, r2 = 0;
        for (int64_t d = 0; d < D; ++d) {
            const Scalar rel = x[d] - p.velocity[i * D + d] * tj;
            kx += p.k[i * D + d] * x[d];
            lx += p.lambda[i * D + d] * x[d];
            r2 += rel * rel;
        }
        const Scalar halfS = Scalar(-0.5) * exp(Scalar(-2) * p.logSigma[i]);
        const Scalar modulation = sin(p.phi[i] + p.epsilon[i] * cos(lx));
        sum += p.headWeight[i] * p.amplitude[i] * cos(kx) * exp(halfS * r2) * modulation;
    }
    out[j] = sum;
}

// blockIdx.y is the wave. See FusedWaveKernel.cpp's backward for the formulas.
template <typename Scalar>
__global__ void backwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                               WaveParameters<Scalar> p, const Scalar* gradOut, WaveGradients g) {
    const int64_t i = blockIdx.y, D = p.dims;
    const Scalar sigmaInv2 = exp(Scalar(-2) * p.logSigma[i]);
    const Scalar halfS = Scalar(-0.5) * sigmaInv2;
    const Scalar A = p.amplitude[i], w = p.headWeight[i], phi = p.phi[i], eps = p.epsilon[i];
    double sumW = 0, sumA = 0, sumOmega = 0, sumLogSigma = 0, sumPhi = 0, sumEps = 0, sumBias = 0;
    double sumK[kMaxDims] = {}, sumV[kMaxDims] = {}, sumL[kMaxDims] = {};
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n; j += stride) {
        Scalar x[kMaxDims];
        const Scalar tj = t[j];
        Scalar kx = -p.omega[i] * tj, lx = 0, r2 = 0;
        for (int64_t d = 0; d < D; ++d) {
            x[d] = xT[d * n + j];
            const Scalar rel = x[d] - p.velocity[i * D + d] * tj;
            kx += p.k[i * D + d] * x[d];
            lx += p.lambda[i * D + d] * x[d];
            r2 += rel * rel;
        }
        Scalar sp, cp, sq, cq, m, cu;
        sinCos(kx, &sp, &cp);
        sinCos(lx, &sq, &cq);
        sinCos(phi + eps * cq, &m, &cu);
        const Scalar e = exp(halfS * r2);
        const Scalar go = gradOut[j];
        const Scalar gw = go * w;
        const Scalar em = e * m;
        sumBias += go;
        sumW += go * A * cp * em;
        sumA += gw * cp * em;
        const Scalar dp = -gw * A * sp * em;
        const Scalar de = gw * A * cp * em;
        const Scalar dr2 = de * halfS;
        sumLogSigma += de * r2 * sigmaInv2;
        const Scalar du = gw * A * cp * e * cu;
        sumPhi += du;
        sumEps += du * cq;
        const Scalar dq = -du * eps * sq;
        sumOmega += -dp * tj;
        for (int64_t d = 0; d < D; ++d) {
            sumK[d] += dp * x[d];
            sumL[d] += dq * x[d];
            sumV[d] += dr2 * Scalar(-2) * (x[d] - p.velocity[i * D + d] * tj) * tj;
        }
    }
    blockAdd(g.headWeight + i, sumW);
    blockAdd(g.amplitude + i, sumA);
    blockAdd(g.omega + i, sumOmega);
    blockAdd(g.logSigma + i, sumLogSigma);
    blockAdd(g.phi + i, sumPhi);
    blockAdd(g.epsilon + i, sumEps);
    for (int64_t d = 0; d < D; ++d) {
        blockAdd(g.k + i * D + d, sumK[d]);
        blockAdd(g.velocity + i * D + d, sumV[d]);
        blockAdd(g.lambda + i * D + d, sumL[d]);
    }
    if (i == 0) {
        blockAdd(g.headBias, sumBias); // once, not once per wave
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
    const auto blocks = unsigned((n + kThreads - 1) / kThreads);
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
    const dim3 blocks(
        unsigned(std::min<int64_t>((n + kThreads - 1) / kThreads, kMaxBackwardBlocks)),
        unsigned(p.waves));
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
