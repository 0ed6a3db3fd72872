#pragma once
// The interference basis (docs/reference.md §1.3) with its superposition, forward and
// analytic backward as two passes over the points (issue 6), in plain C++ that
// the compiler vectorises. Same layout conventions as FusedWaveKernel.h:
// xT is [D][N]; k and λ are [F][D]; the superposition weight is [out][2F]
// (real parts first, then imaginary). No LibTorch in this header.

#include "FusedEpochLoss.h"
#include "TensorGridLayout.h"

#include <cstdint>

namespace dredge::fused {

template <typename Scalar>
struct InterferenceParameters {
    // The shared envelope, precomputed from log σ and v by the caller:
    // 1/σ_d with σ = max(exp(log σ), 1e-3), and 1/(Π σ · (2π)^{D/2}).
    const Scalar* inverseSigma;
    const Scalar* velocity;
    Scalar inverseNorm;
    const Scalar* amplitude;
    const Scalar* k;
    const Scalar* omega;
    const Scalar* phi;
    const Scalar* epsilon;
    const Scalar* lambda;
    const Scalar* weight;
    int64_t fields;
    int64_t dims;
    int64_t outputs;
    // Mixed precision (float, one output): the superposition's operands (the
    // basis, its weight), output and gradients (dL/dout, dL/d basis) rounded
    // to bfloat16 as autocast runs nn.Linear; the rest stays float32.
    bool bfloat16Superposition = false;
    // Points on a tensor-product grid with every t 0 (float only): the
    // tables interferenceGridTables() filled, from which the kernels build
    // cos and sin of a and q by angle addition (as the wave kernel's).
    TensorGridLayout grid{};
    const Scalar* gridTables = nullptr;
};

// The grid tables' size: per field, cos and sin of k·x and λ·x for every
// row (outer axes) and every entry of a row (inner axes).
int64_t interferenceGridTableSize(const TensorGridLayout& grid, int64_t fields);

// Fills `tables` for the parameters p and the grid `grid` with the
// coordinates `axes` (gridAxesOf).
void interferenceGridTables(const float* axes, const InterferenceParameters<float>& p,
                            const TensorGridLayout& grid, float* tables);

// Gradients accumulated into (callers zero them first), in double like
// WaveGradients. logSigma receives Σ env·(dL/d env)·(z_d² − 1), which is
// dL/d log σ_d where σ is not clamped; the caller applies the clamp's mask.
struct InterferenceGradients {
    double* logSigma;
    double* velocity;
    double* amplitude;
    double* k;
    double* omega;
    double* phi;
    double* epsilon;
    double* lambda;
    double* weight;
};

// What the backward needs per point: the envelope, and per field cos and sin
// of the carrier phase a, cos and sin of q = λ·x, sin and cos of
// u = φ + ε cos q. A forward that keeps them spares the backward all its
// transcendentals. Layout: envelope [N], then [field][term][N].
constexpr int64_t kInterferenceTerms = 6;
constexpr int64_t interferenceTermCount(int64_t points, int64_t fields) {
    return points * (1 + fields * kInterferenceTerms);
}

// out[i][o] for points [begin, end); out is [N][outputs]. When `terms` is not
// null, also fills it for those points.
template <typename Scalar>
void interferenceForward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                         const InterferenceParameters<Scalar>& p, Scalar* out, Scalar* terms);

// Adds dL/dθ for points [begin, end), given gradOut = dL/dout, [N][outputs],
// and the terms a forward kept (or null: they are computed again).
template <typename Scalar>
void interferenceBackward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                          const InterferenceParameters<Scalar>& p, const Scalar* gradOut,
                          const Scalar* terms, const InterferenceGradients& grad);

// Points per block of a whole fused epoch for `fields` fields; its scratch
// holds interferenceTermCount(interferenceEpochBlock(fields), fields) values.
int64_t interferenceEpochBlock(int64_t fields);

// One epoch's work for points [begin, end), as waveEnsembleEpoch
// (FusedWaveKernel.h): forward, loss and backward block by block, each
// block's terms kept in `scratch` (the calling thread's own). log σ's
// gradient, as interferenceBackward's, still lacks the clamp's mask.
template <typename Scalar>
void interferenceEpoch(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                       const InterferenceParameters<Scalar>& p, const LossTargets<Scalar>& targets,
                       Scalar* out, Scalar* gradOut, Scalar* scratch,
                       const InterferenceGradients& grad, LossSums& loss);

} // namespace dredge::fused
