#pragma once
// The interface every model implements: spatial coordinates x [N, D] and time
// t [N] in, field values [N, out] out (docs/reference.md §1).

#include <torch/nn/module.h>

namespace dredge {

class FieldModel : public torch::nn::Module {
public:
    virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) = 0;
    // Number of trainable scalars (buffers such as RFF frequencies excluded).
    int64_t parameterCount() const;
};

} // namespace dredge
