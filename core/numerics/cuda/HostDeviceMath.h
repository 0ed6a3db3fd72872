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

DREDGE_HOST_DEVICE inline float expOf(float x) {
    return expf(x);
}
DREDGE_HOST_DEVICE inline double expOf(double x) {
    return exp(x);
}
DREDGE_HOST_DEVICE inline float sinOf(float x) {
    return sinf(x);
}
DREDGE_HOST_DEVICE inline double sinOf(double x) {
    return sin(x);
}
DREDGE_HOST_DEVICE inline float cosOf(float x) {
    return cosf(x);
}
DREDGE_HOST_DEVICE inline double cosOf(double x) {
    return cos(x);
}
DREDGE_HOST_DEVICE inline void sinCos(float x, float* s, float* c) {
    sincosf(x, s, c);
}
DREDGE_HOST_DEVICE inline void sinCos(double x, double* s, double* c) {
    sincos(x, s, c);
}

} // namespace dredge::fused::cuda
