#pragma once
// What lets the CUDA kernels' per-point math compile for the host as well:
// a host-and-device marker and sin/cos/exp overloads for float and double
// that name the C functions both sides have (glibc's and CUDA's). The host
// build is how that math is tested on machines without a GPU.

#include <math.h>

#ifdef __CUDACC__
#define DREDGE_HOST_DEVICE __host__ __device__
#else
#define DREDGE_HOST_DEVICE
#endif

namespace dredge::fused::cuda {

// NAME(float) calls the C function with the f suffix, NAME(double) the plain
// one: a float kernel must not promote to double (a fraction of float speed
// on most GPUs).
#define DREDGE_FLOAT_AND_DOUBLE(NAME, FUNCTION)                                                    \
    DREDGE_HOST_DEVICE inline float NAME(float x) {                                                \
        return FUNCTION##f(x);                                                                     \
    }                                                                                              \
    DREDGE_HOST_DEVICE inline double NAME(double x) {                                              \
        return FUNCTION(x);                                                                        \
    }

DREDGE_FLOAT_AND_DOUBLE(expOf, exp)
DREDGE_FLOAT_AND_DOUBLE(sinOf, sin)
DREDGE_FLOAT_AND_DOUBLE(cosOf, cos)
#undef DREDGE_FLOAT_AND_DOUBLE

DREDGE_HOST_DEVICE inline void sinCos(float x, float* s, float* c) {
    sincosf(x, s, c);
}
DREDGE_HOST_DEVICE inline void sinCos(double x, double* s, double* c) {
    sincos(x, s, c);
}

} // namespace dredge::fused::cuda
