#pragma once
// FastMath.h's functions over arrays, compiled in each copy the wave and
// interference kernels have (KernelClones.h), so that tests check each
// copy's accuracy (the copies differ in width and in how they reduce
// arguments) and benches time them. No LibTorch here.

#include "KernelClones.h"

#include <cstdint>

namespace dredge::fused {

// sine[i], cosine[i] = sin, cos of x[i]; out[i] = exp(x[i]) (x ≤ 0), in
// `copy` (which this CPU must run: kernelCopySupported).
void sinCosArray(KernelCopy copy, const float* x, int64_t n, float* sine, float* cosine);
void expNonPositiveArray(KernelCopy copy, const float* x, int64_t n, float* out);

} // namespace dredge::fused
