// Built with -O3 -ffast-math like the fused kernels (see CMakeLists.txt): the
// loops below vectorise exactly as the kernels' loops do.

#include "FastMathArrays.h"

#include "FastMath.h"

namespace dredge::fused {
namespace {

template <typename Op>
[[gnu::always_inline]] inline void overArray(int64_t n, Op op) {
#pragma GCC ivdep
    for (int64_t i = 0; i < n; ++i) {
        op(i);
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DREDGE_FOR_ISA(name, isa) __attribute__((target(isa))) void name
#else
#define DREDGE_FOR_ISA(name, isa) void name
#endif

#define DREDGE_ARRAYS(suffix, isa)                                                                 \
    DREDGE_FOR_ISA(sinCos##suffix, isa)(const float* x, int64_t n, float* s, float* c) {           \
        overArray(n, [&](int64_t i) { sinCos(x[i], s[i], c[i]); });                                \
    }                                                                                              \
    DREDGE_FOR_ISA(exp##suffix, isa)(const float* x, int64_t n, float* out) {                      \
        overArray(n, [&](int64_t i) { out[i] = expNonPositive(x[i]); });                           \
    }
DREDGE_ARRAYS(Baseline, "arch=x86-64")
DREDGE_ARRAYS(Avx2Fma, "arch=x86-64-v3")
DREDGE_ARRAYS(Avx512, "arch=x86-64-v4")
#undef DREDGE_ARRAYS
#undef DREDGE_FOR_ISA

} // namespace

bool vectorIsaSupported(VectorIsa isa) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (isa) {
    case VectorIsa::Baseline:
        return true;
    case VectorIsa::Avx2Fma:
        return __builtin_cpu_supports("x86-64-v3");
    case VectorIsa::Avx512:
        return __builtin_cpu_supports("x86-64-v4");
    }
    return false;
#else
    return isa == VectorIsa::Baseline;
#endif
}

const char* vectorIsaName(VectorIsa isa) {
    switch (isa) {
    case VectorIsa::Baseline:
        return "baseline";
    case VectorIsa::Avx2Fma:
        return "AVX2+FMA";
    case VectorIsa::Avx512:
        return "AVX-512";
    }
    return "?";
}

void sinCosArray(VectorIsa isa, const float* x, int64_t n, float* sine, float* cosine) {
    switch (isa) {
    case VectorIsa::Avx512:
        return sinCosAvx512(x, n, sine, cosine);
    case VectorIsa::Avx2Fma:
        return sinCosAvx2Fma(x, n, sine, cosine);
    case VectorIsa::Baseline:
        break;
    }
    sinCosBaseline(x, n, sine, cosine);
}

void expNonPositiveArray(VectorIsa isa, const float* x, int64_t n, float* out) {
    switch (isa) {
    case VectorIsa::Avx512:
        return expAvx512(x, n, out);
    case VectorIsa::Avx2Fma:
        return expAvx2Fma(x, n, out);
    case VectorIsa::Baseline:
        break;
    }
    expBaseline(x, n, out);
}

} // namespace dredge::fused
