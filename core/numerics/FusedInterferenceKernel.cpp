// Built with -O3 -ffast-math like FusedWaveKernel.cpp (see CMakeLists.txt), so
// that GCC vectorises the loops; float sin, cos and exp are FastMath.h's
// (doubles: glibc's libmvec), and each entry point has a copy per
// instruction set (KernelClones.h), as the wave kernel's.
//
// Per point: z = (x − v t)/σ, env = exp(−½‖z‖²)/norm; per field f:
// a = k_f·x − ω_f t, q = λ_f·x, u = φ_f + ε_f cos q, common = A_f env sin u,
// ψ_f = common·(cos a, sin a); out_o = Σ_f W[o][f] Re ψ_f + W[o][F+f] Im ψ_f.

#include "FusedInterferenceKernel.h"
#include "FastMath.h"
#include "FusedAxisSums.h"
#include "FusedGridTables.h"
#include "KernelClones.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

namespace dredge::fused {
namespace {

constexpr int64_t kBlock = 256; // points per block: the temporaries stay in L1

// env[j] for the block's points: the envelope every field shares.
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void envelope(const Scalar* xT, const Scalar* t, int64_t n,
                                            int64_t b0, int64_t len,
                                            const InterferenceParameters<Scalar>& p, Scalar* env) {
    for (int64_t j = 0; j < len; ++j) {
        env[j] = 0;
    }
    for (int64_t d = 0; d < p.dims; ++d) {
        const Scalar* xd = xT + d * n + b0;
        const Scalar vd = p.velocity[d], is = p.inverseSigma[d];
        for (int64_t j = 0; j < len; ++j) {
            const Scalar z = (xd[j] - vd * t[b0 + j]) * is;
            env[j] += z * z;
        }
    }
    for (int64_t j = 0; j < len; ++j) {
        env[j] = expNonPositive<Fma>(Scalar(-0.5) * env[j]) * p.inverseNorm;
    }
}

// project() with the axes unrolled (Dims known at compile time): the sums
// stay in registers instead of being loaded and stored once per axis.
template <int Dims, typename Scalar>
[[gnu::always_inline]] inline void
projectUnrolled(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0, int64_t len,
                const InterferenceParameters<Scalar>& p, int64_t f, Scalar* a, Scalar* q) {
    const Scalar omega = p.omega[f];
    const Scalar* k = p.k + f * Dims;
    const Scalar* l = p.lambda + f * Dims;
    for (int64_t j = 0; j < len; ++j) {
        Scalar aj = -omega * t[b0 + j], qj = 0;
        for (int d = 0; d < Dims; ++d) {
            const Scalar xd = xT[d * n + b0 + j];
            aj += k[d] * xd;
            qj += l[d] * xd;
        }
        a[j] = aj;
        q[j] = qj;
    }
}

// a = k_f·x − ω_f t and q = λ_f·x for the block's points.
template <typename Scalar>
[[gnu::always_inline]] inline void project(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0,
                                           int64_t len, const InterferenceParameters<Scalar>& p,
                                           int64_t f, Scalar* a, Scalar* q) {
    switch (p.dims) { // the data sets' dimensions and those between
    case 1:
        return projectUnrolled<1>(xT, t, n, b0, len, p, f, a, q);
    case 2:
        return projectUnrolled<2>(xT, t, n, b0, len, p, f, a, q);
    case 3:
        return projectUnrolled<3>(xT, t, n, b0, len, p, f, a, q);
    case 4:
        return projectUnrolled<4>(xT, t, n, b0, len, p, f, a, q);
    case 5:
        return projectUnrolled<5>(xT, t, n, b0, len, p, f, a, q);
    default:
        break;
    }
    const Scalar omega = p.omega[f];
    for (int64_t j = 0; j < len; ++j) {
        a[j] = -omega * t[b0 + j];
        q[j] = 0;
    }
    for (int64_t d = 0; d < p.dims; ++d) {
        const Scalar* xd = xT + d * n + b0;
        const Scalar kd = p.k[f * p.dims + d], ld = p.lambda[f * p.dims + d];
        for (int64_t j = 0; j < len; ++j) {
            a[j] += kd * xd[j];
            q[j] += ld * xd[j];
        }
    }
}

// One field's terms over one block, as arrays of the block's length. One
// transcendental per loop: GCC would merge a sin and a cos of the same value
// into a scalar sincos call, which does not vectorise.
template <typename Scalar>
struct Terms {
    Scalar *ca, *sa, *cq, *sq, *m, *cu;

    // Views of `base`, laid out [term][stride].
    static Terms at(Scalar* base, int64_t stride) {
        return {base,
                base + stride,
                base + 2 * stride,
                base + 3 * stride,
                base + 4 * stride,
                base + 5 * stride};
    }
};

// Fills the terms for the block's points; without `backwardToo`, only those
// the forward uses (ca, sa, cq, m).
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void evaluateTerms(const Scalar* a, const Scalar* q, int64_t len,
                                                 const InterferenceParameters<Scalar>& p, int64_t f,
                                                 const Terms<Scalar>& out, bool backwardToo) {
    const Scalar phi = p.phi[f], eps = p.epsilon[f];
    if constexpr (std::is_same_v<Scalar, float>) {
        // FastMath.h inline, u's pair in a loop of its own (as the wave
        // kernel's evaluateTerms, for the same reason).
        if (backwardToo) {
#pragma GCC ivdep
            for (int64_t j = 0; j < len; ++j) {
                sinCos<Fma>(a[j], out.sa[j], out.ca[j]);
                sinCos<Fma>(q[j], out.sq[j], out.cq[j]);
            }
        } else {
#pragma GCC ivdep
            for (int64_t j = 0; j < len; ++j) {
                sinCos<Fma>(a[j], out.sa[j], out.ca[j]);
                out.cq[j] = cosOf<Fma>(q[j]);
            }
        }
        modulationOf<Fma>(out.cq, phi, eps, len, out.m, backwardToo ? out.cu : nullptr);
        return;
    }
    for (int64_t j = 0; j < len; ++j) {
        out.ca[j] = std::cos(a[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.sa[j] = std::sin(a[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.cq[j] = std::cos(q[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.m[j] = std::sin(phi + eps * out.cq[j]);
    }
    if (!backwardToo) {
        return;
    }
    for (int64_t j = 0; j < len; ++j) {
        out.sq[j] = std::sin(q[j]);
    }
    for (int64_t j = 0; j < len; ++j) {
        out.cu[j] = std::cos(phi + eps * out.cq[j]);
    }
}

// Field f's terms for the block's points from the grid tables (t = 0, see
// TensorGridLayout.h): cos and sin of a and q by angle addition over a row's
// and an entry's partial sums; only u's sine and cosine are evaluated here.
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void gridTerms(int64_t b0, int64_t len,
                                             const InterferenceParameters<Scalar>& p, int64_t f,
                                             const Terms<Scalar>& out, bool backwardToo) {
    static_assert(std::is_same_v<Scalar, float>, "the grid path is float's");
    const int64_t S = p.grid.innerPoints, rows = p.grid.rows;
    const Scalar* rowTerms = p.gridTables + f * kGridAngleTerms * (rows + S);
    const Scalar* entryTerms = rowTerms + kGridAngleTerms * rows;
    const Scalar phi = p.phi[f], eps = p.epsilon[f];
    for (int64_t j = 0; j < len;) {
        const auto [row, q, seg] = gridSegmentAt(p.grid, b0, j, len);
        gridSegmentAngles<Fma>(rowTerms, rows, entryTerms, S, row, q, seg, out.ca + j, out.sa + j,
                               out.cq + j, backwardToo ? out.sq + j : nullptr);
        modulationOf<Fma>(out.cq + j, phi, eps, seg, out.m + j, backwardToo ? out.cu + j : nullptr);
        j += seg;
    }
}

// Field f's terms for the block's points: from the grid tables (Grid, see
// gridTerms), else from the projections a and q (scratch) at each point. A
// template flag, as the wave kernel's termsOfBlock, for the same reason.
template <bool Fma, bool Grid, typename Scalar>
[[gnu::always_inline]] inline void
termsOfBlock(const Scalar* xT, const Scalar* t, int64_t n, int64_t b0, int64_t len,
             const InterferenceParameters<Scalar>& p, int64_t f, Scalar* a, Scalar* q,
             const Terms<Scalar>& out, bool backwardToo) {
    if constexpr (Grid) {
        gridTerms<Fma>(b0, len, p, f, out, backwardToo);
    } else {
        project(xT, t, n, b0, len, p, f, a, q);
        evaluateTerms<Fma>(a, q, len, p, f, out, backwardToo);
    }
}

// Each field's tables: its rows' (outer axes), then its entries' (inner).
template <bool Fma>
[[gnu::always_inline]] inline void gridTablesImpl(const float* axes,
                                                  const InterferenceParameters<float>& p,
                                                  const TensorGridLayout& grid, float* tables) {
    const int64_t D = p.dims;
    for (int64_t f = 0; f < p.fields; ++f) {
        gridTables<Fma>(axes, D, grid, p.k + f * D, p.lambda + f * D, nullptr,
                        tables + f * kGridAngleTerms * (grid.rows + grid.innerPoints));
    }
}

// Where the terms are kept: a whole forward's for all N points (stride N,
// origin 0), or one epoch block's (stride and origin the block's); the
// envelope first, then each field's terms.
template <typename Scalar>
struct KeptTerms {
    Scalar* base = nullptr;
    int64_t stride = 0;
    int64_t origin = 0;

    explicit operator bool() const { return base != nullptr; }
    Scalar* envelope(int64_t b0) const { return base + (b0 - origin); }
    // Field f's terms for the points from b0 on.
    Terms<Scalar> at(int64_t f, int64_t b0) const {
        return Terms<Scalar>::at(base + stride + f * kInterferenceTerms * stride + (b0 - origin),
                                 stride);
    }
};

// Mixed precision's rounding (FastMath.h), for floats with one output.
template <typename Scalar>
inline bool roundsToBFloat16(const InterferenceParameters<Scalar>& p) {
    return std::is_same_v<Scalar, float> && p.bfloat16Superposition && p.outputs == 1;
}
template <typename Scalar>
inline Scalar bf16(Scalar x) {
    if constexpr (std::is_same_v<Scalar, float>) {
        return roundToBFloat16(x);
    }
    return x;
}

template <bool Fma, bool Grid, typename Scalar>
[[gnu::always_inline]] inline void
forwardBlocks(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
              const InterferenceParameters<Scalar>& p, Scalar* out, const KeptTerms<Scalar>& kept) {
    const int64_t F = p.fields, O = p.outputs;
    Scalar envScratch[kBlock], a[kBlock], q[kBlock], common[kBlock];
    Scalar scratch[kInterferenceTerms * kBlock];
    std::vector<Scalar> acc(size_t(O * kBlock));
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
        const int64_t len = std::min(kBlock, end - b0);
        Scalar* env = kept ? kept.envelope(b0) : envScratch;
        envelope<Fma>(xT, t, n, b0, len, p, env);
        std::fill(acc.begin(), acc.end(), Scalar(0));
        for (int64_t f = 0; f < F; ++f) {
            const auto terms = kept ? kept.at(f, b0) : Terms<Scalar>::at(scratch, kBlock);
            termsOfBlock<Fma, Grid>(xT, t, n, b0, len, p, f, a, q, terms, bool(kept));
            const Scalar A = p.amplitude[f];
            for (int64_t j = 0; j < len; ++j) {
                common[j] = A * env[j] * terms.m[j];
            }
            if (roundsToBFloat16(p)) { // acc += bf16(w) · bf16(basis), one output
                const Scalar wr = bf16(p.weight[f]), wi = bf16(p.weight[F + f]);
                for (int64_t j = 0; j < len; ++j) {
                    acc[size_t(j)] +=
                        wr * bf16(common[j] * terms.ca[j]) + wi * bf16(common[j] * terms.sa[j]);
                }
                continue;
            }
            for (int64_t o = 0; o < O; ++o) {
                const Scalar wr = p.weight[o * 2 * F + f], wi = p.weight[o * 2 * F + F + f];
                Scalar* ao = acc.data() + o * kBlock;
                for (int64_t j = 0; j < len; ++j) {
                    ao[j] += common[j] * (wr * terms.ca[j] + wi * terms.sa[j]);
                }
            }
        }
        if (roundsToBFloat16(p)) { // the GEMM's float sum, stored as bfloat16
            for (int64_t j = 0; j < len; ++j) {
                out[b0 + j] = bf16(acc[size_t(j)]);
            }
        } else if (O == 1) { // contiguous: a loop the compiler vectorises
            std::copy_n(acc.data(), len, out + b0);
        } else {
            for (int64_t o = 0; o < O; ++o) {
                for (int64_t j = 0; j < len; ++j) {
                    out[(b0 + j) * O + o] = acc[size_t(o * kBlock + j)];
                }
            }
        }
    }
}

// A field's per-parameter sums over a block.
template <typename Scalar>
struct FieldSums {
    Scalar amplitude = 0, omega = 0, phi = 0, epsilon = 0;
};

// Point j's share of field f's gradients, given gr = dL/d Re ψ_f and
// gi = dL/d Im ψ_f there: dL/da and dL/dq into da and dq, dL/d env added to
// denv, and the sums of A, ω, φ and ε.
template <typename Scalar>
[[gnu::always_inline]] inline void
pointGradients(int64_t j, Scalar gr, Scalar gi, Scalar A, Scalar eps, const Scalar* env,
               const Terms<Scalar>& terms, Scalar tj, Scalar* da, Scalar* dq, Scalar* denv,
               FieldSums<Scalar>& sums) {
    const Scalar ca = terms.ca[j], sa = terms.sa[j], m = terms.m[j];
    const Scalar dcommon = gr * ca + gi * sa;
    const Scalar common = A * env[j] * m;
    da[j] = common * (gi * ca - gr * sa); // dL/da
    sums.amplitude += dcommon * env[j] * m;
    denv[j] += dcommon * A * m;
    const Scalar du = dcommon * A * env[j] * terms.cu[j]; // dL/du
    sums.phi += du;
    sums.epsilon += du * terms.cq[j];
    dq[j] = -du * eps * terms.sq[j]; // dL/dq
    sums.omega -= da[j] * tj;
}

// Several outputs: dL/d Re ψ_f and dL/d Im ψ_f per point (gRe, gIm, summed
// over the outputs) and the superposition weight's gradient; re and im are
// scratch.
template <typename Scalar>
[[gnu::always_inline]] inline void
backwardOutputs(const InterferenceParameters<Scalar>& p, int64_t f, int64_t len,
                const Scalar* columns, const Scalar* env, const Terms<Scalar>& terms, Scalar* re,
                Scalar* im, Scalar* gRe, Scalar* gIm, const InterferenceGradients& g) {
    const int64_t F = p.fields, O = p.outputs;
    const Scalar A = p.amplitude[f];
    for (int64_t j = 0; j < len; ++j) {
        const Scalar common = A * env[j] * terms.m[j];
        re[j] = common * terms.ca[j];
        im[j] = common * terms.sa[j];
    }
    for (int64_t o = 0; o < O; ++o) {
        const Scalar wr = p.weight[o * 2 * F + f], wi = p.weight[o * 2 * F + F + f];
        Scalar sumRe = 0, sumIm = 0;
        // The first output sets gRe and gIm, the others add to them (zeroing
        // them first cost a memset per field).
        const Scalar* gcol = columns + o * kBlock; // dL/d out_o, contiguous
        if (o == 0) {
            for (int64_t j = 0; j < len; ++j) {
                const Scalar gj = gcol[j];
                gRe[j] = gj * wr;
                gIm[j] = gj * wi;
                sumRe += gj * re[j];
                sumIm += gj * im[j];
            }
        } else {
            for (int64_t j = 0; j < len; ++j) {
                const Scalar gj = gcol[j];
                gRe[j] += gj * wr;
                gIm[j] += gj * wi;
                sumRe += gj * re[j];
                sumIm += gj * im[j];
            }
        }
        g.weight[o * 2 * F + f] += sumRe;
        g.weight[o * 2 * F + F + f] += sumIm;
    }
}

template <bool Fma, bool Grid, typename Scalar>
[[gnu::always_inline]] inline void
backwardBlocks(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
               const InterferenceParameters<Scalar>& p, const Scalar* gradOut,
               const KeptTerms<Scalar>& kept, const InterferenceGradients& g) {
    const int64_t F = p.fields, O = p.outputs, D = p.dims;
    Scalar envScratch[kBlock], denv[kBlock], a[kBlock], q[kBlock];
    Scalar scratch[kInterferenceTerms * kBlock];
    Scalar re[kBlock], im[kBlock], gRe[kBlock], gIm[kBlock], da[kBlock], dq[kBlock];
    // With several outputs, the block's dL/dout transposed to [output][point],
    // so that every loop below reads it contiguously.
    std::vector<Scalar> transposed(O > 1 ? size_t(O * kBlock) : 0);
    for (int64_t b0 = begin; b0 < end; b0 += kBlock) {
        const int64_t len = std::min(kBlock, end - b0);
        const Scalar* go = gradOut + b0 * O;
        const Scalar* columns = go;
        if (O > 1) {
            for (int64_t o = 0; o < O; ++o) {
                for (int64_t j = 0; j < len; ++j) {
                    transposed[size_t(o * kBlock + j)] = go[j * O + o];
                }
            }
            columns = transposed.data();
        } else if (roundsToBFloat16(p)) { // dL/dout in bfloat16, once for all fields
            for (int64_t j = 0; j < len; ++j) {
                re[j] = bf16(go[j]);
            }
            columns = re; // re is scratch only with several outputs
        }
        const Scalar* env = kept ? kept.envelope(b0) : envScratch;
        if (!kept) {
            envelope<Fma>(xT, t, n, b0, len, p, envScratch);
        }
        for (int64_t j = 0; j < len; ++j) {
            denv[j] = 0;
        }
        for (int64_t f = 0; f < F; ++f) {
            Terms<Scalar> terms; // the phases a and q are needed only to compute them again
            if (kept) {
                terms = kept.at(f, b0);
            } else {
                terms = Terms<Scalar>::at(scratch, kBlock);
                termsOfBlock<Fma, Grid>(xT, t, n, b0, len, p, f, a, q, terms, true);
            }
            const Scalar *ca = terms.ca, *sa = terms.sa, *m = terms.m;
            const Scalar A = p.amplitude[f], eps = p.epsilon[f];
            FieldSums<Scalar> sums;
            if (roundsToBFloat16(p)) {
                const Scalar wr = bf16(p.weight[f]), wi = bf16(p.weight[F + f]);
                Scalar sumRe = 0, sumIm = 0;
                for (int64_t j = 0; j < len; ++j) {
                    const Scalar gj = columns[j];
                    const Scalar common = A * env[j] * m[j];
                    sumRe += gj * bf16(common * ca[j]);
                    sumIm += gj * bf16(common * sa[j]);
                    pointGradients(j, bf16(gj * wr), bf16(gj * wi), A, eps, env, terms, t[b0 + j],
                                   da, dq, denv, sums);
                }
                g.weight[f] += sumRe;
                g.weight[F + f] += sumIm;
            } else if (O == 1) {
                // One output (the data sets'): the weight's sums and every
                // per-point gradient in one pass.
                const Scalar wr = p.weight[f], wi = p.weight[F + f];
                Scalar sumRe = 0, sumIm = 0;
                for (int64_t j = 0; j < len; ++j) {
                    const Scalar gj = columns[j];
                    const Scalar em = env[j] * m[j];
                    const Scalar common = A * em;
                    sumRe += gj * common * ca[j];
                    sumIm += gj * common * sa[j];
                    // dL/d Re ψ_f and dL/d Im ψ_f
                    pointGradients(j, gj * wr, gj * wi, A, eps, env, terms, t[b0 + j], da, dq, denv,
                                   sums);
                }
                g.weight[f] += sumRe;
                g.weight[F + f] += sumIm;
            } else {
                backwardOutputs(p, f, len, columns, env, terms, re, im, gRe, gIm, g);
                for (int64_t j = 0; j < len; ++j) {
                    pointGradients(j, gRe[j], gIm[j], A, eps, env, terms, t[b0 + j], da, dq, denv,
                                   sums);
                }
            }
            g.amplitude[f] += sums.amplitude;
            g.omega[f] += sums.omega;
            g.phi[f] += sums.phi;
            g.epsilon[f] += sums.epsilon;
            const Scalar* weights[2] = {da, dq};
            axisSums(D, xT, n, b0, len, weights, [&](int d, const Scalar* sums) {
                g.k[f * D + d] += sums[0];      // Σ da x_d
                g.lambda[f * D + d] += sums[1]; // Σ dq x_d
            });
        }
        // env = exp(−½ Σ z²)/(Π σ · c): d env/d z_d = −env z_d, and σ_d enters
        // through z_d and the norm, so dL/d log σ_d = Σ env·denv·(z_d² − 1)
        // (while unclamped) and dL/d v_d = Σ env·denv·z_d·t/σ_d.
        for (int64_t d = 0; d < D; ++d) {
            const Scalar* xd = xT + d * n + b0;
            const Scalar vd = p.velocity[d], is = p.inverseSigma[d];
            Scalar sumLogSigma = 0, sumV = 0;
            for (int64_t j = 0; j < len; ++j) {
                const Scalar z = (xd[j] - vd * t[b0 + j]) * is;
                const Scalar e = env[j] * denv[j];
                sumLogSigma += e * (z * z - Scalar(1));
                sumV += e * z * t[b0 + j];
            }
            g.logSigma[d] += sumLogSigma;
            g.velocity[d] += sumV * is;
        }
    }
}

// Whether the grid tables apply (float, tables filled).
template <typename Scalar>
inline bool onGrid(const InterferenceParameters<Scalar>& p) {
    return std::is_same_v<Scalar, float> && p.gridTables != nullptr;
}

template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void
forwardImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
            const InterferenceParameters<Scalar>& p, Scalar* out, const KeptTerms<Scalar>& kept) {
    if constexpr (std::is_same_v<Scalar, float>) {
        if (onGrid(p)) {
            return forwardBlocks<Fma, true>(xT, t, n, begin, end, p, out, kept);
        }
    }
    forwardBlocks<Fma, false>(xT, t, n, begin, end, p, out, kept);
}

template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void
backwardImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
             const InterferenceParameters<Scalar>& p, const Scalar* gradOut,
             const KeptTerms<Scalar>& kept, const InterferenceGradients& g) {
    if constexpr (std::is_same_v<Scalar, float>) {
        if (onGrid(p)) {
            return backwardBlocks<Fma, true>(xT, t, n, begin, end, p, gradOut, kept, g);
        }
    }
    backwardBlocks<Fma, false>(xT, t, n, begin, end, p, gradOut, kept, g);
}

// A whole epoch over [begin, end), block by block, as the wave ensemble's
// (FusedWaveKernel.cpp): the block's terms stay in `scratch` from its
// forward to its backward.
template <bool Fma, typename Scalar>
[[gnu::always_inline]] inline void
epochImpl(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
          const InterferenceParameters<Scalar>& p, const LossTargets<Scalar>& targets, Scalar* out,
          Scalar* gradOut, Scalar* scratch, const InterferenceGradients& g, LossSums& loss) {
    const int64_t block = interferenceEpochBlock(p.fields);
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

int64_t interferenceGridTableSize(const TensorGridLayout& grid, int64_t fields) {
    return fields * kGridAngleTerms * (grid.rows + grid.innerPoints);
}

void interferenceGridTables(const float* axes, const InterferenceParameters<float>& p,
                            const TensorGridLayout& grid, float* tables) {
    runInBestCopy<GridTablesEntry>(axes, p, grid, tables);
}

int64_t interferenceEpochBlock(int64_t fields) {
    return epochBlockPoints(interferenceTermCount(1, fields), kBlock);
}

template <typename Scalar>
void interferenceForward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                         const InterferenceParameters<Scalar>& p, Scalar* out, Scalar* terms) {
    runInBestCopy<ForwardEntry>(xT, t, n, begin, end, p, out, KeptTerms<Scalar>{terms, n, 0});
}

template <typename Scalar>
void interferenceBackward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                          const InterferenceParameters<Scalar>& p, const Scalar* gradOut,
                          const Scalar* terms, const InterferenceGradients& grad) {
    runInBestCopy<BackwardEntry>(xT, t, n, begin, end, p, gradOut,
                                 KeptTerms<Scalar>{const_cast<Scalar*>(terms), n, 0}, grad);
}

template <typename Scalar>
void interferenceEpoch(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                       const InterferenceParameters<Scalar>& p, const LossTargets<Scalar>& targets,
                       Scalar* out, Scalar* gradOut, Scalar* scratch,
                       const InterferenceGradients& grad, LossSums& loss) {
    runInBestCopy<EpochEntry>(xT, t, n, begin, end, p, targets, out, gradOut, scratch, grad, loss);
}

#define DREDGE_INSTANTIATE(Scalar)                                                                 \
    template void interferenceForward<Scalar>(const Scalar*, const Scalar*, int64_t, int64_t,      \
                                              int64_t, const InterferenceParameters<Scalar>&,      \
                                              Scalar*, Scalar*);                                   \
    template void interferenceBackward<Scalar>(const Scalar*, const Scalar*, int64_t, int64_t,     \
                                               int64_t, const InterferenceParameters<Scalar>&,     \
                                               const Scalar*, const Scalar*,                       \
                                               const InterferenceGradients&);                      \
    template void interferenceEpoch<Scalar>(const Scalar*, const Scalar*, int64_t, int64_t,        \
                                            int64_t, const InterferenceParameters<Scalar>&,        \
                                            const LossTargets<Scalar>&, Scalar*, Scalar*, Scalar*, \
                                            const InterferenceGradients&, LossSums&);
DREDGE_INSTANTIATE(float)
DREDGE_INSTANTIATE(double)
#undef DREDGE_INSTANTIATE

} // namespace dredge::fused
