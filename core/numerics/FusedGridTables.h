#pragma once
// The tables of the kernels' tensor-grid path (TensorGridLayout.h), shared by
// the wave ensemble and the interference basis: cos and sin of the partial
// sums k·x and λ·x over a row's outer axes and over an entry's inner axes,
// which angle addition combines per point. Included by the -ffast-math
// kernel files only (FastMath.h inline, one copy per instruction set).

#include "FastMath.h"
#include "TensorGridLayout.h"

#include <algorithm>
#include <cstdint>

namespace dredge::fused {

// Values per row or entry of an angle table: cos and sin of k·x, cos and
// sin of λ·x.
constexpr int64_t kGridAngleTerms = 4;

// An angle table for `count` rows or entries, the c-th at point c·stride of
// xT [D][n], summing axes [from, to) of k and λ (each [D]): terms
// [kGridAngleTerms][count] from `terms` on. With a `halfS`, a fifth term
// exp(halfS · Σ x_d²) follows: the wave's envelope.
template <bool Fma>
[[gnu::always_inline]] inline void
gridAngleTable(const float* xT, int64_t n, const float* k, const float* l, int64_t from, int64_t to,
               int64_t count, int64_t stride, float* terms, const float* halfS) {
    constexpr int64_t kChunk = 256;
    float kx[kChunk], lx[kChunk], r2[kChunk];
    for (int64_t c0 = 0; c0 < count; c0 += kChunk) {
        const int64_t len = std::min(kChunk, count - c0);
        for (int64_t c = 0; c < len; ++c) { // the sums, then the functions vectorised
            kx[c] = lx[c] = r2[c] = 0;
            for (int64_t d = from; d < to; ++d) {
                const float xd = xT[d * n + (c0 + c) * stride];
                kx[c] += k[d] * xd;
                lx[c] += l[d] * xd;
                r2[c] += xd * xd;
            }
        }
        float* out = terms + c0;
#pragma GCC ivdep
        for (int64_t c = 0; c < len; ++c) {
            sinCos<Fma>(kx[c], out[count + c], out[c]);
            sinCos<Fma>(lx[c], out[3 * count + c], out[2 * count + c]);
        }
        if (halfS != nullptr) {
            for (int64_t c = 0; c < len; ++c) {
                out[4 * count + c] = expNonPositive<Fma>(*halfS * r2[c]);
            }
        }
    }
}

// cos(a + b) and sin(a + b) from cos and sin of a and of b.
template <bool Fma>
[[gnu::always_inline]] inline float cosOfSum(float ca, float sa, float cb, float sb) {
    return multiplyAdd<Fma>(ca, cb, -(sa * sb));
}
template <bool Fma>
[[gnu::always_inline]] inline float sinOfSum(float ca, float sa, float cb, float sb) {
    return multiplyAdd<Fma>(sa, cb, ca * sb);
}

// segment(j, row, entry, length) for the runs of the block's points
// [b0, b0 + len) that lie in one row: point b0 + j is entry `entry` of row
// `row`, and so are the next length − 1 points, entries after it.
template <typename Segment>
[[gnu::always_inline]] inline void forEachGridSegment(const TensorGridLayout& grid, int64_t b0,
                                                      int64_t len, Segment&& segment) {
    const int64_t S = grid.innerPoints;
    for (int64_t j = 0; j < len;) {
        const int64_t row = (b0 + j) / S, entry = (b0 + j) % S;
        const int64_t length = std::min(len - j, S - entry);
        segment(j, row, entry, length);
        j += length;
    }
}

} // namespace dredge::fused
