#include "FusedInterferenceBasis.h"

#include "FusedInterferenceKernel.h"
#include "InterferenceBasis.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <cmath>
#include <torch/csrc/autograd/custom_function.h>

namespace dredge {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr int64_t kGrain = 1024; // points per parallel task
constexpr double kMinSigma = 1e-3;

enum Slot { LogSigma, Velocity, Amplitude, K, Omega, Phi, Epsilon, Lambda, Weight, kSlots };

// 1/σ (with the SPEC's clamp) and 1/(Π σ · (2π)^{D/2}), computed as the
// composed ops do, so that both paths see the same numbers.
struct SharedEnvelope {
    at::Tensor inverseSigma;
    double inverseNorm;
};

SharedEnvelope sharedEnvelope(const at::Tensor& logSigma) {
    const auto sigma = at::exp(logSigma).clamp_min(kMinSigma);
    const auto norm = sigma.prod() * std::pow(2.0 * M_PI, 0.5 * double(logSigma.numel()));
    return {sigma.reciprocal(), 1.0 / norm.item<double>()};
}

template <typename Scalar>
fused::InterferenceParameters<Scalar> viewOf(const std::vector<at::Tensor>& p,
                                             const SharedEnvelope& shared) {
    return {shared.inverseSigma.data_ptr<Scalar>(),
            p[Velocity].data_ptr<Scalar>(),
            static_cast<Scalar>(shared.inverseNorm),
            p[Amplitude].data_ptr<Scalar>(),
            p[K].data_ptr<Scalar>(),
            p[Omega].data_ptr<Scalar>(),
            p[Phi].data_ptr<Scalar>(),
            p[Epsilon].data_ptr<Scalar>(),
            p[Lambda].data_ptr<Scalar>(),
            p[Weight].data_ptr<Scalar>(),
            p[Amplitude].size(0),
            p[LogSigma].size(0),
            p[Weight].size(0)};
}

class InterferenceFunction : public torch::autograd::Function<InterferenceFunction> {
public:
    // params: log σ, v, A, k, ω, φ, ε, λ, superposition weight.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& t,
                              const at::Tensor& logSigma, const at::Tensor& v, const at::Tensor& A,
                              const at::Tensor& k, const at::Tensor& omega, const at::Tensor& phi,
                              const at::Tensor& eps, const at::Tensor& lambda,
                              const at::Tensor& weight) {
        const auto n = x.size(0);
        const auto xT = x.t().contiguous();
        const auto tc = t.contiguous();
        std::vector<at::Tensor> params;
        for (const auto* p : {&logSigma, &v, &A, &k, &omega, &phi, &eps, &lambda, &weight}) {
            params.push_back(p->detach().contiguous());
        }
        const auto shared = sharedEnvelope(params[LogSigma]);
        auto out = at::empty({n, weight.size(0)}, x.options());
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedInterferenceForward", [&] {
            const auto view = viewOf<scalar_t>(params, shared);
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                fused::interferenceForward<scalar_t>(xT.data_ptr<scalar_t>(),
                                                     tc.data_ptr<scalar_t>(), n, begin, end, view,
                                                     out.data_ptr<scalar_t>());
            });
        });
        ctx->save_for_backward(params);
        ctx->saved_data["xT"] = xT;
        ctx->saved_data["t"] = tc;
        return out;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list gradOutputs) {
        const auto params = ctx->get_saved_variables();
        const auto xT = ctx->saved_data["xT"].toTensor();
        const auto t = ctx->saved_data["t"].toTensor();
        const auto gradOut = gradOutputs[0].contiguous();
        const auto n = xT.size(1);
        const auto shared = sharedEnvelope(params[LogSigma]);

        // One double accumulator per thread, summed in a fixed order afterwards
        // (as in FusedWaveEnsemble.cpp).
        std::vector<int64_t> offsets{0};
        for (const auto& p : params) {
            offsets.push_back(offsets.back() + p.numel());
        }
        const int threads = at::get_num_threads();
        auto partial = at::zeros({threads, offsets.back()}, at::kDouble);
        AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedInterferenceBackward", [&] {
            const auto view = viewOf<scalar_t>(params, shared);
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                double* base = partial[at::get_thread_num()].data_ptr<double>();
                const fused::InterferenceGradients grad{
                    base + offsets[LogSigma], base + offsets[Velocity], base + offsets[Amplitude],
                    base + offsets[K],        base + offsets[Omega],    base + offsets[Phi],
                    base + offsets[Epsilon],  base + offsets[Lambda],   base + offsets[Weight]};
                fused::interferenceBackward<scalar_t>(xT.data_ptr<scalar_t>(),
                                                      t.data_ptr<scalar_t>(), n, begin, end, view,
                                                      gradOut.data_ptr<scalar_t>(), grad);
            });
        });
        const auto total = partial.sum(0).to(xT.scalar_type());
        tensor_list grads{at::Tensor(), at::Tensor()}; // x and t take no gradient
        for (int s = 0; s < kSlots; ++s) {
            grads.push_back(total.narrow(0, offsets[s], params[s].numel()).view(params[s].sizes()));
        }
        // σ = max(exp(log σ), 1e-3): no gradient reaches log σ where it is clamped.
        grads[2 + LogSigma] = grads[2 + LogSigma] * (at::exp(params[LogSigma]) >= kMinSigma);
        return grads;
    }
};

} // namespace

at::Tensor fusedInterferenceForward(InterferenceBasis& m, const at::Tensor& x,
                                    const at::Tensor& t) {
    return InterferenceFunction::apply(x, t, m.logSigma, m.velocity, m.amplitude, m.k, m.omega,
                                       m.phi, m.epsilon, m.lambda, m.superposition->weight);
}

} // namespace dredge
