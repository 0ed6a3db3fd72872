#pragma once
// docs/reference.md §1.3: the complex Quasimoto interference basis. F fields share one
// anisotropic, normalised Gaussian envelope; the real and imaginary parts of
// ψ feed a linear superposition without bias.

#include "FieldModel.h"
#include "TransposedCoordinates.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

namespace dredge {

class InterferenceBasis : public FieldModel {
public:
    InterferenceBasis(int64_t dims, int64_t fields, int64_t outFeatures, at::Generator& gen);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) override;
    std::optional<EpochOutcome> fusedEpoch(const EpochData& data, at::Tensor& gradient) override;
    // [Re ψ, Im ψ] before the superposition: [N, 2F].
    torch::Tensor basis(const torch::Tensor& x, const torch::Tensor& t);

    torch::Tensor logSigma;  // log σ [D], shared
    torch::Tensor velocity;  // v [D], shared
    torch::Tensor amplitude; // A [F]
    torch::Tensor k;         // k [F, D]
    torch::Tensor omega;     // ω [F]
    torch::Tensor phi;       // φ [F]
    torch::Tensor epsilon;   // ε [F]
    torch::Tensor lambda;    // λ [F, D]
    torch::nn::Linear superposition{nullptr};
    // Use the fused CPU kernel where it applies (CPU tensors, autocast off).
    bool useFusedKernel = true;
    TransposedCoordinates fusedCoordinates; // the fused kernel's input layout, kept across epochs
    // As WaveEnsemble::keptTermBudgetBytes.
    int64_t keptTermBudgetBytes = int64_t(256) << 20;
    FusedEpochBuffers epochBuffers; // the whole-epoch path's, kept across epochs
};

} // namespace dredge
