#include "WaveEnsemble.h"

#include "FusedKernelSelection.h"
#include "FusedWaveEnsemble.h"
#include "ModelInit.h"

namespace dredge {

WaveEnsemble::WaveEnsemble(int64_t dims, int64_t waves, at::Generator& gen, int64_t outputs)
    : dims_(dims)
    , waves_(waves) {
    // The original builds one module per wave, each drawing k, ω, v, λ in that
    // order; drawing per wave in the same order reproduces its initial values.
    std::vector<at::Tensor> ks, omegas, vs, lambdas;
    for (int64_t i = 0; i < waves; ++i) {
        ks.push_back(at::randn({dims}, gen));
        omegas.push_back(at::randn({1}, gen));
        vs.push_back(at::randn({dims}, gen));
        lambdas.push_back(at::randn({dims}, gen));
    }
    amplitude = register_parameter("amplitude", at::ones({waves}));
    k = register_parameter("k", at::stack(ks));
    omega = register_parameter("omega", at::cat(omegas));
    velocity = register_parameter("velocity", at::stack(vs));
    logSigma = register_parameter("log_sigma", at::zeros({waves}));
    phi = register_parameter("phi", at::zeros({waves}));
    epsilon = register_parameter("epsilon", at::full({waves}, 0.1));
    lambda = register_parameter("lambda", at::stack(lambdas));
    head = register_module("head", torch::nn::Linear(waves, outputs));
    initLinearLikePyTorch(head, gen);
}

torch::Tensor WaveEnsemble::waveValues(const torch::Tensor& x, const torch::Tensor& t) {
    // Op count matters more than arithmetic at these sizes, so multiply-adds
    // are single addcmul ops: addcmul(a, b, c, s) = a + s·b·c.
    const auto n = waves_;
    const auto tc = t.unsqueeze(1); // [N, 1]
    at::Tensor kx, lambdaX, dist2;  // k·x, λ·x and ‖x − v t‖², each [N, n]
    if (dims_ == 1) {
        kx = pairwiseDot(x, k);
        lambdaX = pairwiseDot(x, lambda);
        dist2 = at::addcmul(x, tc, velocity.t(), -1.0).square();
    } else {
        // One matrix product gives k·x, v·x and λ·x for every wave; split
        // (whose backward is one cat) and contiguous copies keep every later op
        // on dense [N, n] tensors. ‖x − v t‖² = ‖x‖² − 2t (v·x) + t² ‖v‖²,
        // exact at t = 0.
        const auto parts = pairwiseDot(x, at::cat({k, velocity, lambda})).split(n, 1);
        kx = parts[0].contiguous();
        const auto vx = parts[1].contiguous();
        lambdaX = parts[2].contiguous();
        dist2 = at::addcmul(x.square().sum(1, true), tc, vx, -2.0)
                    .addcmul(tc.square(), velocity.square().sum(1));
    }
    const auto phase = at::addcmul(kx, tc, omega, -1.0);                      // k·x − ωt
    const auto envelope = at::exp(dist2 * (-0.5 * at::exp(-2.0 * logSigma))); // σ⁻² = e^(−2 log σ)
    const auto modulation = at::sin(at::addcmul(phi, epsilon, at::cos(lambdaX)));
    return amplitude * at::cos(phase) * envelope * modulation;
}

torch::Tensor WaveEnsemble::forward(const torch::Tensor& x, const torch::Tensor& t) {
    // Under autocast the composed ops run, so that mixed precision has tensor
    // ops to act on; the fused kernel computes in the parameters' precision.
    // The CPU kernel takes C outputs; CUDA's sums the waves into one, C
    // outputs there take the composed ops.
    if (useFusedKernel && (head->weight.size(0) == 1 || x.is_cpu()) &&
        fusedKernelApplies(x, dims_)) {
        return fusedWaveEnsembleForward(*this, x, t);
    }
    return head(waveValues(x, t));
}

std::optional<EpochOutcome> WaveEnsemble::fusedEpoch(const EpochData& data, at::Tensor& gradient) {
    if (!useFusedKernel) {
        return std::nullopt;
    }
    return fusedWaveEnsembleEpoch(*this, data, gradient);
}

} // namespace dredge
