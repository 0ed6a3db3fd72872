// The interference basis on CUDA: the forward is one thread per point over
// all fields; the backward is a grid of (point blocks × fields) whose threads
// sum in registers and whose blocks add to the double accumulators. The
// envelope's gradient is linear in dL/d env, so each field's blocks add their
// own share to log σ and v.

#include "CudaBlockSum.cuh"
#include "FusedInterferenceKernelCuda.h"

#include <algorithm>
#include <stdexcept>

namespace dredge::fused::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kMaxBackwardBlocks = 512; // per field; threads then stride over points

// z = (x − v t)/σ and env = exp(−½‖z‖²)/norm for point j.
template <typename Scalar>
__device__ inline Scalar envelopeAt(const Scalar* xT, const Scalar* t, int64_t n, int64_t j,
                                    const InterferenceParameters<Scalar>& p, Scalar inverseNorm,
                                    Scalar* x, Scalar* z) {
    Scalar r2 = 0;
    for (int64_t d = 0; d < p.dims; ++d) {
        x[d] = xT[d * n + j];
        z[d] = (x[d] - p.velocity[d] * t[j]) * p.inverseSigma[d];
        r2 += z[d] * z[d];
    }
    return exp(Scalar(-0.5) * r2) * inverseNorm;
}

template <typename Scalar>
__global__ void forwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                              InterferenceParameters<Scalar> p, const Scalar* inverseNorm,
                              Scalar* out) {
    const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (j >= n) {
        return;
    }
    const int64_t F = p.fields, D = p.dims, O = p.outputs;
    Scalar x[kMaxInterferenceDims], z[kMaxInterferenceDims], acc[kMaxInterferenceOutputs] = {};
    const Scalar env = envelopeAt(xT, t, n, j, p, *inverseNorm, x, z);
    for (int64_t f = 0; f < F; ++f) {
        Scalar a = -p.omega[f] * t[j], q = 0;
        for (int64_t d = 0; d < D; ++d) {
            a += p.k[f * D + d] * x[d];
            q += p.lambda[f * D + d] * x[d];
        }
        Scalar sa, ca;
        sinCos(a, &sa, &ca);
        const Scalar common = p.amplitude[f] * env * sin(p.phi[f] + p.epsilon[f] * cos(q));
        for (int64_t o = 0; o < O; ++o) {
            acc[o] += common * (p.weight[o * 2 * F + f] * ca + p.weight[o * 2 * F + F + f] * sa);
        }
    }
    for (int64_t o = 0; o < O; ++o) {
        out[j * O + o] = acc[o];
    }
}

// blockIdx.y is the field. See FusedInterferenceKernel.cpp's backward.
template <typename Scalar>
__global__ void backwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                               InterferenceParameters<Scalar> p, const Scalar* inverseNorm,
                               const Scalar* gradOut, InterferenceGradients g) {
    const int64_t f = blockIdx.y, F = p.fields, D = p.dims, O = p.outputs;
    const Scalar A = p.amplitude[f], phi = p.phi[f], eps = p.epsilon[f];
    const Scalar norm = *inverseNorm;
    double sumA = 0, sumOmega = 0, sumPhi = 0, sumEps = 0;
    double sumK[kMaxInterferenceDims] = {}, sumL[kMaxInterferenceDims] = {};
    double sumLogSigma[kMaxInterferenceDims] = {}, sumV[kMaxInterferenceDims] = {};
    double sumRe[kMaxInterferenceOutputs] = {}, sumIm[kMaxInterferenceOutputs] = {};
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n; j += stride) {
        Scalar x[kMaxInterferenceDims], z[kMaxInterferenceDims];
        const Scalar tj = t[j];
        const Scalar env = envelopeAt(xT, t, n, j, p, norm, x, z);
        Scalar a = -p.omega[f] * tj, q = 0;
        for (int64_t d = 0; d < D; ++d) {
            a += p.k[f * D + d] * x[d];
            q += p.lambda[f * D + d] * x[d];
        }
        Scalar sa, ca, sq, cq, m, cu;
        sinCos(a, &sa, &ca);
        sinCos(q, &sq, &cq);
        sinCos(phi + eps * cq, &m, &cu);
        const Scalar common = A * env * m;
        Scalar gRe = 0, gIm = 0;
        for (int64_t o = 0; o < O; ++o) {
            const Scalar go = gradOut[j * O + o];
            gRe += go * p.weight[o * 2 * F + f];
            gIm += go * p.weight[o * 2 * F + F + f];
            sumRe[o] += go * common * ca;
            sumIm[o] += go * common * sa;
        }
        const Scalar dcommon = gRe * ca + gIm * sa;
        const Scalar da = common * (gIm * ca - gRe * sa);
        sumA += dcommon * env * m;
        const Scalar du = dcommon * A * env * cu;
        sumPhi += du;
        sumEps += du * cq;
        const Scalar dq = -du * eps * sq;
        sumOmega -= da * tj;
        const Scalar e = env * dcommon * A * m; // env · (this field's dL/d env)
        for (int64_t d = 0; d < D; ++d) {
            sumK[d] += da * x[d];
            sumL[d] += dq * x[d];
            sumLogSigma[d] += e * (z[d] * z[d] - Scalar(1));
            sumV[d] += e * z[d] * tj * p.inverseSigma[d];
        }
    }
    blockAdd(g.amplitude + f, sumA);
    blockAdd(g.omega + f, sumOmega);
    blockAdd(g.phi + f, sumPhi);
    blockAdd(g.epsilon + f, sumEps);
    for (int64_t d = 0; d < D; ++d) {
        blockAdd(g.k + f * D + d, sumK[d]);
        blockAdd(g.lambda + f * D + d, sumL[d]);
        blockAdd(g.logSigma + d, sumLogSigma[d]);
        blockAdd(g.velocity + d, sumV[d]);
    }
    for (int64_t o = 0; o < O; ++o) {
        blockAdd(g.weight + o * 2 * F + f, sumRe[o]);
        blockAdd(g.weight + o * 2 * F + F + f, sumIm[o]);
    }
}

void checkShape(int64_t dims, int64_t outputs) {
    if (dims > kMaxInterferenceDims || outputs > kMaxInterferenceOutputs) {
        throw std::invalid_argument(
            "the CUDA interference kernel takes at most 8 dimensions and 8 outputs");
    }
}

} // namespace

template <typename Scalar>
void interferenceForward(const Scalar* xT, const Scalar* t, int64_t n,
                         const InterferenceParameters<Scalar>& p, const Scalar* inverseNorm,
                         Scalar* out, void* stream) {
    checkShape(p.dims, p.outputs);
    if (n == 0) {
        return;
    }
    const auto blocks = unsigned((n + kThreads - 1) / kThreads);
    forwardKernel<Scalar>
        <<<blocks, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(xT, t, n, p, inverseNorm, out);
    checkLaunch("interference forward");
}

template <typename Scalar>
void interferenceBackward(const Scalar* xT, const Scalar* t, int64_t n,
                          const InterferenceParameters<Scalar>& p, const Scalar* inverseNorm,
                          const Scalar* gradOut, const InterferenceGradients& grad, void* stream) {
    checkShape(p.dims, p.outputs);
    if (n == 0 || p.fields == 0) {
        return;
    }
    const dim3 blocks(
        unsigned(std::min<int64_t>((n + kThreads - 1) / kThreads, kMaxBackwardBlocks)),
        unsigned(p.fields));
    backwardKernel<Scalar><<<blocks, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        xT, t, n, p, inverseNorm, gradOut, grad);
    checkLaunch("interference backward");
}

template void interferenceForward<float>(const float*, const float*, int64_t,
                                         const InterferenceParameters<float>&, const float*, float*,
                                         void*);
template void interferenceForward<double>(const double*, const double*, int64_t,
                                          const InterferenceParameters<double>&, const double*,
                                          double*, void*);
template void interferenceBackward<float>(const float*, const float*, int64_t,
                                          const InterferenceParameters<float>&, const float*,
                                          const float*, const InterferenceGradients&, void*);
template void interferenceBackward<double>(const double*, const double*, int64_t,
                                           const InterferenceParameters<double>&, const double*,
                                           const double*, const InterferenceGradients&, void*);

} // namespace dredge::fused::cuda
