// Built with -O3 -ffast-math (this file only, see CMakeLists.txt): fast-math
// lets GCC vectorise the loops below over points and reorder the per-wave
// sums. Float sin, cos and exp are FastMath.h's, inline; doubles call glibc's
// libmvec. Each entry point is compiled once per copy (AVX-512, AVX2 + FMA,
// baseline: KernelClones.h) and runs the best one this CPU has.

#include "FusedWaveKernel.h"
#include "FastMath.h"
#include "FusedAxisSums.h"
#include "FusedGridTables.h"
#include "KernelClones.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>

namespace dredge::fused {
namespace {

constexpr int64_t kBlock = 256; // points per block: the temporaries stay in L1

// Per-block scratch: the wave's projections for the block's points. r² goes
// straight into its place among the terms (which keep it for the backward).
template <typename Scalar>
struct Projections {
    Scalar kx[kBlock], lx[kBlock];
    Scalar* r2;
};

// The projections with the axes unrolled (Dims known at compile time): the
// per-point sums stay in registers, where the loop over axes below loads and
// stores them once per axis. Static (t = 0): k·x and λ·x only, r² being the
// waves' shared ‖x‖².
template <int Dims, bool Fma, bool Static, typename Scalar>
[[gnu::always_inline]] inline void
projectUnrolled(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0, int64_t len,
                const WaveParameters<Scalar>& p, int64_t wave, Projections<Scalar>& s) {
    const Scalar* k = p.k + wave * Dims;
    const Scalar* v = p.velocity + wave * Dims;
    const Scalar* l = p.lambda + wave * Dims;
    const Scalar omega = p.omega[wave];
    for (int64_t j = 0; j < len; ++j) {
        const Scalar tj = Static ? Scalar(0) : t[b0 + j];
        Scalar kx = Static ? Scalar(0) : -omega * tj, lx = 0, r2 = 0;
        for (int d = 0; d < Dims; ++d) {
            const Scalar xd = xT[d * n + b0 + j];
            kx += k[d] * xd;
            lx += l[d] * xd;
            if constexpr (!Static) {
                const Scalar rel = xd - v[d] * tj;
                r2 += rel * rel;
            }
        }
        s.kx[j] = kx;
        s.lx[j] = lx;
        if constexpr (!Static) {
            s.r2[j] = r2;
        }
    }
}

// k·x − ω t, λ·x and ‖x − v t‖² of one wave for the block's points (static:
// r² is left to sharedSquaredNorms()).
template <bool Fma, bool Static, typename Scalar>
[[gnu::always_inline]] inline void project(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0,
                                           int64_t len, const WaveParameters<Scalar>& p,
                                           int64_t wave, Projections<Scalar>& s) {
    switch (p.dims) { // the data sets' dimensions and those between
    case 1:
        return projectUnrolled<1, Fma, Static>(xT, t, n, b0, len, p, wave, s);
    case 2:
        return projectUnrolled<2, Fma, Static>(xT, t, n, b0, len, p, wave, s);
    case 3:
        return projectUnrolled<3, Fma, Static>(xT, t, n, b0, len, p, wave, s);
    case 4:
        return projectUnrolled<4, Fma, Static>(xT, t, n, b0, len, p, wave, s);
    case 5:
        return projectUnrolled<5, Fma, Static>(xT, t, n, b0, len, p, wave, s);
    default:
        break;
    }
    const int64_t D = p.dims;
    const Scalar* k = p.k + wave * D;
    const Scalar* v = p.velocity + wave * D;
    const Scalar* l = p.lambda + wave * D;
    const Scalar omega = p.omega[wave];
    for (int64_t j = 0; j < len; ++j) {
        s.kx[j] = Static ? Scalar(0) : -omega * t[b0 + j];
        s.lx[j] = 0;
        if constexpr (!Static) {
            s.r2[j] = 0;
        }
    }
    for (int64_t d = 0; d < D; ++d) {
        const Scalar* xd = xT + d * n + b0;
        const Scalar kd = k[d], vd = v[d], ld = l[d];
        for (int64_t j = 0; j < len; ++j) {
            s.kx[j] += kd * xd[j];
            s.lx[j] += ld * xd[j];
            if constexpr (!Static) {
                const Scalar rel = xd[j] - vd * t[b0 + j];
                s.r2[j] += rel * rel;
            }
        }
    }
}

// ‖x‖² of the block's points: every wave's r² when t = 0.
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void sharedSquaredNorms(const Scalar* xT, int64_t n, int64_t b0,
                                                      int64_t len, int64_t dims, Scalar* r2) {
    for (int64_t j = 0; j < len; ++j) {
        r2[j] = 0;
    }
    for (int64_t d = 0; d < dims; ++d) {
        const Scalar* xd = xT + d * n + b0;
        for (int64_t j = 0; j < len; ++j) {
            r2[j] += xd[j] * xd[j];
        }
    }
}

// One wave's terms over one block (see kWaveTerms), as arrays of the block's
// length. One transcendental per loop: GCC would merge a sin and a cos of the
// same value into a scalar sincos call, which stops vectorisation; separate
// loops over arrays keep each on libmvec.
template <typename Scalar>
struct Terms {
    Scalar *cp, *sp, *e, *cq, *sq, *m, *cu, *r2;

    // Views of `base`, laid out [term][stride].
    static Terms at(Scalar* base, int64_t stride) {
        return {base,
                base + stride,
                base + 2 * stride,
                base + 3 * stride,
                base + 4 * stride,
                base + 5 * stride,
                base + 6 * stride,
                base + 7 * stride};
    }
};

// Where the terms are kept: a whole forward's for all N points (stride N,
// origin 0), or one epoch block's (stride and origin the block's).
template <typename Scalar>
struct KeptTerms {
    Scalar* base = nullptr;
    int64_t stride = 0;
    int64_t origin = 0;

    explicit operator bool() const { return base != nullptr; }
    // Wave i's terms for the points from b0 on.
    Terms<Scalar> at(int64_t wave, int64_t b0) const {
        return Terms<Scalar>::at(base + wave * kWaveTerms * stride + (b0 - origin), stride);
    }
};

// Fills the terms for the block's points (r² is there already, from
// project()); without `backwardToo`, only those the forward uses (cp, e, cq, m).
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void evaluateTerms(const Projections<Scalar>& s, int64_t len,
                                                 const WaveParameters<Scalar>& p, int64_t wave,
                                                 const Terms<Scalar>& out, bool backwardToo) {
    const Scalar halfS = Scalar(-0.5) * std::exp(Scalar(-2) * p.logSigma[wave]);
    const Scalar phi = p.phi[wave], eps = p.epsilon[wave];
    if constexpr (std::is_same_v<Scalar, float>) {
        // FastMath.h's sin/cos pairs and exp, inline, each pair from one range
        // reduction. u's pair depends on cos(λ·x), so it has a loop of its
        // own: in one loop the chain through both pairs (about 100 cycles)
        // kept too few points in flight (measured: ~10 % slower epochs).
        if (backwardToo) {
#pragma GCC ivdep
            for (int64_t j = 0; j < len; ++j) {
                sinCos<Fma>(s.kx[j], out.sp[j], out.cp[j]);
                out.e[j] = expNonPositive<Fma>(halfS * s.r2[j]);
                sinCos<Fma>(s.lx[j], out.sq[j], out.cq[j]);
            }
        } else {
#pragma GCC ivdep
            for (int64_t j = 0; j < len; ++j) {
                out.cp[j] = cosOf<Fma>(s.kx[j]);
                out.e[j] = expNonPositive<Fma>(halfS * s.r2[j]);
                out.cq[j] = cosOf<Fma>(s.lx[j]);
            }
        }
        modulationOf<Fma>(out.cq, phi, eps, len, out.m, backwardToo ? out.cu : nullptr);
        return;
    }
    for (int64_t j = 0; j < len; ++j) {
        out.cp[j] = std::cos(s.kx[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.e[j] = std::exp(halfS * s.r2[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.cq[j] = std::cos(s.lx[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.m[j] = std::sin(phi + eps * out.cq[j]); // u = φ + ε cos(λ·x)
    }
    if (!backwardToo) {
        return;
    }
    for (int64_t j = 0; j < len; ++j) {
        out.sp[j] = std::sin(s.kx[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.sq[j] = std::sin(s.lx[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.cu[j] = std::cos(phi + eps * out.cq[j]);
    }
}

// The terms of wave `wave` for the block's points from the grid tables (see
// TensorGridLayout.h): cos(a + b) = cos a cos b − sin a sin b over a row's
// outer sum a and an entry's inner sum b, and the envelope as the product of
// its row's and its entry's. Only u's sine and cosine are evaluated here.
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void gridTerms(int64_t b0, int64_t len,
                                             const WaveParameters<Scalar>& p, int64_t wave,
                                             const Terms<Scalar>& out, bool backwardToo) {
    static_assert(std::is_same_v<Scalar, float>, "the grid path is float's");
    const int64_t S = p.grid.innerPoints, rows = p.grid.rows;
    const Scalar* rowTerms = p.gridTables + wave * kGridTerms * (rows + S);
    const Scalar* entryTerms = rowTerms + kGridTerms * rows;
    const Scalar phi = p.phi[wave], eps = p.epsilon[wave];
    for (int64_t j = 0; j < len;) {
        const auto [row, q, seg] = gridSegmentAt(p.grid, b0, j, len);
        Scalar *cq = out.cq + j, *e = out.e + j;
        gridSegmentAngles<Fma>(rowTerms, rows, entryTerms, S, row, q, seg, out.cp + j,
                               backwardToo ? out.sp + j : nullptr, cq,
                               backwardToo ? out.sq + j : nullptr);
        const Scalar er = rowTerms[4 * rows + row];
        const Scalar* ei = entryTerms + 4 * S + q;
        for (int64_t i = 0; i < seg; ++i) {
            e[i] = er * ei[i];
        }
        modulationOf<Fma>(cq, phi, eps, seg, out.m + j, backwardToo ? out.cu + j : nullptr);
        j += seg;
    }
}

// Each wave's tables: its rows' (outer axes), then its entries' (inner).
template <bool Fma>
[[gnu::always_inline]] inline void gridTablesImpl(const float* axes, const WaveParameters<float>& p,
                                                  const TensorGridLayout& grid, float* tables) {
    const int64_t D = p.dims;
    for (int64_t i = 0; i < p.waves; ++i) {
        const float halfS = -0.5f * std::exp(-2.0f * p.logSigma[i]);
        gridTables<Fma>(axes, D, grid, p.k + i * D, p.lambda + i * D, &halfS,
                        tables + i * kGridTerms * (grid.rows + grid.innerPoints));
    }
}

// One wave's terms for the block's points: from the grid tables (Grid, see
// gridTerms), else evaluated at each point from its projections. A template
// flag, not a branch: the point-by-point kernels stay as they were compiled
// before the grid path (GCC schedules the whole inlined epoch differently
// when both are in it: 25 % slower on the chirp).
template <bool Fma, bool Static, bool Grid, typename Scalar>
[[gnu::always_inline]] inline void
termsOfBlock(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0, int64_t len,
             const WaveParameters<Scalar>& p, int64_t wave, Projections<Scalar>& s,
             const Terms<Scalar>& out, bool backwardToo) {
    if constexpr (Grid) {
        gridTerms<Fma>(b0, len, p, wave, out, backwardToo);
    } else {
        project<Fma, Static>(xT, t, n, b0, len, p, wave, s);
        evaluateTerms<Fma>(s, len, p, wave, out, backwardToo);
    }
}

// The forward over [begin, end). Static: the block's ‖x‖² is computed once,
// into the first wave's r² (kept for the backward) or a local array.
// Mixed precision's rounding of a float to bfloat16 (FastMath.h); doubles
// never take the bfloat16 path.
template <typename Scalar>
inline Scalar bf16(Scalar x) {
    if constexpr (std::is_same_v<Scalar, float>) {
        return roundToBFloat16(x);
    }
    return x;
}

// Many: C > 1 outputs, out [N][C] (never with BFloat16); one output keeps
// its own loops, which the compiler vectorises over points.
template <bool Fma, bool Static, bool BFloat16, bool Grid, bool Many, typename Scalar>
[[gnu::always_inline]] inline void
forwardBlocks(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
              const WaveParameters<Scalar>& p, Scalar* out, const KeptTerms<Scalar>& kept) {
    Projections<Scalar> s;
    Scalar scratch[kWaveTerms * kBlock];
    Scalar norms[kBlock];
    const int64_t C = Many ? p.outputs : 1;
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
        const int64_t len = std::min(kBlock, end - b0);
        if constexpr (Many) {
            for (int64_t j = 0; j < len; ++j) {
                std::copy_n(p.headBiases, C, out + (b0 + j) * C);
            }
        } else {
            for (int64_t j = 0; j < len; ++j) {
                out[b0 + j] = BFloat16 ? bf16(p.headBias) : p.headBias;
            }
        }
        Scalar* shared = nullptr;
        if constexpr (Static) {
            shared = kept && p.waves > 0 ? kept.at(0, b0).r2 : norms;
            sharedSquaredNorms<Fma>(xT, n, b0, len, p.dims, shared);
        }
        for (int64_t i = 0; i < p.waves; ++i) {
            const auto terms = kept ? kept.at(i, b0) : Terms<Scalar>::at(scratch, kBlock);
            s.r2 = Static ? shared : terms.r2;
            termsOfBlock<Fma, Static, Grid>(xT, t, n, b0, len, p, i, s, terms, bool(kept));
            if constexpr (Many) { // out_c += w_c A cos e m, each output's weight in turn
                for (int64_t c = 0; c < C; ++c) {
                    const Scalar scale = p.headWeight[c * p.waves + i] * p.amplitude[i];
                    Scalar* o = out + b0 * C + c;
                    for (int64_t j = 0; j < len; ++j) {
                        o[j * C] += scale * terms.cp[j] * terms.e[j] * terms.m[j];
                    }
                }
            } else if constexpr (BFloat16) { // out += bf16(w) · bf16(ψ), ψ = A cos e m
                const Scalar w = bf16(p.headWeight[i]), A = p.amplitude[i];
                for (int64_t j = 0; j < len; ++j) {
                    out[b0 + j] += w * bf16(A * terms.cp[j] * terms.e[j] * terms.m[j]);
                }
            } else {
                const Scalar scale = p.headWeight[i] * p.amplitude[i];
                for (int64_t j = 0; j < len; ++j) {
                    out[b0 + j] += scale * terms.cp[j] * terms.e[j] * terms.m[j];
                }
            }
        }
        if constexpr (BFloat16) { // the GEMM's float sum, stored as bfloat16
            for (int64_t j = 0; j < len; ++j) {
                out[b0 + j] = bf16(out[b0 + j]);
            }
        }
    }
}

template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void
forwardImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
            const WaveParameters<Scalar>& p, Scalar* out, const KeptTerms<Scalar>& kept) {
    const bool bfloat16 = std::is_same_v<Scalar, float> && p.bfloat16Head;
    if (p.outputs > 1) {
        if constexpr (std::is_same_v<Scalar, float>) {
            if (p.staticTime && p.gridTables != nullptr) {
                forwardBlocks<Fma, true, false, true, true>(xT, t, n, begin, end, p, out, kept);
                return;
            }
        }
        if (p.staticTime) {
            forwardBlocks<Fma, true, false, false, true>(xT, t, n, begin, end, p, out, kept);
        } else {
            forwardBlocks<Fma, false, false, false, true>(xT, t, n, begin, end, p, out, kept);
        }
        return;
    }
    if constexpr (std::is_same_v<Scalar, float>) {
        if (p.staticTime && p.gridTables != nullptr) {
            bfloat16
                ? forwardBlocks<Fma, true, true, true, false>(xT, t, n, begin, end, p, out, kept)
                : forwardBlocks<Fma, true, false, true, false>(xT, t, n, begin, end, p, out, kept);
            return;
        }
    }
    if (p.staticTime) {
        bfloat16
            ? forwardBlocks<Fma, true, true, false, false>(xT, t, n, begin, end, p, out, kept)
            : forwardBlocks<Fma, true, false, false, false>(xT, t, n, begin, end, p, out, kept);
    } else {
        bfloat16
            ? forwardBlocks<Fma, false, true, false, false>(xT, t, n, begin, end, p, out, kept)
            : forwardBlocks<Fma, false, false, false, false>(xT, t, n, begin, end, p, out, kept);
    }
}

// The backward over [begin, end). Static: r² is the block's shared ‖x‖²
// (kept as the first wave's, or computed again), and the sums of t drop out.
// Many: C > 1 outputs, gradOut [N][C] (as forwardBlocks).
template <bool Fma, bool Static, bool BFloat16, bool Grid, bool Many, typename Scalar>
[[gnu::always_inline]] inline void
backwardBlocks(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
               const WaveParameters<Scalar>& p, const Scalar* gradOut,
               const KeptTerms<Scalar>& kept, const WaveGradients& g) {
    const int64_t D = p.dims;
    const int64_t C = Many ? p.outputs : 1;
    Projections<Scalar> s;
    Scalar dp[kBlock], de[kBlock], dq[kBlock], det[kBlock], goRounded[kBlock];
    Scalar combined[Many ? kBlock : 1]; // Many: dL/dψ of the wave, Σ_c dL/dout_c · w_c
    Scalar scratch[kWaveTerms * kBlock];
    Scalar norms[kBlock];
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
        const int64_t len = std::min(kBlock, end - b0);
        const Scalar* go = gradOut + b0 * C;
        if constexpr (BFloat16) { // the head's backward takes dL/dout in bfloat16
            for (int64_t j = 0; j < len; ++j) {
                goRounded[j] = bf16(go[j]);
            }
            go = goRounded;
        }
        if constexpr (Many) {
            for (int64_t c = 0; c < C; ++c) {
                Scalar biasSum = 0;
                for (int64_t j = 0; j < len; ++j) {
                    biasSum += go[j * C + c];
                }
                g.headBias[c] += biasSum;
            }
        } else {
            Scalar biasSum = 0;
            for (int64_t j = 0; j < len; ++j) {
                biasSum += go[j];
            }
            *g.headBias += biasSum;
        }
        const Scalar* shared = nullptr;
        if constexpr (Static) {
            if (kept && p.waves > 0) {
                shared = kept.at(0, b0).r2;
            } else {
                sharedSquaredNorms<Fma>(xT, n, b0, len, D, norms);
                shared = norms;
            }
        }
        for (int64_t i = 0; i < p.waves; ++i) {
            // With kept terms the projections are not needed (r² is kept too).
            Terms<Scalar> terms;
            if (kept) {
                terms = kept.at(i, b0);
            } else {
                terms = Terms<Scalar>::at(scratch, kBlock);
                s.r2 = Static ? norms : terms.r2;
                termsOfBlock<Fma, Static, Grid>(xT, t, n, b0, len, p, i, s, terms, true);
            }
            const Scalar *cp = terms.cp, *sp = terms.sp, *e = terms.e, *cq = terms.cq;
            const Scalar *sq = terms.sq, *m = terms.m, *cu = terms.cu;
            const Scalar* r2 = Static ? shared : terms.r2;
            const Scalar sigmaInv2 = std::exp(Scalar(-2) * p.logSigma[i]);
            const Scalar halfS = Scalar(-0.5) * sigmaInv2;
            const Scalar A = p.amplitude[i];
            const Scalar w = BFloat16 ? bf16(p.headWeight[i]) : p.headWeight[i];
            const Scalar eps = p.epsilon[i];
            if constexpr (Many) { // each output's head weight, then dL/dψ over the outputs
                for (int64_t c = 0; c < C; ++c) {
                    Scalar sum = 0;
                    for (int64_t j = 0; j < len; ++j) {
                        sum += go[j * C + c] * (A * cp[j] * (e[j] * m[j]));
                    }
                    g.headWeight[c * p.waves + i] += sum;
                }
                for (int64_t j = 0; j < len; ++j) {
                    combined[j] = 0;
                }
                for (int64_t c = 0; c < C; ++c) {
                    const Scalar wc = p.headWeight[c * p.waves + i];
                    for (int64_t j = 0; j < len; ++j) {
                        combined[j] += go[j * C + c] * wc;
                    }
                }
            }
            // dL/dψ is gw·go (one output: gw = w, applied to the sums and the
            // products' shared factor rather than per point). dp and dq are
            // kept without their signs (and dq without ε): the sums they feed
            // take them once per block.
            const Scalar gwScale = (Many || BFloat16) ? Scalar(1) : w;
            const Scalar hScale = gwScale * A;
            Scalar sumGCem = 0, sumW = 0, sumOmega = 0, sumPhi = 0, sumEps = 0;
            Scalar sumDeR2 = 0, sumDeT2 = 0;
            for (int64_t j = 0; j < len; ++j) {
                // dL/dψ over gwScale; in bfloat16, the GEMM's product stored as bfloat16
                const Scalar gw = Many ? combined[j] : BFloat16 ? bf16(go[j] * w) : go[j];
                const Scalar h = gw * hScale; // dL/dψ · A
                const Scalar em = e[j] * m[j];
                const Scalar ce = cp[j] * e[j];
                const Scalar cem = ce * m[j];
                if constexpr (BFloat16) {
                    sumW += go[j] * bf16(A * cem);
                }
                sumGCem += gw * cem;
                dp[j] = h * em * sp[j]; // −dL/d(phase)
                de[j] = h * cem;        // dL/d(−½ r² σ⁻²), the envelope's exponent
                const Scalar du = h * ce * cu[j]; // dL/du
                sumPhi += du;
                sumEps += du * cq[j];
                dq[j] = du * sq[j]; // dL/d(λ·x) / (−ε)
                sumDeR2 += de[j] * r2[j];
                if constexpr (!Static) {
                    const Scalar tj = t[b0 + j];
                    sumOmega += dp[j] * tj;
                    det[j] = de[j] * tj;
                    sumDeT2 += det[j] * tj;
                }
            }
            if constexpr (!Many) { // dL/dw = Σ go ψ = A Σ go cos e m
                g.headWeight[i] += BFloat16 ? sumW : A * sumGCem;
            }
            g.amplitude[i] += gwScale * sumGCem;
            g.omega[i] += sumOmega;
            g.phi[i] += sumPhi;
            g.epsilon[i] += sumEps;
            g.logSigma[i] += sumDeR2 * sigmaInv2;
            // Per axis: k and λ; v through r² (d r²/d v = −2 (x − v t) t, and
            // dL/d r² = de · (−½ σ⁻²)), its sum Σ de (x − v t) t taken as
            // Σ de t x − v Σ de t² (0 when t = 0). log σ above, through the
            // exponent (d/d log σ of −½ r² σ⁻² = r² σ⁻²), from the kept r².
            if constexpr (Static) {
                const Scalar* weights[2] = {dp, dq};
                axisSums(D, xT, n, b0, len, weights, [&](int d, const Scalar* sums) {
                    g.k[i * D + d] -= sums[0];            // −Σ dp x_d
                    g.lambda[i * D + d] -= eps * sums[1]; // −ε Σ dq x_d
                });
            } else {
                const Scalar* weights[3] = {dp, dq, det};
                axisSums(D, xT, n, b0, len, weights, [&](int d, const Scalar* sums) {
                    // sums: Σ dp x_d, Σ dq x_d, Σ de t x_d
                    const Scalar sumDeRelT = sums[2] - p.velocity[i * D + d] * sumDeT2;
                    g.k[i * D + d] -= sums[0];
                    g.velocity[i * D + d] += sumDeRelT * halfS * Scalar(-2);
                    g.lambda[i * D + d] -= eps * sums[1];
                });
            }
        }
    }
}

template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void
backwardImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
             const WaveParameters<Scalar>& p, const Scalar* gradOut, const KeptTerms<Scalar>& kept,
             const WaveGradients& g) {
    const bool bf = std::is_same_v<Scalar, float> && p.bfloat16Head;
    if (p.outputs > 1) {
        if constexpr (std::is_same_v<Scalar, float>) {
            if (p.staticTime && p.gridTables != nullptr) {
                backwardBlocks<Fma, true, false, true, true>(xT, t, n, begin, end, p, gradOut, kept,
                                                             g);
                return;
            }
        }
        if (p.staticTime) {
            backwardBlocks<Fma, true, false, false, true>(xT, t, n, begin, end, p, gradOut, kept,
                                                          g);
        } else {
            backwardBlocks<Fma, false, false, false, true>(xT, t, n, begin, end, p, gradOut, kept,
                                                           g);
        }
        return;
    }
    if constexpr (std::is_same_v<Scalar, float>) {
        if (p.staticTime && p.gridTables != nullptr) {
            bf ? backwardBlocks<Fma, true, true, true, false>(xT, t, n, begin, end, p, gradOut,
                                                              kept, g)
               : backwardBlocks<Fma, true, false, true, false>(xT, t, n, begin, end, p, gradOut,
                                                               kept, g);
            return;
        }
    }
    if (p.staticTime) {
        bf ? backwardBlocks<Fma, true, true, false, false>(xT, t, n, begin, end, p, gradOut, kept,
                                                           g)
           : backwardBlocks<Fma, true, false, false, false>(xT, t, n, begin, end, p, gradOut, kept,
                                                            g);
    } else {
        bf ? backwardBlocks<Fma, false, true, false, false>(xT, t, n, begin, end, p, gradOut, kept,
                                                            g)
           : backwardBlocks<Fma, false, false, false, false>(xT, t, n, begin, end, p, gradOut, kept,
                                                             g);
    }
}

// A whole epoch over [begin, end), block by block: the block's forward keeps
// its terms in `scratch`, the loss turns its outputs into dL/dout, and the
// backward reads the terms back while they are still in cache.
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void
epochImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
          const WaveParameters<Scalar>& p, const LossTargets<Scalar>& targets, Scalar* out,
          Scalar* gradOut, Scalar* scratch, const WaveGradients& g, LossSums& loss) {
    const int64_t block = waveEpochBlock(p.waves);
    for (int64_t b0 = begin; b0 < end; b0 += block) {
        const int64_t b1 = std::min(end, b0 + block);
        const KeptTerms<Scalar> kept{scratch, block, b0};
        forwardImpl<Fma>(xT, t, n, b0, b1, p, out, kept);
        lossOverElements(out, targets, b0 * p.outputs, b1 * p.outputs, gradOut, loss);
        backwardImpl<Fma>(xT, t, n, b0, b1, p, gradOut, kept, g);
    }
}

// The entry points, each compiled once per copy (KernelClones.h).
DREDGE_KERNEL_ENTRY(ForwardEntry, forwardImpl);
DREDGE_KERNEL_ENTRY(BackwardEntry, backwardImpl);
DREDGE_KERNEL_ENTRY(EpochEntry, epochImpl);
DREDGE_KERNEL_ENTRY(GridTablesEntry, gridTablesImpl);

} // namespace

int64_t waveEpochBlock(int64_t waves) {
    return epochBlockPoints(waves * kWaveTerms, kBlock);
}

void waveGridTables(const float* axes, const WaveParameters<float>& p, const TensorGridLayout& grid,
                    float* tables) {
    runInBestCopy<GridTablesEntry>(axes, p, grid, tables);
}

template <typename Scalar>
void waveEnsembleForward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                         const WaveParameters<Scalar>& p, Scalar* out, Scalar* terms) {
    runInBestCopy<ForwardEntry>(xT, t, n, begin, end, p, out, KeptTerms<Scalar>{terms, n, 0});
}

template <typename Scalar>
void waveEnsembleBackward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                          const WaveParameters<Scalar>& p, const Scalar* gradOut,
                          const Scalar* terms, const WaveGradients& grad) {
    runInBestCopy<BackwardEntry>(xT, t, n, begin, end, p, gradOut,
                                 KeptTerms<Scalar>{const_cast<Scalar*>(terms), n, 0}, grad);
}

template <typename Scalar>
void waveEnsembleEpoch(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                       const WaveParameters<Scalar>& p, const LossTargets<Scalar>& targets,
                       Scalar* out, Scalar* gradOut, Scalar* scratch, const WaveGradients& grad,
                       LossSums& loss) {
    runInBestCopy<EpochEntry>(xT, t, n, begin, end, p, targets, out, gradOut, scratch, grad, loss);
}

#define DREDGE_INSTANTIATE(Scalar)                                                                 \
    template void waveEnsembleForward<Scalar>(const Scalar*, const Scalar*, int64_t, int64_t,      \
                                              int64_t, const WaveParameters<Scalar>&, Scalar*,     \
                                              Scalar*);                                            \
    template void waveEnsembleBackward<Scalar>(                                                    \
        const Scalar*, const Scalar*, int64_t, int64_t, int64_t, const WaveParameters<Scalar>&,    \
        const Scalar*, const Scalar*, const WaveGradients&);                                       \
    template void waveEnsembleEpoch<Scalar>(                                                       \
        const Scalar*, const Scalar*, int64_t, int64_t, int64_t, const WaveParameters<Scalar>&,    \
        const LossTargets<Scalar>&, Scalar*, Scalar*, Scalar*, const WaveGradients&, LossSums&);
DREDGE_INSTANTIATE(float)
DREDGE_INSTANTIATE(double)
#undef DREDGE_INSTANTIATE

} // namespace dredge::fused
