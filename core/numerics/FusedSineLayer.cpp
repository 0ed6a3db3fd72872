#include "FusedSineLayer.h"

#include "FusedSineKernel.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

namespace dredge {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

constexpr int64_t kGrainElements = 16384; // activations per parallel task

int64_t rowGrain(int64_t cols) {
    return std::max<int64_t>(1, kGrainElements / std::max<int64_t>(cols, 1));
}

class SineLayerFunction : public torch::autograd::Function<SineLayerFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input,
                              const at::Tensor& weightIn, const at::Tensor& biasIn, double w0) {
        const auto x = input.contiguous();
        const auto weight = weightIn.contiguous();
        const auto bias = biasIn.contiguous();
        const auto rows = x.size(0), inputs = x.size(1), cols = weight.size(0);
        auto sinOut = at::empty({rows, cols}, x.options());
        // Holds z until the kernel overwrites it with cos z for the backward.
        auto cosOut = at::empty({rows, cols}, x.options());
        // With one input, x Wᵀ is an outer product the kernel forms itself;
        // otherwise BLAS computes it.
        const auto pre = inputs == 1 ? at::Tensor() : at::mm(x, weight.t());
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedSineLayerForward", [&] {
            const auto scale = static_cast<scalar_t>(w0);
            at::parallel_for(0, rows, rowGrain(cols), [&](int64_t begin, int64_t end) {
                if (inputs == 1) {
                    fused::sineLayerForwardRank1<scalar_t>(
                        x.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(),
                        bias.data_ptr<scalar_t>(), cols, begin, end, scale,
                        sinOut.data_ptr<scalar_t>(), cosOut.data_ptr<scalar_t>());
                } else {
                    fused::sineLayerForward<scalar_t>(
                        pre.data_ptr<scalar_t>(), bias.data_ptr<scalar_t>(), cols, begin, end,
                        scale, sinOut.data_ptr<scalar_t>(), cosOut.data_ptr<scalar_t>());
                }
            });
        });
        ctx->save_for_backward({x, weight, cosOut});
        ctx->saved_data["w0"] = w0;
        return sinOut;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list gradOutputs) {
        const auto saved = ctx->get_saved_variables();
        const auto& x = saved[0];
        const auto& weight = saved[1];
        const auto& cosSaved = saved[2];
        const double w0 = ctx->saved_data["w0"].toDouble();
        const auto gradOut = gradOutputs[0].contiguous();
        auto gradPre = at::empty_like(cosSaved); // dL/d(x Wᵀ + b)
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedSineLayerBackward", [&] {
            at::parallel_for(0, gradPre.numel(), kGrainElements, [&](int64_t begin, int64_t end) {
                fused::sineLayerBackward<scalar_t>(
                    gradOut.data_ptr<scalar_t>() + begin, cosSaved.data_ptr<scalar_t>() + begin,
                    end - begin, static_cast<scalar_t>(w0), gradPre.data_ptr<scalar_t>() + begin);
            });
        });
        const auto gradX = ctx->needs_input_grad(0) ? at::mm(gradPre, weight) : at::Tensor();
        return {gradX, at::mm(gradPre.t(), x), gradPre.sum(0), at::Tensor()};
    }
};

} // namespace

at::Tensor fusedSineLayer(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                          double w0) {
    return SineLayerFunction::apply(x, weight, bias, w0);
}

} // namespace dredge
