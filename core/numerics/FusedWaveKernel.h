#pragma once
// The wave ensemble's forward and analytic backward as two passes over the
// points (issue 6), in plain C++ that the compiler vectorises. Composed from
// tensor ops, one epoch of the chirp ensemble is ~50 small ops forward and
// backward whose cost is dispatch and temporaries; here it is arithmetic.
//
// Layout: xT is the coordinates transposed, [D][N] (each axis contiguous);
// parameters follow WaveEnsemble: A, ω, log σ, φ, ε [n]; k, v, λ [n][D];
// head weight [C][n] and bias [C]; outputs [N][C]. No LibTorch in this header.

#include "FusedEpochLoss.h"
#include "TensorGridLayout.h"

#include <cstdint>

namespace dredge::fused {

template <typename Scalar>
struct WaveParameters {
    const Scalar* amplitude;
    const Scalar* k;
    const Scalar* omega;
    const Scalar* velocity;
    const Scalar* logSigma;
    const Scalar* phi;
    const Scalar* epsilon;
    const Scalar* lambda;
    const Scalar* headWeight;
    Scalar headBias;
    int64_t waves;
    int64_t dims;
    // C outputs (an RGB image's 3): the head's weight is [C][n], its biases
    // `headBiases` (read where outputs > 1; headBias is the one output's).
    int64_t outputs = 1;
    const Scalar* headBiases = nullptr;
    // Every t is 0 (the data sets without time): the kernels drop the terms
    // of t (ω t, v t, their gradients, which are 0) and share ‖x‖² between
    // the waves. Read by the whole-epoch path.
    bool staticTime = false;
    // Mixed precision (float only, one output): the head's operands ψ, w, b
    // and its output rounded to bfloat16, its gradients' too (dL/dout,
    // dL/dψ), as autocast runs nn.Linear; the waves, loss and sums stay float32.
    bool bfloat16Head = false;
    // Points on a tensor-product grid with every t 0 (float only): the
    // tables waveGridTables() filled for these parameters, from which the
    // kernels build cos and sin of k·x and λ·x and the envelope by
    // multiplication. Null: every point evaluates them itself.
    TensorGridLayout grid{};
    const Scalar* gridTables = nullptr;
};

// Values per wave and per row or row entry in the grid tables: cos and sin
// of k·x, cos and sin of λ·x, and exp(−½ ‖x‖² σ⁻²), each over the outer axes
// of every row and over the inner axes of every entry of a row.
constexpr int64_t kGridTerms = 5;

inline int64_t waveGridTableSize(const TensorGridLayout& grid, int64_t waves) {
    return waves * kGridTerms * (grid.rows + grid.innerPoints);
}

// Fills `tables` (waveGridTableSize values) for the parameters p and the
// grid `grid` with the coordinates `axes` (gridAxesOf).
void waveGridTables(const float* axes, const WaveParameters<float>& p, const TensorGridLayout& grid,
                    float* tables);

// Gradients of every parameter, same layout as WaveParameters, accumulated
// into (callers zero them first). Always double: per-block partial sums are
// Scalar and vectorised, their totals over many blocks are not.
struct WaveGradients {
    double* amplitude;
    double* k;
    double* omega;
    double* velocity;
    double* logSigma;
    double* phi;
    double* epsilon;
    double* lambda;
    double* headWeight;
    double* headBias;
};

// The per-point terms of each wave that the backward needs: cos and sin of
// the phase, the envelope, cos and sin of λ·x, sin and cos of u = φ + ε cos(λ·x),
// and ‖x − v t‖². A forward that keeps them spares the backward all its
// transcendentals and the per-axis distances. Layout: [wave][term][N].
constexpr int64_t kWaveTerms = 8;

// out[i·C + c] = head_c(ψ(x_i, t_i)) for points [begin, end). When `terms` is not
// null, also fills it for those points (n·waves·kWaveTerms values in all).
template <typename Scalar>
void waveEnsembleForward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                         const WaveParameters<Scalar>& p, Scalar* out, Scalar* terms);

// Adds dL/dθ for points [begin, end), given gradOut = dL/dout per output, and
// the terms a forward kept (or null: they are computed again).
template <typename Scalar>
void waveEnsembleBackward(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                          const WaveParameters<Scalar>& p, const Scalar* gradOut,
                          const Scalar* terms, const WaveGradients& grad);

// Points per block of a whole fused epoch for an ensemble of `waves`; its
// scratch holds waveEpochBlock(waves) · waves · kWaveTerms values.
int64_t waveEpochBlock(int64_t waves);

// One epoch's work for points [begin, end) (issue 17): forward, loss and
// backward block by block, each block's terms kept in `scratch` (the calling
// thread's own) between its forward and backward, so that no term travels
// through memory. Writes out and gradOut for those points; adds the
// gradients (as waveEnsembleBackward) and the losses.
template <typename Scalar>
void waveEnsembleEpoch(const Scalar* xT, const Scalar* t, int64_t n, int64_t begin, int64_t end,
                       const WaveParameters<Scalar>& p, const LossTargets<Scalar>& targets,
                       Scalar* out, Scalar* gradOut, Scalar* scratch, const WaveGradients& grad,
                       LossSums& loss);

} // namespace dredge::fused
