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
//   sinCos: ≤ 2e-7 absolute for |x| ≤ 1e4, and up to 1e5 (measured 9.3e-8);
//     past |x| ≈ 1.0e5 the quadrant is clamped and the result is wrong: no
//     converging fit has phases there (a diverging one shows in its loss).
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

// The nearest integer to y for |y| ≤ 65000, in instructions every x86-64
// clone vectorises: shifted positive, a truncating conversion is a floor
// (SSE2 has no vector round; a sign-dependent ±0.5 costs GCC a dozen blends).
// Near a half the sum may round either way, which moves the reduced argument
// by at most 2⁻⁷·π/2 past ±π/4, inside the polynomials' accurate range.
inline int32_t nearestInt(float y) {
    return int32_t(y + 65536.5f) - 65536;
}

// sin(x) and cos(x). Reduction: q = nearest(x·2/π), r = x − q·π/2 ∈ ~[−π/4, π/4];
// then sin r and cos r by minimax polynomials (Cephes' sinf/cosf), swapped and
// negated by q mod 4.
// x − q·π/2 for |q| ≤ 65000, to a float's rounding.
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

template <bool Fma>
inline float reducedByQuarterTurns(float x, int32_t q) {
    if constexpr (Fma) {
        // π/2 in three parts, the first two with trailing zero bits so that
        // q times them is exact (Cody–Waite).
        const float qf = float(q);
        const float r = __builtin_fmaf(-qf, 1.5703125f, x);
        const float s = __builtin_fmaf(-qf, 4.837512969970703125e-4f, r);
        return __builtin_fmaf(-qf, 7.549789948768648e-8f, s);
    }
    return float(double(x) - double(q) * 1.57079632679489661923);
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

template <bool Fma>
inline void sinCos(float x, float& sine, float& cosine) {
    constexpr float kTwoOverPi = 0.636619772367581343f;
    const float y = x * kTwoOverPi;
    const float bounded = y < -65000.f ? -65000.f : (y > 65000.f ? 65000.f : y); // see nearestInt
    const int32_t q = nearestInt(bounded);
    const float r = reducedByQuarterTurns<Fma>(x, q);
    const float r2 = r * r;
    const float sr =
        r + r * r2 * (-1.6666654611e-1f + r2 * (8.3321608736e-3f + r2 * -1.9515295891e-4f));
    const float cr =
        1.0f - 0.5f * r2 +
        r2 * r2 *
            (4.166664568298827e-2f + r2 * (-1.388731625493765e-3f + r2 * 2.443315711809948e-5f));
    // Quadrant q mod 4: sin x = sin r, cos r, −sin r, −cos r; cos x = cos r,
    // −sin r, −cos r, sin r. Sign flips as a bit, so that nothing branches.
    const bool odd = (q & 1) != 0;
    const uint32_t sineSign = uint32_t(q & 2) << 30;
    const uint32_t cosineSign = uint32_t((q + 1) & 2) << 30;
    sine = floatOf(bitsOf(odd ? cr : sr) ^ sineSign);
    cosine = floatOf(bitsOf(odd ? sr : cr) ^ cosineSign);
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
    const float clamped = x < kLowest ? kLowest : (x > 0.0f ? 0.0f : x);
    const int32_t n = nearestInt(clamped * kLog2e);
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
