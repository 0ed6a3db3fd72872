#include "FusedInterferenceBasis.h"

#include "FusedGradientAccumulator.h"
#include "FusedInterferenceKernel.h"
#include "FusedKernelSelection.h"
#include "InterferenceBasis.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <cmath>
#include <torch/csrc/autograd/custom_function.h>

#ifdef DREDGE_WITH_CUDA
#include "cuda/FusedInterferenceKernelCuda.h"

#include <ATen/cuda/CUDAContext.h>
#endif

namespace dredge {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr int64_t kGrain = 1024; // points per parallel task
constexpr double kMinSigma = 1e-3;

enum Slot { LogSigma, Velocity, Amplitude, K, Omega, Phi, Epsilon, Lambda, Weight };

// 1/σ with the clamp of docs/reference.md §1.3, and 1/(Π σ · (2π)^{D/2}), in plain code: a
// handful of numbers, not worth seven tensor ops in each pass.
template <typename Scalar>
struct SharedEnvelope {
    std::vector<Scalar> inverseSigma;
    Scalar inverseNorm;
    std::vector<bool> clamped; // σ_d held at the clamp: no gradient reaches log σ_d
};

template <typename Scalar>
SharedEnvelope<Scalar> sharedEnvelope(const at::Tensor& logSigma) {
    const auto dims = logSigma.numel();
    const Scalar* ls = logSigma.data_ptr<Scalar>();
    SharedEnvelope<Scalar> e{std::vector<Scalar>(size_t(dims)), 0, std::vector<bool>(size_t(dims))};
    Scalar product = 1;
    for (int64_t d = 0; d < dims; ++d) {
        const Scalar sigma = std::max(std::exp(ls[d]), Scalar(kMinSigma));
        e.clamped[size_t(d)] = std::exp(ls[d]) < Scalar(kMinSigma);
        e.inverseSigma[size_t(d)] = Scalar(1) / sigma;
        product *= sigma;
    }
    e.inverseNorm = Scalar(1) / (product * Scalar(std::pow(2.0 * M_PI, 0.5 * double(dims))));
    return e;
}

template <typename Scalar>
fused::InterferenceParameters<Scalar> viewOf(const std::vector<at::Tensor>& p,
                                             const SharedEnvelope<Scalar>& shared) {
    return {shared.inverseSigma.data(),
            p[Velocity].data_ptr<Scalar>(),
            shared.inverseNorm,
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

#ifdef DREDGE_WITH_CUDA
// On CUDA the envelope's constants stay on the device (tensor ops, no sync).
struct DeviceEnvelope {
    at::Tensor inverseSigma, inverseNorm;
};

DeviceEnvelope deviceEnvelope(const at::Tensor& logSigma) {
    const auto sigma = at::exp(logSigma).clamp_min(kMinSigma);
    const auto norm = sigma.prod() * std::pow(2.0 * M_PI, 0.5 * double(logSigma.numel()));
    return {sigma.reciprocal(), norm.reciprocal()};
}

template <typename Scalar>
fused::InterferenceParameters<Scalar> deviceViewOf(const std::vector<at::Tensor>& p,
                                                   const DeviceEnvelope& e) {
    SharedEnvelope<Scalar> unused{{}, 0, {}};
    auto view = viewOf<Scalar>(p, unused);
    view.inverseSigma = e.inverseSigma.data_ptr<Scalar>();
    return view;
}
#endif

// Fills the grid tables for the parameters in `view` (TensorGridLayout.h)
// into `storage` (reused when its size fits) and points `view` at them;
// nothing unless the points are such a grid (every t 0)
// and the model float.
template <typename Scalar>
void attachGridTables(fused::InterferenceParameters<Scalar>& view, const float* axes,
                      const fused::TensorGridLayout& grid, at::Tensor& storage,
                      const at::TensorOptions& options) {
    if constexpr (std::is_same_v<Scalar, float>) {
        if (grid && options.device().is_cpu()) {
            at::Tensor& tables =
                reusedBuffer(storage, fused::interferenceGridTableSize(grid, view.fields), options);
            fused::interferenceGridTables(axes, view, grid, tables.data_ptr<float>());
            view.grid = grid;
            view.gridTables = tables.data_ptr<float>();
        }
    }
}

class InterferenceFunction : public torch::autograd::Function<InterferenceFunction> {
public:
    // xT [D, N] (see TransposedCoordinates); params: log σ, v, A, k, ω, φ, ε, λ,
    // superposition weight, read in place. `gridCode` (encodedLayout; an empty
    // layout for none): the points' tensor grid, which implies every t is 0.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& xT, const at::Tensor& t,
                              const at::Tensor& logSigma, const at::Tensor& v, const at::Tensor& A,
                              const at::Tensor& k, const at::Tensor& omega, const at::Tensor& phi,
                              const at::Tensor& eps, const at::Tensor& lambda,
                              const at::Tensor& weight, int64_t keptTermBudget,
                              const std::vector<int64_t>& gridCode) {
        const auto n = xT.size(1);
        const auto termCount = fused::interferenceTermCount(n, A.size(0));
        const auto terms = xT.is_cpu() && termCount * xT.element_size() <= keptTermBudget
                               ? at::empty({termCount}, xT.options())
                               : at::Tensor();
        const auto tc = t.contiguous();
        std::vector<at::Tensor> params;
        for (const auto* p : {&logSigma, &v, &A, &k, &omega, &phi, &eps, &lambda, &weight}) {
            params.push_back(p->contiguous());
        }
        auto out = at::empty({n, weight.size(0)}, xT.options());
        ctx->save_for_backward(params);
        ctx->saved_data["xT"] = xT;
        ctx->saved_data["t"] = tc;
        ctx->saved_data["terms"] = terms;
        ctx->saved_data["tensorGrid"] = gridCode;
#ifdef DREDGE_WITH_CUDA
        if (xT.is_cuda()) {
            const auto envelope = deviceEnvelope(params[LogSigma]);
            AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedInterferenceForwardCuda", [&] {
                fused::cuda::interferenceForward<scalar_t>(
                    xT.data_ptr<scalar_t>(), tc.data_ptr<scalar_t>(), n,
                    deviceViewOf<scalar_t>(params, envelope),
                    envelope.inverseNorm.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(),
                    at::cuda::getCurrentCUDAStream().stream());
            });
            return out;
        }
#endif
        AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedInterferenceForward", [&] {
            const auto shared = sharedEnvelope<scalar_t>(params[LogSigma]);
            auto view = viewOf<scalar_t>(params, shared);
            at::Tensor tables; // the backward's: a fresh buffer per forward
            const auto grid = fused::decodedLayout(gridCode);
            attachGridTables(view, gridAxesOf(xT, grid).data(), grid, tables, xT.options());
            ctx->saved_data["gridTables"] = tables;
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                fused::interferenceForward<scalar_t>(
                    xT.data_ptr<scalar_t>(), tc.data_ptr<scalar_t>(), n, begin, end, view,
                    out.data_ptr<scalar_t>(),
                    terms.defined() ? terms.data_ptr<scalar_t>() : nullptr);
            });
        });
        return out;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list gradOutputs) {
        const auto params = ctx->get_saved_variables();
        const auto xT = ctx->saved_data["xT"].toTensor();
        const auto t = ctx->saved_data["t"].toTensor();
        const auto terms = ctx->saved_data["terms"].toTensor();
        const auto gradOut = gradOutputs[0].contiguous();
        const auto n = xT.size(1);
        tensor_list grads{at::Tensor(), at::Tensor()}; // x and t take no gradient
#ifdef DREDGE_WITH_CUDA
        if (xT.is_cuda()) {
            const auto offsets = FusedGradientAccumulator::offsetsOf(params);
            auto sums = at::zeros({offsets.back()}, xT.options().dtype(at::kDouble));
            double* base = sums.data_ptr<double>();
            const fused::InterferenceGradients grad{
                base + offsets[LogSigma], base + offsets[Velocity], base + offsets[Amplitude],
                base + offsets[K],        base + offsets[Omega],    base + offsets[Phi],
                base + offsets[Epsilon],  base + offsets[Lambda],   base + offsets[Weight]};
            const auto envelope = deviceEnvelope(params[LogSigma]);
            AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedInterferenceBackwardCuda", [&] {
                fused::cuda::interferenceBackward<scalar_t>(
                    xT.data_ptr<scalar_t>(), t.data_ptr<scalar_t>(), n,
                    deviceViewOf<scalar_t>(params, envelope),
                    envelope.inverseNorm.data_ptr<scalar_t>(), gradOut.data_ptr<scalar_t>(), grad,
                    at::cuda::getCurrentCUDAStream().stream());
            });
            for (auto& g : FusedGradientAccumulator::splitLike(sums.to(xT.scalar_type()), params)) {
                grads.push_back(std::move(g));
            }
            // σ = max(exp(log σ), 1e-3): no gradient reaches log σ where it is clamped.
            grads[2 + LogSigma] = grads[2 + LogSigma] * (at::exp(params[LogSigma]) >= kMinSigma);
            grads.resize(grads.size() + 2); // keptTermBudget and the grid's layout
            return grads;
        }
#endif
        FusedGradientAccumulator accumulator(params);
        const auto gridTables = ctx->saved_data["gridTables"].toTensor();
        AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedInterferenceBackward", [&] {
            const auto shared = sharedEnvelope<scalar_t>(params[LogSigma]);
            auto view = viewOf<scalar_t>(params, shared);
            if (gridTables.defined()) { // as the forward's, for the same parameters
                view.grid = fused::decodedLayout(ctx->saved_data["tensorGrid"].toIntVector());
                view.gridTables = gridTables.data_ptr<scalar_t>();
            }
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                auto& a = accumulator;
                const fused::InterferenceGradients grad{
                    a.slot(LogSigma), a.slot(Velocity), a.slot(Amplitude),
                    a.slot(K),        a.slot(Omega),    a.slot(Phi),
                    a.slot(Epsilon),  a.slot(Lambda),   a.slot(Weight)};
                fused::interferenceBackward<scalar_t>(
                    xT.data_ptr<scalar_t>(), t.data_ptr<scalar_t>(), n, begin, end, view,
                    gradOut.data_ptr<scalar_t>(),
                    terms.defined() ? terms.data_ptr<scalar_t>() : nullptr, grad);
            });
            for (auto& g : accumulator.gradients(xT.scalar_type())) {
                grads.push_back(std::move(g));
            }
            // σ = max(exp(log σ), 1e-3): no gradient reaches log σ where it is clamped.
            auto* logSigmaGrad = grads[2 + LogSigma].data_ptr<scalar_t>();
            for (size_t d = 0; d < shared.clamped.size(); ++d) {
                if (shared.clamped[d]) {
                    logSigmaGrad[d] = 0;
                }
            }
        });
        grads.resize(grads.size() + 2); // keptTermBudget and the grid's layout
        return grads;
    }
};

} // namespace

at::Tensor fusedInterferenceForward(InterferenceBasis& m, const at::Tensor& x,
                                    const at::Tensor& t) {
    // Function::apply runs forward with gradients off, so ask here whether a
    // backward will follow; only then are the terms worth keeping.
    const bool backwardFollows = at::GradMode::is_enabled() && m.amplitude.requires_grad();
    const int64_t keptTermBudget = backwardFollows ? m.keptTermBudgetBytes : -1;
    const auto& xT = m.fusedCoordinates.of(x);
    const auto grid = m.fusedCoordinates.gridLayoutAt(t);
    return InterferenceFunction::apply(xT, t, m.logSigma, m.velocity, m.amplitude, m.k, m.omega,
                                       m.phi, m.epsilon, m.lambda, m.superposition->weight,
                                       keptTermBudget, fused::encodedLayout(grid));
}

std::optional<EpochOutcome> fusedInterferenceEpoch(InterferenceBasis& m, const EpochData& data,
                                                   at::Tensor& gradient) {
    const auto& x = data.coords;
    const auto& weight = m.superposition->weight;
    // A target narrower than the outputs (one column for several) is the
    // MSE's broadcast, which autograd does: the kernel reads one per output.
    if (!x.is_cpu() || !fusedKernelApplies(x, m.logSigma.numel(), weight.size(0)) ||
        data.target.numel() != x.size(0) * weight.size(0) ||
        x.scalar_type() != m.amplitude.scalar_type() ||
        (data.bfloat16Products && (x.scalar_type() != at::kFloat || weight.size(0) != 1))) {
        return std::nullopt;
    }
    const auto xT = m.fusedCoordinates.of(x);
    const auto t = data.time.contiguous();
    const int64_t n = xT.size(1), fields = m.amplitude.size(0), outputs = weight.size(0);
    const std::vector<at::Tensor> params{m.logSigma, m.velocity, m.amplitude, m.k,   m.omega,
                                         m.phi,      m.epsilon,  m.lambda,    weight};
    const KernelTargets targets(data, x.scalar_type());
    auto out = at::empty({n, outputs}, x.options());
    auto& gradOut = reusedBuffer(m.epochBuffers.outputGradient, n * outputs, x.options());
    const int threads = at::get_num_threads();
    const int64_t scratchPerThread =
        fused::interferenceTermCount(fused::interferenceEpochBlock(fields), fields);
    auto& scratch = reusedBuffer(m.epochBuffers.scratch, scratchPerThread * threads, x.options());
    const int64_t chunks = epochChunks(n);
    FusedGradientAccumulator accumulator(params, chunks);
    std::vector<fused::LossSums> loss(static_cast<size_t>(chunks));
    // A rank's shard is computed as the whole would be (EpochShard).
    const auto& shard = data.shard;
    const auto grid = shard ? shard->grid : m.fusedCoordinates.gridLayoutAt(t);
    const float* axes = shard ? shard->gridAxes.data() : m.fusedCoordinates.gridAxes().data();
    EpochOutcome outcome;
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedInterferenceEpoch", [&] {
        const auto shared = sharedEnvelope<scalar_t>(params[LogSigma]);
        auto view = viewOf<scalar_t>(params, shared);
        view.bfloat16Superposition = data.bfloat16Products;
        attachGridTables(view, axes, grid, m.epochBuffers.gridTables, xT.options());
        const auto lossTargets = targets.view<scalar_t>();
        forEachEpochChunk(n, [&](int64_t chunk, int64_t begin, int64_t end) {
            const int thread = at::get_thread_num();
            auto& a = accumulator;
            const fused::InterferenceGradients grad{
                a.slotOf(chunk, LogSigma), a.slotOf(chunk, Velocity), a.slotOf(chunk, Amplitude),
                a.slotOf(chunk, K),        a.slotOf(chunk, Omega),    a.slotOf(chunk, Phi),
                a.slotOf(chunk, Epsilon),  a.slotOf(chunk, Lambda),   a.slotOf(chunk, Weight)};
            fused::interferenceEpoch<scalar_t>(
                xT.data_ptr<scalar_t>(), t.data_ptr<scalar_t>(), n, begin, end, view, lossTargets,
                out.data_ptr<scalar_t>(), gradOut.data_ptr<scalar_t>(),
                scratch.data_ptr<scalar_t>() + thread * scratchPerThread, grad,
                loss[size_t(chunk)]);
        });
        outcome = sumEpoch(accumulator, loss, out, gradient, data);
        // σ = max(exp(log σ), 1e-3): no gradient reaches log σ where it is clamped
        // (log σ comes first in the flat gradient).
        auto* logSigmaGrad = gradient.data_ptr<scalar_t>();
        for (size_t d = 0; d < shared.clamped.size(); ++d) {
            if (shared.clamped[d]) {
                logSigmaGrad[d] = 0;
            }
        }
    });
    if (data.bfloat16Products) { // the superposition's weight: the last 2F values
        roundToBFloat16(gradient, gradient.numel() - weight.numel(), weight.numel());
    }
    return outcome;
}

} // namespace dredge
