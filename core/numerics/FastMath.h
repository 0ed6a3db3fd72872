#pragma once
// sin, cos and exp in float for the fused kernels' loops, cheaper than
// glibc's libmvec because they serve only what the kernels need (issue 29):
// sin and cos of one argument from one range reduction (libmvec reduces
// twice), phases |x| ≤ 1e4, and exp of the envelopes' exponents (≤ 0).
// Inline and branch-free, so that GCC vectorises a loop that calls them at
// whatever width the calling clone has (AVX-512, AVX2, SSE2).
//
// Accuracy (tests/test_fused_kernels, fastMath*, against std:: in double,
// over the whole range, in every clone):
//   sinCos: ≤ 2e-7 absolute for |x| ≤ 1e4, and up to 1e5 (measured 1.45e-7
//     with FMA, 1.8e-7 without); past |x| ≈ 1.02e5 the half-turn count is
//     clamped and the result is wrong: no converging fit has phases there
//     (a diverging one shows in its loss).
//   expNonPositive: ≤ 2 ulp relative for −87.3 ≤ x ≤ 0, where exp(x) is a
//     normal float; 0 below (as flush-to-zero gives); x > 0 is not its job.
//
// The kernels are built with -ffast-math, which reassociates: a float
// Cody–Waite reduction written as x − q·C1 − q·C2 − q·C3 is folded back into
// x − q·(C1 + C2 + C3) and loses its point (measured: 3e-4 at |x| = 1e4).
// With Fma (the kernels' AVX2 and AVX-512 copies, see KernelClones.h) the
// reduction is explicit fmaf, which reassociation leaves alone; without
// (baseline x86-64 has no FMA, and fmaf would be a library call there) one
// product and one difference in double, as exact (~1e-12 at 1e4) and ~30 %
// slower.

#include <cstdint>

namespace dredge::fused {

inline uint32_t bitsOf(float x) {
    uint32_t u;
    __builtin_memcpy(&u, &x, sizeof u);
    return u;
}

inline float floatOf(uint32_t u) {
    float x;
    __builtin_memcpy(&x, &u, sizeof x);
    return x;
}

// x rounded to bfloat16 (nearest, ties to even) and back: what autocast's
// casts do to a float (c10::BFloat16's rounding; NaN is not a case here).
inline float roundToBFloat16(float x) {
    const uint32_t u = bitsOf(x);
    return floatOf((u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u);
}

// a·b + c, fused where the copy has FMA. Spelt out, because GCC contracts
// a plain a·b + c or not depending on where it is inlined: a forward and a
// backward computing the same term would differ in the last bit.
template <bool Fma>
[[gnu::always_inline]] inline float multiplyAdd(float a, float b, float c) {
    if constexpr (Fma) {
        return __builtin_fmaf(a, b, c);
    }
    return a * b + c;
}
template <bool Fma>
[[gnu::always_inline]] inline double multiplyAdd(double a, double b, double c) {
    if constexpr (Fma) {
        return __builtin_fma(a, b, c);
    }
    return a * b + c;
}

// The nearest integer to y (ties to even), |y| < 2³¹: one conversion in the
// current rounding mode (cvtps2dq, which every x86-64 clone vectorises).
inline int32_t nearestInt(float y) {
    return __builtin_irintf(y);
}

// y within [lowest, highest] by fmin/fmax, one instruction each: a
// conditional lets GCC specialise the code after it for the bound's
// constant, which cost the kernels a dozen masked instructions per call.
inline float bounded(float y, float lowest, float highest) {
    return __builtin_fminf(__builtin_fmaxf(y, lowest), highest);
}

// x − q·π for |q| ≤ 32768, to a float's rounding.
template <bool Fma>
inline float reducedByHalfTurns(float x, int32_t q) {
    if constexpr (Fma) {
        // π in three parts, the first two with trailing zero bits so that
        // q times them is exact (Cody–Waite).
        const float qf = float(q);
        const float r = __builtin_fmaf(-qf, 3.140625f, x);
        const float s = __builtin_fmaf(-qf, 9.67502593994140625e-4f, r);
        return __builtin_fmaf(-qf, 1.509957979507459e-7f, s);
    }
    return float(double(x) - double(q) * 3.14159265358979323846);
}

// x − n·ln 2 for |n| ≤ 127, to a float's rounding.
template <bool Fma>
inline float reducedByLn2(float x, int32_t n) {
    if constexpr (Fma) {
        const float nf = float(n);
        const float r = __builtin_fmaf(-nf, 0.693359375f, x); // ln 2 in two parts
        return __builtin_fmaf(-nf, -2.12194440e-4f, r);
    }
    return float(double(x) - double(n) * 0.693147180559945309417);
}

// sin(x) and cos(x). Reduction by half turns: q = nearest(x/π), r = x − q·π
// ∈ [−π/2, π/2], so that sin x = (−1)^q sin r and cos x = (−1)^q cos r, one
// sign bit for both (quarter turns need a swap and two signs: 8 more
// instructions than the polynomials' extra terms). sin r and cos r by
// minimax polynomials of degree 9 and 10 on [−π/2, π/2] (fitted for this
// file, float coefficients: 1.7e-8 and 5e-9).
template <bool Fma>
inline void sinCos(float x, float& sine, float& cosine) {
    constexpr float kOneOverPi = 0.318309886183790671538f;
    const int32_t q = nearestInt(bounded(x * kOneOverPi, -32500.f, 32500.f));
    const float r = reducedByHalfTurns<Fma>(x, q);
    const float r2 = r * r;
    const float sr =
        r + r * r2 *
                (-1.666665673e-1f +
                 r2 * (8.333017118e-3f + r2 * (-1.980661473e-4f + r2 * 2.600054586e-6f)));
    const float cr =
        1.0f + r2 * (-5.0e-1f + r2 * (4.166664183e-2f +
                                      r2 * (-1.388840377e-3f +
                                            r2 * (2.476188638e-5f + r2 * -2.607710599e-7f))));
    const uint32_t sign = uint32_t(q) << 31;
    sine = floatOf(bitsOf(sr) ^ sign);
    cosine = floatOf(bitsOf(cr) ^ sign);
}

template <bool Fma>
inline float sinOf(float x) {
    float s, c;
    sinCos<Fma>(x, s, c);
    return s;
}

template <bool Fma>
inline float cosOf(float x) {
    float s, c;
    sinCos<Fma>(x, s, c);
    return c;
}

// exp(x) for x ≤ 0: 2^n · exp(r), n = nearest(x·log2 e), r = x − n·ln 2 ∈
// [−ln2/2, ln2/2], exp(r) by Cephes' expf polynomial, 2^n built in the
// exponent bits. 0 where exp(x) is below the smallest normal float.
template <bool Fma>
inline float expNonPositive(float x) {
    constexpr float kLog2e = 1.44269504088896341f;
    constexpr float kLowest = -87.33654475f; // ln(2^−126)
    const float clamped = bounded(x, kLowest, 0.0f);
    const int32_t n = nearestInt(clamped * kLog2e); // in [−126, 0]: clamped is
    const float r = reducedByLn2<Fma>(clamped, n);
    const float p = 1.9875691500e-4f * r + 1.3981999507e-3f;
    const float poly =
        ((((p * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r + 1.6666665459e-1f) * r +
         5.0000001201e-1f);
    const float expR = 1.0f + r + r * r * poly;
    // n ≥ −126: 2^n is a normal float; exp(r) < 1 may take the product below.
    const float scale = floatOf(uint32_t(n + 127) << 23);
    return x < kLowest ? 0.0f : expR * scale;
}

// Doubles: the C library's (the kernels call these only for float).
template <bool Fma>
inline double expNonPositive(double x) {
    return __builtin_exp(x);
}

} // namespace dredge::fused
