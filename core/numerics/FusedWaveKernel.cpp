// Built with -O3 -ffast-math (this file only, see CMakeLists.txt): fast-math
// lets GCC vectorise the loops below over points, calling glibc's libmvec for
// sin, cos and exp, and reorder the per-wave sums. See KernelClones.h for the
// AVX2 copy.

#include "FusedWaveKernel.h"
#include "KernelClones.h"

#include <cmath>
#include <vector>

namespace dredge::fused {
namespace {

constexpr int64_t kBlock = 256; // points per block: the temporaries stay in L1

// Per-block scratch: the wave's projections for the block's points.
template <typename Scalar>
struct Projections {
    Scalar kx[kBlock], lx[kBlock], r2[kBlock];
};

template <typename Scalar>
inline void project(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0, int64_t len,
                    const WaveParameters<Scalar>& p, int64_t wave, Projections<Scalar>& s) {
    const int64_t D = p.dims;
    const Scalar* k = p.k + wave * D;
    const Scalar* v = p.velocity + wave * D;
    const Scalar* l = p.lambda + wave * D;
    const Scalar omega = p.omega[wave];
    for (int64_t j = 0; j < len; ++j) {
        s.kx[j] = -omega * t[b0 + j];
        s.lx[j] = 0;
        s.r2[j] = 0;
    }
    for (int64_t d = 0; d < D; ++d) {
        const Scalar* xd = xT + d * n + b0;
        const Scalar kd = k[d], vd = v[d], ld = l[d];
        for (int64_t j = 0; j < len; ++j) {
            const Scalar rel = xd[j] - vd * t[b0 + j];
            s.kx[j] += kd * xd[j];
            s.lx[j] += ld * xd[j];
            s.r2[j] += rel * rel;
        }
    }
}

// One wave's terms over one block (see kWaveTerms), as arrays of the block's
// length. One transcendental per loop: GCC would merge a sin and a cos of the
// same value into a scalar sincos call, which stops vectorisation; separate
// loops over arrays keep each on libmvec.
template <typename Scalar>
struct Terms {
    Scalar *cp, *sp, *e, *cq, *sq, *m, *cu;

    // Views of `base`, laid out [term][stride].
    static Terms at(Scalar* base, int64_t stride) {
        return {base,
                base + stride,
                base + 2 * stride,
                base + 3 * stride,
                base + 4 * stride,
                base + 5 * stride,
                base + 6 * stride};
    }
};

// Fills the terms for the block's points; without `backwardToo`, only those
// the forward uses (cp, e, cq, m).
template <typename Scalar>
inline void evaluateTerms(const Projections<Scalar>& s, int64_t len,
                          const WaveParameters<Scalar>& p, int64_t wave, const Terms<Scalar>& out,
                          bool backwardToo) {
    const Scalar halfS = Scalar(-0.5) * std::exp(Scalar(-2) * p.logSigma[wave]);
    const Scalar phi = p.phi[wave], eps = p.epsilon[wave];
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

template <typename Scalar>
DREDGE_CLONES void forwardImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin,
                               int64_t end, const WaveParameters<Scalar>& p, Scalar* out,
                               Scalar* kept) {
    Projections<Scalar> s;
    Scalar scratch[kWaveTerms * kBlock];
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
        const int64_t len = std::min(kBlock, end - b0);
        for (int64_t j = 0; j < len; ++j) {
            out[b0 + j] = p.headBias;
        }
        for (int64_t i = 0; i < p.waves; ++i) {
            project(xT, t, n, b0, len, p, i, s);
            const auto terms = kept ? Terms<Scalar>::at(kept + i * kWaveTerms * n + b0, n)
                                    : Terms<Scalar>::at(scratch, kBlock);
            evaluateTerms(s, len, p, i, terms, kept != nullptr);
            const Scalar scale = p.headWeight[i] * p.amplitude[i];
            for (int64_t j = 0; j < len; ++j) {
                out[b0 + j] += scale * terms.cp[j] * terms.e[j] * terms.m[j];
            }
        }
    }
}

template <typename Scalar>
DREDGE_CLONES void backwardImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin,
                                int64_t end, const WaveParameters<Scalar>& p, const Scalar* gradOut,
                                const Scalar* kept, const WaveGradients& g) {
    const int64_t D = p.dims;
    Projections<Scalar> s;
    Scalar dp[kBlock], de[kBlock], dq[kBlock];
    Scalar scratch[kWaveTerms * kBlock];
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
        const int64_t len = std::min(kBlock, end - b0);
        const Scalar* go = gradOut + b0;
        Scalar biasSum = 0;
        for (int64_t j = 0; j < len; ++j) {
            biasSum += go[j];
        }
        *g.headBias += biasSum;
        for (int64_t i = 0; i < p.waves; ++i) {
            // With kept terms the projections are not needed: the one use of
            // ‖x − v t‖², log σ's gradient, is summed per axis below.
            Terms<Scalar> terms;
            if (kept) {
                terms = Terms<Scalar>::at(const_cast<Scalar*>(kept) + i * kWaveTerms * n + b0, n);
            } else {
                project(xT, t, n, b0, len, p, i, s);
                terms = Terms<Scalar>::at(scratch, kBlock);
                evaluateTerms(s, len, p, i, terms, true);
            }
            const Scalar *cp = terms.cp, *sp = terms.sp, *e = terms.e, *cq = terms.cq;
            const Scalar *sq = terms.sq, *m = terms.m, *cu = terms.cu;
            const Scalar sigmaInv2 = std::exp(Scalar(-2) * p.logSigma[i]);
            const Scalar halfS = Scalar(-0.5) * sigmaInv2;
            const Scalar A = p.amplitude[i], w = p.headWeight[i];
            const Scalar eps = p.epsilon[i];
            Scalar sumW = 0, sumA = 0, sumOmega = 0, sumPhi = 0, sumEps = 0;
            for (int64_t j = 0; j < len; ++j) {
                const Scalar gw = go[j] * w; // dL/dψ
                const Scalar em = e[j] * m[j];
                sumW += go[j] * A * cp[j] * em;
                sumA += gw * cp[j] * em;
                dp[j] = -gw * A * sp[j] * em; // dL/d(phase)
                de[j] = gw * A * cp[j] * em;  // dL/d(−½ r² σ⁻²), the envelope's exponent
                const Scalar du = gw * A * cp[j] * e[j] * cu[j]; // dL/du
                sumPhi += du;
                sumEps += du * cq[j];
                dq[j] = -du * eps * sq[j]; // dL/d(λ·x)
                sumOmega += -dp[j] * t[b0 + j];
            }
            g.headWeight[i] += sumW;
            g.amplitude[i] += sumA;
            g.omega[i] += sumOmega;
            g.phi[i] += sumPhi;
            g.epsilon[i] += sumEps;
            // Per axis: k and λ; v through r² (d r²/d v = −2 (x − v t) t, and
            // dL/d r² = de · (−½ σ⁻²)); log σ through the exponent
            // (d/d log σ of −½ r² σ⁻² = r² σ⁻², r² summed over the axes here).
            Scalar sumDeR2 = 0;
            for (int64_t d = 0; d < D; ++d) {
                const Scalar* xd = xT + d * n + b0;
                const Scalar vd = p.velocity[i * D + d];
                Scalar sumK = 0, sumL = 0, sumDeRelT = 0;
                for (int64_t j = 0; j < len; ++j) {
                    const Scalar tj = t[b0 + j];
                    const Scalar rel = xd[j] - vd * tj;
                    sumK += dp[j] * xd[j];
                    sumL += dq[j] * xd[j];
                    sumDeRelT += de[j] * rel * tj;
                    sumDeR2 += de[j] * rel * rel;
                }
                g.k[i * D + d] += sumK;
                g.velocity[i * D + d] += sumDeRelT * halfS * Scalar(-2);
                g.lambda[i * D + d] += sumL;
            }
            g.logSigma[i] += sumDeR2 * sigmaInv2;
        }
    }
}

} // namespace

template <typename Scalar>
void waveEnsembleForward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                         const WaveParameters<Scalar>& p, Scalar* out, Scalar* terms) {
    forwardImpl(xT, t, n, begin, end, p, out, terms);
}

template <typename Scalar>
void waveEnsembleBackward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                          const WaveParameters<Scalar>& p, const Scalar* gradOut,
                          const Scalar* terms, const WaveGradients& grad) {
    backwardImpl(xT, t, n, begin, end, p, gradOut, terms, grad);
}

#define DREDGE_INSTANTIATE(Scalar)                                                                 \
    template void waveEnsembleForward<Scalar>(const Scalar*, const Scalar*, int64_t, int64_t,      \
                                              int64_t, const WaveParameters<Scalar>&, Scalar*,     \
                                              Scalar*);                                            \
    template void waveEnsembleBackward<Scalar>(                                                    \
        const Scalar*, const Scalar*, int64_t, int64_t, int64_t, const WaveParameters<Scalar>&,    \
        const Scalar*, const Scalar*, const WaveGradients&);
DREDGE_INSTANTIATE(float)
DREDGE_INSTANTIATE(double)
#undef DREDGE_INSTANTIATE

} // namespace dredge::fused
