#pragma once
// The interface every model implements: spatial coordinates x [N, D] and time
// t [N] in, field values [N, out] out (docs/reference.md §1).

#include "FusedEpoch.h"

#include <torch/nn/module.h>

#include <optional>

namespace dredge {

class FieldModel : public torch::nn::Module {
public:
    virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) = 0;
    // A model with a fused whole-epoch path for this data (CPU; with
    // data.bfloat16Products, autocast's bfloat16 numerics emulated):
    // the epoch's output and losses, with ∂loss/∂θ written into `gradient`, one
    // flat buffer in parameters() order (FlatAdam's). nullopt: no such path,
    // train through autograd.
    virtual std::optional<EpochOutcome> fusedEpoch(const EpochData& /*data*/,
                                                   at::Tensor& /*gradient*/) {
        return std::nullopt;
    }
    // Number of trainable scalars (buffers such as RFF frequencies excluded).
    int64_t parameterCount() const;
};

} // namespace dredge
