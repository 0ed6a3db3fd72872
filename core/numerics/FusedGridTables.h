#pragma once
// The tables of the kernels' tensor-grid path (TensorGridLayout.h), shared by
// the wave ensemble and the interference basis: cos and sin of the partial
// sums k·x and λ·x over a row's outer axes and over an entry's inner axes,
// which angle addition combines per point. They are built the same way from
// the per-axis values, so an epoch evaluates sin, cos and exp only at the
// Σ G_d coordinates of the axes. Included by the -ffast-math
// kernel files only (FastMath.h inline, one copy per instruction set).

#include "FastMath.h"
#include "TensorGridLayout.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace dredge::fused {

// Values per row or entry of an angle table: cos and sin of k·x, cos and
// sin of λ·x.
constexpr int64_t kGridAngleTerms = 4;

// cos(a + b) and sin(a + b) from cos and sin of a and of b.
template <bool Fma>
[[gnu::always_inline]] inline float cosOfSum(float ca, float sa, float cb, float sb) {
    return multiplyAdd<Fma>(ca, cb, -(sa * sb));
}
template <bool Fma>
[[gnu::always_inline]] inline float sinOfSum(float ca, float sa, float cb, float sb) {
    return multiplyAdd<Fma>(sa, cb, ca * sb);
}

// cos and sin of k·x and λ·x for a segment of `length` points of row `row`
// from entry `entry` on, given one wave's or field's tables (rows
// [terms][rows], entries [terms][S]): into cosK, cosL and, where not null,
// sinK and sinL.
template <bool Fma>
[[gnu::always_inline]] inline void
gridSegmentAngles(const float* rowTerms, int64_t rows, const float* entryTerms, int64_t S,
                  int64_t row, int64_t entry, int64_t length, float* cosK, float* sinK, float* cosL,
                  float* sinL) {
    const float ck = rowTerms[row], sk = rowTerms[rows + row];
    const float cl = rowTerms[2 * rows + row], sl = rowTerms[3 * rows + row];
    const float *ci = entryTerms + entry, *si = ci + S, *cli = si + S, *sli = cli + S;
#pragma GCC ivdep
    for (int64_t i = 0; i < length; ++i) {
        cosK[i] = cosOfSum<Fma>(ck, sk, ci[i], si[i]);
        cosL[i] = cosOfSum<Fma>(cl, sl, cli[i], sli[i]);
    }
    if (sinK != nullptr) {
#pragma GCC ivdep
        for (int64_t i = 0; i < length; ++i) {
            sinK[i] = sinOfSum<Fma>(ck, sk, ci[i], si[i]);
        }
    }
    if (sinL != nullptr) {
#pragma GCC ivdep
        for (int64_t i = 0; i < length; ++i) {
            sinL[i] = sinOfSum<Fma>(cl, sl, cli[i], sli[i]);
        }
    }
}

// The run of the block's points [b0, b0 + len) from its j-th on that lies
// in one row: point b0 + j is entry `entry` of row `row`, and so are the
// next length − 1 points, entries after it. (A loop over these, not a
// callback: a lambda's body is a function of its own, which GCC may leave
// out of the kernel's copy for AVX-512 or AVX2.)
struct GridSegment {
    int64_t row, entry, length;
};

[[gnu::always_inline]] inline GridSegment gridSegmentAt(const TensorGridLayout& grid, int64_t b0,
                                                        int64_t j, int64_t len) {
    const int64_t S = grid.innerPoints;
    const int64_t point = grid.firstPoint + b0 + j;
    const int64_t row = point / S, entry = point % S;
    return {row, entry, std::min(len - j, S - entry)};
}

// The terms of u = φ + ε cos(λ·x) for `length` points: m = sin u and, where
// cu is not null, cos u; the only ones the grid path evaluates per point.
template <bool Fma>
[[gnu::always_inline]] inline void modulationOf(const float* cq, float phi, float eps,
                                                int64_t length, float* m, float* cu) {
    if (cu != nullptr) {
#pragma GCC ivdep
        for (int64_t i = 0; i < length; ++i) {
            sinCos<Fma>(multiplyAdd<Fma>(eps, cq[i], phi), m[i], cu[i]);
        }
    } else {
#pragma GCC ivdep
        for (int64_t i = 0; i < length; ++i) {
            m[i] = sinOf<Fma>(multiplyAdd<Fma>(eps, cq[i], phi));
        }
    }
}

// The values of `count` rows or entries over axes [from, to), products of
// those axes' values (last axis first): [terms][count] into `out`.
template <bool Fma>
[[gnu::always_inline]] inline void combineAxes(const TensorGridLayout& grid, const float* values,
                                               const std::array<int64_t, kMaxGridAxes>& offset,
                                               bool envelope, int64_t from, int64_t to,
                                               int64_t count, float* out) {
    for (int64_t c = 0; c < count; ++c) {
        float ck = 1, sk = 0, cl = 1, sl = 0, e = 1;
        int64_t rest = c;
        for (int64_t d = to - 1; d >= from; --d) {
            const int64_t size = grid.axisPoints[size_t(d)], i = rest % size;
            rest /= size;
            const float* v = values + offset[size_t(d)];
            const float nk = cosOfSum<Fma>(ck, sk, v[i], v[size + i]);
            sk = sinOfSum<Fma>(ck, sk, v[i], v[size + i]);
            ck = nk;
            const float nl = cosOfSum<Fma>(cl, sl, v[2 * size + i], v[3 * size + i]);
            sl = sinOfSum<Fma>(cl, sl, v[2 * size + i], v[3 * size + i]);
            cl = nl;
            if (envelope) {
                e *= v[4 * size + i];
            }
        }
        out[c] = ck;
        out[count + c] = sk;
        out[2 * count + c] = cl;
        out[3 * count + c] = sl;
        if (envelope) {
            out[4 * count + c] = e;
        }
    }
}

// One wave's or field's grid tables: rows [terms][rows], then entries
// [terms][S], terms being cos and sin of k·x and of λ·x, and with a `halfS`
// exp(halfS · Σ x_d²) as a fifth. Each row's and entry's values are the
// products of its axes' (last axis first), those evaluated once per axis
// coordinate.
template <bool Fma>
[[gnu::always_inline]] inline void gridTables(const float* axes, int64_t dims,
                                              const TensorGridLayout& grid, const float* k,
                                              const float* l, const float* halfS, float* tables) {
    const int64_t terms = halfS != nullptr ? kGridAngleTerms + 1 : kGridAngleTerms;
    std::array<int64_t, kMaxGridAxes> offset{};
    int64_t total = 0;
    for (int64_t d = 0; d < dims; ++d) {
        offset[size_t(d)] = total;
        total += terms * grid.axisPoints[size_t(d)];
    }
    std::vector<float> axisValues(static_cast<size_t>(total));
    const float* axis = axes;            // axis d's G_d coordinates (gridAxesOf)
    for (int64_t d = 0; d < dims; ++d) { // [term][G_d] per axis
        const int64_t count = grid.axisPoints[size_t(d)];
        float* v = axisValues.data() + offset[size_t(d)];
#pragma GCC ivdep
        for (int64_t i = 0; i < count; ++i) {
            const float x = axis[i];
            sinCos<Fma>(k[d] * x, v[count + i], v[i]);
            sinCos<Fma>(l[d] * x, v[3 * count + i], v[2 * count + i]);
            if (halfS != nullptr) {
                v[4 * count + i] = expNonPositive<Fma>(*halfS * x * x);
            }
        }
        axis += count;
    }
    const float* values = axisValues.data();
    const bool envelope = halfS != nullptr;
    combineAxes<Fma>(grid, values, offset, envelope, 0, grid.innerAxis, grid.rows, tables);
    combineAxes<Fma>(grid, values, offset, envelope, grid.innerAxis, dims, grid.innerPoints,
                     tables + terms * grid.rows);
}

} // namespace dredge::fused
