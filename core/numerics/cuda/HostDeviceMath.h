#pragma once
// What lets the CUDA kernels' per-point math compile for the host as well:
// a host-and-device marker and sin/cos/exp overloads for float and double
// that name the C functions both sides have (glibc's and CUDA's). The host
// build is how that math is tested on machines without a GPU.

#include <math.h>
#include <type_traits>

#ifdef __CUDACC__
#define DREDGE_HOST_DEVICE __host__ __device__
#else
#define DREDGE_HOST_DEVICE
#endif

namespace dredge::fused::cuda {

// Each picks the float or the double function: a float kernel must not
// promote to double (a fraction of float speed on most GPUs).
template <typename Scalar>
DREDGE_HOST_DEVICE inline Scalar expOf(Scalar x) {
    if constexpr (std::is_same_v<Scalar, float>) {
        return expf(x);
    } else {
        return exp(x);
    }
}
template <typename Scalar>
DREDGE_HOST_DEVICE inline Scalar sinOf(Scalar x) {
    if constexpr (std::is_same_v<Scalar, float>) {
        return sinf(x);
    } else {
        return sin(x);
    }
}
template <typename Scalar>
DREDGE_HOST_DEVICE inline Scalar cosOf(Scalar x) {
    if constexpr (std::is_same_v<Scalar, float>) {
        return cosf(x);
    } else {
        return cos(x);
    }
}
template <typename Scalar>
DREDGE_HOST_DEVICE inline void sinCos(Scalar x, Scalar* s, Scalar* c) {
    if constexpr (std::is_same_v<Scalar, float>) {
        sincosf(x, s, c);
    } else {
        sincos(x, s, c);
    }
}

} // namespace dredge::fused::cuda
