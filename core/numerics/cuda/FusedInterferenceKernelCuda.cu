// The interference basis on CUDA: the forward is one thread per point over
// all fields; the backward is a grid of (point blocks × fields) whose threads
// sum in registers and whose blocks add to the double accumulators. The
// envelope's gradient is linear in dL/d env, so each field's blocks add their
// own share to log σ and v. The math at a point is InterferencePointMath.h's,
// which the host tests run too.

#include "CudaBlockSum.cuh"
#include "CudaGrid.cuh"
#include "FusedInterferenceKernelCuda.h"
#include "InterferencePointMath.h"

#include <algorithm>
#include <stdexcept>

namespace dredge::fused::cuda {
namespace {

template <typename Scalar>
__global__ void forwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                              InterferenceParameters<Scalar> p, const Scalar* inverseNorm,
                              Scalar* out) {
    const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (j < n) {
        interferenceAt(xT, t, n, j, p, *inverseNorm, out + j * p.outputs);
    }
}

// blockIdx.y is the field.
template <typename Scalar>
__global__ void backwardKernel(const Scalar* xT, const Scalar* t, int64_t n,
                               InterferenceParameters<Scalar> p, const Scalar* inverseNorm,
                               const Scalar* gradOut, InterferenceGradients g) {
    const int64_t f = blockIdx.y, F = p.fields, D = p.dims, O = p.outputs;
    InterferenceGradientSum<Scalar> sum(p, f, *inverseNorm);
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n; j += stride) {
        sum.addPoint(xT, t, n, j, gradOut + j * O);
    }
    blockAdd(g.amplitude + f, sum.amplitude);
    blockAdd(g.omega + f, sum.omega);
    blockAdd(g.phi + f, sum.phi);
    blockAdd(g.epsilon + f, sum.epsilon);
    for (int64_t d = 0; d < D; ++d) {
        blockAdd(g.k + f * D + d, sum.k[d]);
        blockAdd(g.lambda + f * D + d, sum.lambda[d]);
        blockAdd(g.logSigma + d, sum.logSigma[d]);
        blockAdd(g.velocity + d, sum.velocity[d]);
    }
    for (int64_t o = 0; o < O; ++o) {
        blockAdd(g.weight + o * 2 * F + f, sum.weightRe[o]);
        blockAdd(g.weight + o * 2 * F + F + f, sum.weightIm[o]);
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
    const auto blocks = forwardBlocks(n);
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
    const dim3 blocks = backwardGrid(n, p.fields);
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
