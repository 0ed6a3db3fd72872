#include "FusedWaveEnsemble.h"

#include "FusedGradientAccumulator.h"
#include "FusedKernelSelection.h"
#include "FusedWaveKernel.h"
#include "WaveEnsemble.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#ifdef DREDGE_WITH_CUDA
#include "cuda/FusedWaveKernelCuda.h"

#include <ATen/cuda/CUDAContext.h>
#endif

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
};

template <typename Scalar>
fused::WaveParameters<Scalar> viewOf(const std::vector<at::Tensor>& p, int64_t waves,
                                     int64_t dims) {
    fused::WaveParameters<Scalar> view{p[Amplitude].data_ptr<Scalar>(),
                                       p[K].data_ptr<Scalar>(),
                                       p[Omega].data_ptr<Scalar>(),
                                       p[Velocity].data_ptr<Scalar>(),
                                       p[LogSigma].data_ptr<Scalar>(),
                                       p[Phi].data_ptr<Scalar>(),
                                       p[Epsilon].data_ptr<Scalar>(),
                                       p[Lambda].data_ptr<Scalar>(),
                                       p[HeadWeight].data_ptr<Scalar>(),
                                       p[HeadBias].is_cpu() ? *p[HeadBias].data_ptr<Scalar>()
                                                            : Scalar(0), // CUDA reads it there
                                       waves,
                                       dims};
    view.outputs = p[HeadWeight].size(0); // [C][n]
    view.headBiases = p[HeadBias].data_ptr<Scalar>();
    return view;
}

// Fills the grid tables for the parameters in `view` (TensorGridLayout.h)
// into `storage` (reused when its size fits) and points `view` at them;
// nothing unless the points are such a grid, every t is 0
// and the model is float.
template <typename Scalar>
void attachGridTables(fused::WaveParameters<Scalar>& view, const float* axes,
                      const fused::TensorGridLayout& grid, at::Tensor& storage,
                      const at::TensorOptions& options) {
    if constexpr (std::is_same_v<Scalar, float>) {
        if (grid && view.staticTime && options.device().is_cpu()) {
            at::Tensor& tables =
                reusedBuffer(storage, fused::waveGridTableSize(grid, view.waves), options);
            fused::waveGridTables(axes, view, grid, tables.data_ptr<float>());
            view.grid = grid;
            view.gridTables = tables.data_ptr<float>();
        }
    }
}

class WaveEnsembleFunction : public torch::autograd::Function<WaveEnsembleFunction> {
public:
    // xT [D, N] (see TransposedCoordinates); params: A, k, ω, v, log σ, φ, ε, λ,
    // head weight, head bias, read in place (the module's parameters are
    // contiguous: no copies, no detach). `gridCode` (encodedLayout; an empty
    // layout for none): the points' tensor grid, which implies every t is 0.
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& xT, const at::Tensor& t,
                              const at::Tensor& A, const at::Tensor& k, const at::Tensor& omega,
                              const at::Tensor& v, const at::Tensor& logSigma,
                              const at::Tensor& phi, const at::Tensor& eps,
                              const at::Tensor& lambda, const at::Tensor& w, const at::Tensor& b,
                              int64_t keptTermBudget, const std::vector<int64_t>& gridCode) {
        const auto dims = xT.size(0), n = xT.size(1), waves = A.size(0);
        const auto termCount = n * waves * fused::kWaveTerms;
        const auto terms = xT.is_cpu() && termCount * xT.element_size() <= keptTermBudget
                               ? at::empty({termCount}, xT.options())
                               : at::Tensor();
        const auto tc = t.contiguous();
        std::vector<at::Tensor> params;
        for (const auto* p : {&A, &k, &omega, &v, &logSigma, &phi, &eps, &lambda, &w, &b}) {
            params.push_back(p->contiguous());
        }
        auto out = at::empty({n, w.size(0)}, xT.options());
        ctx->save_for_backward(params);
        ctx->saved_data["xT"] = xT;
        ctx->saved_data["t"] = tc;
        ctx->saved_data["tensorGrid"] = gridCode;
#ifdef DREDGE_WITH_CUDA
        if (xT.is_cuda()) {
            AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedWaveEnsembleForwardCuda", [&] {
                fused::cuda::waveEnsembleForward<scalar_t>(
                    xT.data_ptr<scalar_t>(), tc.data_ptr<scalar_t>(), n,
                    viewOf<scalar_t>(params, waves, dims), params[HeadBias].data_ptr<scalar_t>(),
                    out.data_ptr<scalar_t>(), at::cuda::getCurrentCUDAStream().stream());
            });
            ctx->saved_data["terms"] = at::Tensor(); // the CUDA backward computes them again
            return out;
        }
#endif
        AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedWaveEnsembleForward", [&] {
            auto view = viewOf<scalar_t>(params, waves, dims);
            const auto grid = fused::decodedLayout(gridCode);
            view.staticTime = bool(grid);
            at::Tensor tables; // the backward's: a fresh buffer per forward
            attachGridTables(view, gridAxesOf(xT, grid).data(), grid, tables, xT.options());
            ctx->saved_data["gridTables"] = tables;
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                fused::waveEnsembleForward<scalar_t>(
                    xT.data_ptr<scalar_t>(), tc.data_ptr<scalar_t>(), n, begin, end, view,
                    out.data_ptr<scalar_t>(),
                    terms.defined() ? terms.data_ptr<scalar_t>() : nullptr);
            });
        });
        ctx->saved_data["terms"] = terms;
        return out;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list gradOutputs) {
        const auto params = ctx->get_saved_variables();
        const auto xT = ctx->saved_data["xT"].toTensor();
        const auto t = ctx->saved_data["t"].toTensor();
        const auto terms = ctx->saved_data["terms"].toTensor();
        const auto gradOut = gradOutputs[0].contiguous();
        const auto dims = xT.size(0), n = xT.size(1), waves = params[Amplitude].size(0);
        tensor_list grads{at::Tensor(), at::Tensor()}; // x and t take no gradient
#ifdef DREDGE_WITH_CUDA
        if (xT.is_cuda()) {
            const auto offsets = FusedGradientAccumulator::offsetsOf(params);
            auto sums = at::zeros({offsets.back()}, xT.options().dtype(at::kDouble));
            double* base = sums.data_ptr<double>();
            const fused::WaveGradients grad{base + offsets[Amplitude],  base + offsets[K],
                                            base + offsets[Omega],      base + offsets[Velocity],
                                            base + offsets[LogSigma],   base + offsets[Phi],
                                            base + offsets[Epsilon],    base + offsets[Lambda],
                                            base + offsets[HeadWeight], base + offsets[HeadBias]};
            AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedWaveEnsembleBackwardCuda", [&] {
                fused::cuda::waveEnsembleBackward<scalar_t>(
                    xT.data_ptr<scalar_t>(), t.data_ptr<scalar_t>(), n,
                    viewOf<scalar_t>(params, waves, dims), gradOut.data_ptr<scalar_t>(), grad,
                    at::cuda::getCurrentCUDAStream().stream());
            });
            for (auto& g : FusedGradientAccumulator::splitLike(sums.to(xT.scalar_type()), params)) {
                grads.push_back(std::move(g));
            }
            grads.resize(grads.size() + 2); // keptTermBudget and the grid's layout
            return grads;
        }
#endif
        FusedGradientAccumulator accumulator(params);
        const auto grid = fused::decodedLayout(ctx->saved_data["tensorGrid"].toIntVector());
        const auto gridTables = ctx->saved_data["gridTables"].toTensor();
        AT_DISPATCH_FLOATING_TYPES(xT.scalar_type(), "fusedWaveEnsembleBackward", [&] {
            auto view = viewOf<scalar_t>(params, waves, dims);
            view.staticTime = bool(grid);
            if (gridTables.defined()) { // as the forward's, for the same parameters
                view.grid = grid;
                view.gridTables = gridTables.data_ptr<scalar_t>();
            }
            at::parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) {
                auto& a = accumulator;
                const fused::WaveGradients grad{
                    a.slot(Amplitude),  a.slot(K),       a.slot(Omega),   a.slot(Velocity),
                    a.slot(LogSigma),   a.slot(Phi),     a.slot(Epsilon), a.slot(Lambda),
                    a.slot(HeadWeight), a.slot(HeadBias)};
                fused::waveEnsembleBackward<scalar_t>(
                    xT.data_ptr<scalar_t>(), t.data_ptr<scalar_t>(), n, begin, end, view,
                    gradOut.data_ptr<scalar_t>(),
                    terms.defined() ? terms.data_ptr<scalar_t>() : nullptr, grad);
            });
        });
        for (auto& g : accumulator.gradients(xT.scalar_type())) {
            grads.push_back(std::move(g));
        }
        grads.resize(grads.size() + 2); // keptTermBudget and the grid's layout
        return grads;
    }
};

} // namespace

at::Tensor fusedWaveEnsembleForward(WaveEnsemble& m, const at::Tensor& x, const at::Tensor& t) {
    // Function::apply runs forward with gradients off, so ask here whether a
    // backward will follow; only then are the terms worth keeping.
    const bool backwardFollows = at::GradMode::is_enabled() && m.amplitude.requires_grad();
    const int64_t keptTermBudget = backwardFollows ? m.keptTermBudgetBytes : -1;
    const auto& xT = m.fusedCoordinates.of(x);
    const auto grid = m.fusedCoordinates.gridLayoutAt(t);
    return WaveEnsembleFunction::apply(xT, t, m.amplitude, m.k, m.omega, m.velocity, m.logSigma,
                                       m.phi, m.epsilon, m.lambda, m.head->weight, m.head->bias,
                                       keptTermBudget, fused::encodedLayout(grid));
}

std::optional<EpochOutcome> fusedWaveEnsembleEpoch(WaveEnsemble& m, const EpochData& data,
                                                   at::Tensor& gradient) {
    const auto& x = data.coords;
    // Mixed precision's emulated bfloat16 head is a float model's with one
    // output (C outputs under AMP train through autocast). A target narrower
    // than the outputs is the MSE's broadcast, which autograd does: the
    // kernel reads one per output.
    const int64_t outputs = m.head->weight.size(0);
    if (!x.is_cpu() || !fusedKernelApplies(x, m.dims()) ||
        data.target.numel() != x.size(0) * outputs ||
        x.scalar_type() != m.amplitude.scalar_type() ||
        (data.bfloat16Products && (x.scalar_type() != at::kFloat || outputs > 1))) {
        return std::nullopt;
    }
    const auto xT = m.fusedCoordinates.of(x);
    const auto t = data.time.contiguous();
    const int64_t n = xT.size(1), waves = m.waves(), dims = m.dims();
    const std::vector<at::Tensor> params{m.amplitude,    m.k,         m.omega,   m.velocity,
                                         m.logSigma,     m.phi,       m.epsilon, m.lambda,
                                         m.head->weight, m.head->bias};
    const KernelTargets targets(data, x.scalar_type());
    auto out = at::empty({n, outputs}, x.options());
    auto& gradOut = reusedBuffer(m.epochBuffers.outputGradient, n * outputs, x.options());
    const int threads = at::get_num_threads();
    const int64_t scratchPerThread = fused::waveEpochBlock(waves) * waves * fused::kWaveTerms;
    auto& scratch = reusedBuffer(m.epochBuffers.scratch, scratchPerThread * threads, x.options());
    const int64_t chunks = epochChunks(n);
    FusedGradientAccumulator accumulator(params, chunks);
    std::vector<fused::LossSums> loss(static_cast<size_t>(chunks));
    // A rank's shard is computed as the whole would be (EpochShard).
    const auto& shard = data.shard;
    const bool staticTime = shard ? shard->staticTime : m.fusedCoordinates.timeIsZero(t);
    const auto grid = shard ? shard->grid : m.fusedCoordinates.gridLayoutAt(t);
    const float* axes = shard ? shard->gridAxes.data() : m.fusedCoordinates.gridAxes().data();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedWaveEnsembleEpoch", [&] {
        auto view = viewOf<scalar_t>(params, waves, dims);
        view.staticTime = staticTime;
        view.bfloat16Head = data.bfloat16Products;
        attachGridTables(view, axes, grid, m.epochBuffers.gridTables, xT.options());
        const auto lossTargets = targets.view<scalar_t>();
        forEachEpochChunk(n, [&](int64_t chunk, int64_t begin, int64_t end) {
            const int thread = at::get_thread_num();
            auto& a = accumulator;
            const fused::WaveGradients grad{a.slotOf(chunk, Amplitude),  a.slotOf(chunk, K),
                                            a.slotOf(chunk, Omega),      a.slotOf(chunk, Velocity),
                                            a.slotOf(chunk, LogSigma),   a.slotOf(chunk, Phi),
                                            a.slotOf(chunk, Epsilon),    a.slotOf(chunk, Lambda),
                                            a.slotOf(chunk, HeadWeight), a.slotOf(chunk, HeadBias)};
            fused::waveEnsembleEpoch<scalar_t>(
                xT.data_ptr<scalar_t>(), t.data_ptr<scalar_t>(), n, begin, end, view, lossTargets,
                out.data_ptr<scalar_t>(), gradOut.data_ptr<scalar_t>(),
                scratch.data_ptr<scalar_t>() + thread * scratchPerThread, grad,
                loss[size_t(chunk)]);
        });
    });
    auto outcome = sumEpoch(accumulator, loss, std::move(out), gradient, data);
    if (data.bfloat16Products) { // head weight and bias: the last n + 1 values
        roundToBFloat16(gradient, gradient.numel() - waves - 1, waves + 1);
    }
    return outcome;
}

} // namespace dredge
