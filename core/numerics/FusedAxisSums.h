#pragma once
// The fused kernels' per-axis sums over a block of points: for K per-point
// weights w_k, Σ_j w_k[j] · x_d[j] for every axis d, handed to
// emit(d, sums) with sums[k] the k-th weight's. For 1 to 5 axes (the data
// sets' dimensions and those between) the axes are unrolled at compile time,
// so that one pass over the block serves them all with the sums in
// registers; beyond, one pass per axis. Kernel code: no LibTorch here.

#include <cstdint>

namespace dredge::fused {

template <int Dims, int K, typename Scalar, typename Emit>
[[gnu::always_inline]] inline void axisSumsUnrolled(const Scalar* xT, int64_t n, int64_t b0,
                                                    int64_t len, const Scalar* const (&w)[K],
                                                    Emit&& emit) {
    Scalar sums[Dims][K] = {};
    for (int64_t j = 0; j < len; ++j) {
        for (int d = 0; d < Dims; ++d) {
            const Scalar x = xT[d * n + b0 + j];
            for (int k = 0; k < K; ++k) {
                sums[d][k] += w[k][j] * x;
            }
        }
    }
    for (int d = 0; d < Dims; ++d) {
        emit(d, sums[d]);
    }
}

// xT is [D][N]; the block is points [b0, b0 + len); each w[k] has len values.
template <int K, typename Scalar, typename Emit>
[[gnu::always_inline]] inline void axisSums(int64_t dims, const Scalar* xT, int64_t n, int64_t b0,
                                            int64_t len, const Scalar* const (&w)[K], Emit&& emit) {
    switch (dims) {
    case 1:
        return axisSumsUnrolled<1>(xT, n, b0, len, w, emit);
    case 2:
        return axisSumsUnrolled<2>(xT, n, b0, len, w, emit);
    case 3:
        return axisSumsUnrolled<3>(xT, n, b0, len, w, emit);
    case 4:
        return axisSumsUnrolled<4>(xT, n, b0, len, w, emit);
    case 5:
        return axisSumsUnrolled<5>(xT, n, b0, len, w, emit);
    default:
        break;
    }
    for (int64_t d = 0; d < dims; ++d) {
        const Scalar* xd = xT + d * n + b0;
        Scalar sums[K] = {};
        for (int64_t j = 0; j < len; ++j) {
            for (int k = 0; k < K; ++k) {
                sums[k] += w[k][j] * xd[j];
            }
        }
        emit(int(d), sums);
    }
}

} // namespace dredge::fused
