#pragma once
// The interface every model implements: spatial coordinates x [N, D] and time
// t [N] in, field values [N, out] out (docs/reference.md §1).

#include "LinearReadout.h"

#include <torch/nn/module.h>

#include <optional>

namespace dredge {

class FieldModel : public torch::nn::Module {
public:
    virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) = 0;
    // For a model that is a trained linear layer on fixed features of x (random
    // Fourier features): those features and the layer, so that an epoch's
    // loss and gradient can be computed in closed form, without autograd.
    virtual std::optional<LinearReadout> fixedReadout(const torch::Tensor& /*x*/) {
        return std::nullopt;
    }
    // Number of trainable scalars (buffers such as RFF frequencies excluded).
    int64_t parameterCount() const;
};

} // namespace dredge
