#include "FusedWaveEnsemble.h"

#include "FusedWaveKernel.h"
#include "WaveEnsemble.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

namespace dredge {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr int64_t kGrain = 1024; // points per parallel task

enum Slot {
    Amplitude,
    K,
    Omega,
    Velocity,
    LogSigma,
    Phi,
    Epsilon,
    Lambda,
    HeadWeight,
    HeadBias,
    kSlots
};

template <typename Scalar>
fused::WaveParameters<Scalar> viewOf(const std::vector<at::Tensor>& p, int64_t waves,
                                     int64_t dims) {
    return {p[Amplitude].data_ptr<Scalar>(),
            p[K].data_ptr<Scalar>(),
            p[Omega].data_ptr<Scalar>(),
            p[Velocity].data_ptr<Scalar>(),
            p[LogSigma].data_ptr<Scalar>(),
            p[Phi].data_ptr<Scalar>(),
            p[Epsilon].data_ptr<Scalar>(),
            p[Lambda].data_ptr<Scalar>(),
            p[HeadWeight].data_ptr<Scalar>(),
            p[HeadBias].item<Scalar>(),
            waves,
            dims};
}

class WaveEnsembleFunction : public torch::autograd::Function<WaveEnsembleFunction> {
public:
    // params: A, k, ω, v, log σ, φ, ε, λ, head weight, head bias.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& t,
                              const at::Tensor& A, const at::Tensor& k, const at::Tensor& omega,
                              const at::Tensor& v, const at::Tensor& logSigma,
                              const at::Tensor& phi, const at::Tensor& eps,
                              const at::Tensor& lambda, const at::Tensor& w, const at::Tensor& b) {
        const auto n = x.size(0), dims = x.size(1), waves = A.size(0);
        const auto xT = x.t().contiguous();
        const auto tc = t.contiguous();
        std::vector<at::Tensor> params;
        for (const auto* p : {&A, &k, &omega, &v, &logSigma, &phi, &eps, &lambda, &w, &b}) {
            params.push_back(p->detach().contiguous());
        }
        auto out = at::empty({n, 1}, x.options());
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedWaveEnsembleForward", [&] {
            const auto view = viewOf<scalar_t>(params, waves, dims);
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                fused::waveEnsembleForward<scalar_t>(xT.data_ptr<scalar_t>(),
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
        const auto dims = xT.size(0), n = xT.size(1), waves = params[Amplitude].size(0);

        // One double accumulator per thread, summed in a fixed order afterwards:
        // no atomics, and the same result for the same thread count.
        std::vector<int64_t> offsets{0};
        for (const auto& p : params) {
            offsets.push_back(offsets.back() + p.numel());
        }
        const int threads = at::get_num_threads();
        auto partial = at::zeros({threads, offsets.back()}, at::kDouble);
        AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedWaveEnsembleBackward", [&] {
            const auto view = viewOf<scalar_t>(params, waves, dims);
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                double* base = partial[at::get_thread_num()].data_ptr<double>();
                const fused::WaveGradients grad{
                    base + offsets[Amplitude], base + offsets[K],        base + offsets[Omega],
                    base + offsets[Velocity],  base + offsets[LogSigma], base + offsets[Phi],
                    base + offsets[Epsilon],   base + offsets[Lambda],   base + offsets[HeadWeight],
                    base + offsets[HeadBias]};
                fused::waveEnsembleBackward<scalar_t>(xT.data_ptr<scalar_t>(),
                                                      t.data_ptr<scalar_t>(), n, begin, end, view,
                                                      gradOut.data_ptr<scalar_t>(), grad);
            });
        });
        const auto total = partial.sum(0).to(xT.scalar_type());
        tensor_list grads{at::Tensor(), at::Tensor()}; // x and t take no gradient
        for (int s = 0; s < kSlots; ++s) {
            grads.push_back(total.narrow(0, offsets[s], params[s].numel()).view(params[s].sizes()));
        }
        return grads;
    }
};

} // namespace

at::Tensor fusedWaveEnsembleForward(WaveEnsemble& m, const at::Tensor& x, const at::Tensor& t) {
    return WaveEnsembleFunction::apply(x, t, m.amplitude, m.k, m.omega, m.velocity, m.logSigma,
                                       m.phi, m.epsilon, m.lambda, m.head->weight, m.head->bias);
}

} // namespace dredge
