#pragma once
// A model's output as a linear layer, output = features · weightᵀ + bias, on
// features that stay fixed while it trains (random Fourier features): its
// MSE and gradient in closed form, so that an epoch needs no autograd graph
// (docs/reference.md §1, "How DREDGE Studio computes them").

#include <ATen/ATen.h>

namespace dredge {

struct LinearReadout {
    at::Tensor features; // [N, F], no autograd history
    at::Tensor weight;   // [out, F], a parameter
    at::Tensor bias;     // [out], a parameter
};

struct ReadoutLoss {
    at::Tensor prediction;     // [N, out]
    at::Tensor loss;           // the training loss, a scalar
    double validationLoss = 0; // with weights: the held-out points' loss
    at::Tensor outputGradient; // ∂loss/∂prediction
};

// The MSE against `target`; with `trainWeight` (each element's weight, 1/n on
// its side of a validation split, 0 on the other) the weighted sums of the
// split instead.
ReadoutLoss readoutLoss(const LinearReadout& readout, const at::Tensor& target,
                        const at::Tensor& trainWeight = {},
                        const at::Tensor& validationWeight = {});

// Writes ∂loss/∂weight = gᵀ·features and then ∂loss/∂bias = Σ g into `flat`
// (the layer's parameters in that order, flattened).
void readoutGradientsInto(const LinearReadout& readout, const at::Tensor& outputGradient,
                          at::Tensor& flat);

} // namespace dredge
