// Built with -O3 -ffast-math like the fused kernels (see CMakeLists.txt): the
// loops below vectorise exactly as the kernels' loops do.

#include "FastMathArrays.h"

#include "FastMath.h"

namespace dredge::fused {
namespace {

struct SinCosEntry {
    template <bool Fma>
    [[gnu::always_inline]] static void run(const float* x, int64_t n, float* s, float* c) {
#pragma GCC ivdep
        for (int64_t i = 0; i < n; ++i) {
            sinCos<Fma>(x[i], s[i], c[i]);
        }
    }
};

struct ExpEntry {
    template <bool Fma>
    [[gnu::always_inline]] static void run(const float* x, int64_t n, float* out) {
#pragma GCC ivdep
        for (int64_t i = 0; i < n; ++i) {
            out[i] = expNonPositive<Fma>(x[i]);
        }
    }
};

} // namespace

void sinCosArray(KernelCopy copy, const float* x, int64_t n, float* sine, float* cosine) {
    runInCopy<SinCosEntry>(copy, x, n, sine, cosine);
}

void expNonPositiveArray(KernelCopy copy, const float* x, int64_t n, float* out) {
    runInCopy<ExpEntry>(copy, x, n, out);
}

} // namespace dredge::fused
