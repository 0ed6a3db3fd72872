#include "InterferenceBasis.h"

#include "FusedInterferenceBasis.h"
#include "FusedKernelSelection.h"
#include "ModelInit.h"

#include <cmath>

namespace dredge {

InterferenceBasis::InterferenceBasis(int64_t dims, int64_t fields, int64_t outFeatures,
                                     at::Generator& gen) {
    // Random draws in the original's declaration order: v, k, ω, λ, then the head.
    logSigma = register_parameter("log_sigma", at::zeros({dims}));
    velocity = register_parameter("velocity", at::randn({dims}, gen));
    amplitude = register_parameter("amplitude", at::ones({fields}));
    k = register_parameter("k", at::randn({fields, dims}, gen));
    omega = register_parameter("omega", at::randn({fields}, gen));
    phi = register_parameter("phi", at::zeros({fields}));
    epsilon = register_parameter("epsilon", at::full({fields}, 0.1));
    lambda = register_parameter("lambda", at::randn({fields, dims}, gen));
    superposition = register_module(
        "superposition",
        torch::nn::Linear(torch::nn::LinearOptions(2 * fields, outFeatures).bias(false)));
    initLinearLikePyTorch(superposition, gen);
}

torch::Tensor InterferenceBasis::basis(const torch::Tensor& x, const torch::Tensor& t) {
    const auto dims = x.size(1);
    const auto tc = t.unsqueeze(1);
    const auto sigma = at::exp(logSigma).clamp_min(1e-3); // [D]
    const auto z = (x - tc * velocity) / sigma;           // [N, D]
    // Π σ · (2π)^{D/2}: one product and one constant, as docs/reference.md §1.3 prescribes.
    const auto norm = sigma.prod() * std::pow(2.0 * M_PI, 0.5 * double(dims));
    const auto envelope = at::exp(-0.5 * z.square().sum(1, true)) / norm; // [N, 1]
    const auto argument = pairwiseDot(x, k) - tc * omega;                 // [N, F]
    const auto modulation = at::sin(phi + epsilon * at::cos(pairwiseDot(x, lambda)));
    // ψ = A·exp(i·arg)·envelope·modulation, kept as its real and imaginary parts:
    // the same numbers as the complex form, without complex autograd.
    const auto common = amplitude * envelope * modulation;
    return at::cat({common * at::cos(argument), common * at::sin(argument)}, 1);
}

torch::Tensor InterferenceBasis::forward(const torch::Tensor& x, const torch::Tensor& t) {
    // Autocast needs the composed ops to act on (as in WaveEnsemble).
    if (useFusedKernel && fusedKernelApplies(x, x.size(1), superposition->weight.size(0))) {
        return fusedInterferenceForward(*this, x, t);
    }
    return superposition(basis(x, t));
}

std::optional<EpochOutcome> InterferenceBasis::fusedEpoch(const EpochData& data,
                                                          at::Tensor& gradient) {
    if (!useFusedKernel) {
        return std::nullopt;
    }
    return fusedInterferenceEpoch(*this, data, gradient);
}

} // namespace dredge
