#pragma once
// docs/reference.md §1.1–1.2: an ensemble of n Quasimoto waves in D dimensions and a linear
// head. Each wave parameter is one tensor over all waves, so the forward is a
// handful of tensor ops instead of a loop over waves.

#include "FieldModel.h"
#include "TransposedCoordinates.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

namespace dredge {

class WaveEnsemble : public FieldModel {
public:
    WaveEnsemble(int64_t dims, int64_t waves, at::Generator& gen, int64_t outputs = 1);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) override;
    std::optional<EpochOutcome> fusedEpoch(const EpochData& data, at::Tensor& gradient) override;
    // The waves before the head: [N, n].
    torch::Tensor waveValues(const torch::Tensor& x, const torch::Tensor& t);

    // Use the fused CPU kernel where it applies (CPU tensors, autocast off).
    bool useFusedKernel = true;
    TransposedCoordinates fusedCoordinates; // the fused kernel's input layout, kept across epochs
    // The fused forward keeps the per-point terms its backward needs while
    // they fit this many bytes (the composed ops keep more); past it the
    // backward computes them again.
    int64_t keptTermBudgetBytes = int64_t(256) << 20;
    FusedEpochBuffers epochBuffers; // the whole-epoch path's, kept across epochs

    int64_t dims() const { return dims_; }
    int64_t waves() const { return waves_; }

    torch::Tensor amplitude; // A   [n]
    torch::Tensor k;         // k   [n, D]
    torch::Tensor omega;     // ω   [n]
    torch::Tensor velocity;  // v   [n, D]
    torch::Tensor logSigma;  // log σ [n]
    torch::Tensor phi;       // φ   [n]
    torch::Tensor epsilon;   // ε   [n]
    torch::Tensor lambda;    // λ   [n, D]
    torch::nn::Linear head{nullptr};

private:
    int64_t dims_;
    int64_t waves_;
};

} // namespace dredge
