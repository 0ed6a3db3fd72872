#pragma once
// The fused kernels' per-axis sums over a block of points: for K per-point
// weights w_k, Σ_j w_k[j] · x_d[j] for every axis d, handed to
// emit(d, sums) with sums[k] the k-th weight's. The axes go in groups
// unrolled at compile time, so that one pass over the block serves a whole
// group with its sums in registers; a group holds at most ten sums (with the
// weights and x, more would spill out of the 16 vector registers of AVX2).
// Kernel code: no LibTorch here.

#include <cstdint>

namespace dredge::fused {

// Axes [first, first + Count) of the block.
template <int Count, int K, typename Scalar, typename Emit>
[[gnu::always_inline]] inline void axisGroupSums(const Scalar* xT, int64_t n, int64_t b0,
                                                 int64_t len, const Scalar* const (&w)[K],
                                                 int64_t first, Emit&& emit) {
    Scalar sums[Count][K] = {};
    const Scalar* x0 = xT + first * n + b0;
    for (int64_t j = 0; j < len; ++j) {
        for (int d = 0; d < Count; ++d) {
            const Scalar x = x0[d * n + j];
            for (int k = 0; k < K; ++k) {
                sums[d][k] += w[k][j] * x;
            }
        }
    }
    for (int d = 0; d < Count; ++d) {
        emit(int(first) + d, sums[d]);
    }
}

// The group unrolled for `count` axes, 1 ≤ count ≤ Most, chosen at run time.
template <int Most, int K, typename Scalar, typename Emit>
[[gnu::always_inline]] inline void
axisGroupSumsFor(int64_t count, const Scalar* xT, int64_t n, int64_t b0, int64_t len,
                 const Scalar* const (&w)[K], int64_t first, Emit&& emit) {
    if constexpr (Most > 1) {
        if (count < Most) {
            axisGroupSumsFor<Most - 1, K>(count, xT, n, b0, len, w, first, emit);
            return;
        }
    }
    axisGroupSums<Most, K>(xT, n, b0, len, w, first, emit);
}

// xT is [D][N]; the block is points [b0, b0 + len); each w[k] has len values.
template <int K, typename Scalar, typename Emit>
[[gnu::always_inline]] inline void axisSums(int64_t dims, const Scalar* xT, int64_t n, int64_t b0,
                                            int64_t len, const Scalar* const (&w)[K], Emit&& emit) {
    static_assert(K >= 1 && K <= 10, "at most ten sums per pass");
    constexpr int kGroup = 10 / K < 5 ? 10 / K : 5; // axes per pass
    for (int64_t first = 0; first < dims; first += kGroup) {
        const int64_t count = dims - first < kGroup ? dims - first : kGroup;
        axisGroupSumsFor<kGroup, K>(count, xT, n, b0, len, w, first, emit);
    }
}

} // namespace dredge::fused
