// Built with -O3 -ffast-math like FusedWaveKernel.cpp (see CMakeLists.txt), so
// that GCC vectorises sin and cos through glibc's libmvec.

#include "FusedSineKernel.h"
#include "KernelClones.h"

#include <cmath>

namespace dredge::fused {
namespace {

// sin and cos of z, each in its own loop: GCC would merge them into a scalar
// sincos call, which does not vectorise. cosOut holds z on entry. glibc's
// libmvec here, not FastMath.h: SIREN multiplies a sine's error by w0 = 30 in
// each later layer, so it keeps libmvec's ≤ 1 ulp (FastMath's bound is 9e-8
// absolute, coarser near zero); its epochs are GEMMs, not sines, so faster
// sines would not show.
template <typename Scalar>
[[gnu::always_inline]] inline void sinAndCosInPlace(int64_t count, Scalar* sinOut, Scalar* cosOut) {
    for (int64_t j = 0; j < count; ++j) {
        sinOut[j] = std::sin(cosOut[j]);
    }
    for (int64_t j = 0; j < count; ++j) {
        cosOut[j] = std::cos(cosOut[j]);
    }
}

template <typename Scalar>
DREDGE_CLONES void forwardImpl(const Scalar* pre, const Scalar* bias, int64_t cols, int64_t begin,
                               int64_t end, Scalar w0, Scalar* sinOut, Scalar* cosOut) {
    for (int64_t row = begin; row < end; ++row) {
        const Scalar* p = pre + row * cols;
        Scalar* s = sinOut + row * cols;
        Scalar* c = cosOut + row * cols;
        for (int64_t j = 0; j < cols; ++j) {
            c[j] = w0 * (p[j] + bias[j]);
        }
        sinAndCosInPlace(cols, s, c);
    }
}

template <typename Scalar>
DREDGE_CLONES void forwardRank1Impl(const Scalar* x, const Scalar* weight, const Scalar* bias,
                                    int64_t cols, int64_t begin, int64_t end, Scalar w0,
                                    Scalar* sinOut, Scalar* cosOut) {
    for (int64_t row = begin; row < end; ++row) {
        Scalar* s = sinOut + row * cols;
        Scalar* c = cosOut + row * cols;
        const Scalar xr = x[row];
        for (int64_t j = 0; j < cols; ++j) {
            c[j] = w0 * (xr * weight[j] + bias[j]);
        }
        sinAndCosInPlace(cols, s, c);
    }
}

template <typename Scalar>
DREDGE_CLONES void backwardImpl(const Scalar* gradOut, const Scalar* cosSaved, int64_t count,
                                Scalar w0, Scalar* gradPre) {
    for (int64_t j = 0; j < count; ++j) {
        gradPre[j] = gradOut[j] * w0 * cosSaved[j];
    }
}

} // namespace

template <typename Scalar>
void sineLayerForward(const Scalar* pre, const Scalar* bias, int64_t cols, int64_t begin,
                      int64_t end, Scalar w0, Scalar* sinOut, Scalar* cosOut) {
    forwardImpl(pre, bias, cols, begin, end, w0, sinOut, cosOut);
}

template <typename Scalar>
void sineLayerForwardRank1(const Scalar* x, const Scalar* weight, const Scalar* bias, int64_t cols,
                           int64_t begin, int64_t end, Scalar w0, Scalar* sinOut, Scalar* cosOut) {
    forwardRank1Impl(x, weight, bias, cols, begin, end, w0, sinOut, cosOut);
}

template <typename Scalar>
void sineLayerBackward(const Scalar* gradOut, const Scalar* cosSaved, int64_t count, Scalar w0,
                       Scalar* gradPre) {
    backwardImpl(gradOut, cosSaved, count, w0, gradPre);
}

#define DREDGE_INSTANTIATE(Scalar)                                                                 \
    template void sineLayerForward<Scalar>(const Scalar*, const Scalar*, int64_t, int64_t,         \
                                           int64_t, Scalar, Scalar*, Scalar*);                     \
    template void sineLayerForwardRank1<Scalar>(const Scalar*, const Scalar*, const Scalar*,       \
                                                int64_t, int64_t, int64_t, Scalar, Scalar*,        \
                                                Scalar*);                                          \
    template void sineLayerBackward<Scalar>(const Scalar*, const Scalar*, int64_t, Scalar, Scalar*);
DREDGE_INSTANTIATE(float)
DREDGE_INSTANTIATE(double)
#undef DREDGE_INSTANTIATE

} // namespace dredge::fused
