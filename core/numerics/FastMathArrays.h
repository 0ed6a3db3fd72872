#pragma once
// FastMath.h's functions over arrays, built once per instruction set that
// DREDGE_CLONES builds the kernels for, so that tests check each copy's
// accuracy (the vectorised code differs by width and by FMA contraction) and
// benches time them. No LibTorch here.

#include <cstdint>

namespace dredge::fused {

enum class VectorIsa { Baseline, Avx2Fma, Avx512 };

// Whether this CPU runs that copy (Baseline: always).
bool vectorIsaSupported(VectorIsa isa);
const char* vectorIsaName(VectorIsa isa);

// sine[i], cosine[i] = sin, cos of x[i]; out[i] = exp(x[i]) (x ≤ 0), in the
// copy for `isa` (which must be supported).
void sinCosArray(VectorIsa isa, const float* x, int64_t n, float* sine, float* cosine);
void expNonPositiveArray(VectorIsa isa, const float* x, int64_t n, float* out);

} // namespace dredge::fused
