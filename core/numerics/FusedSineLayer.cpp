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

// a·b in float32, or (bfloat16Gemm) from bfloat16 operands with the result
// stored as bfloat16, as autocast runs a matmul: oneDNN's bf16 GEMM where the
// CPU has bfloat16 dot products (issue 29).
at::Tensor product(const at::Tensor& a, const at::Tensor& b, bool bfloat16Gemm) {
    if (!bfloat16Gemm) {
        return at::mm(a, b);
    }
    return at::mm(a.to(at::kBFloat16), b.to(at::kBFloat16)).to(a.scalar_type());
}

class SineLayerFunction : public torch::autograd::Function<SineLayerFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input,
                              const at::Tensor& weightIn, const at::Tensor& biasIn, double w0,
                              bool bfloat16Gemm) {
        const auto x = input.contiguous();
        const auto weight = weightIn.contiguous();
        const auto bias = biasIn.contiguous();
        const auto rows = x.size(0), inputs = x.size(1), cols = weight.size(0);
        auto sinOut = at::empty({rows, cols}, x.options());
        // Holds z until the kernel overwrites it with cos z for the backward.
        auto cosOut = at::empty({rows, cols}, x.options());
        // With one input, x Wᵀ is an outer product the kernel forms itself;
        // otherwise BLAS computes it.
        const auto pre = inputs == 1 ? at::Tensor() : product(x, weight.t(), bfloat16Gemm);
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
        ctx->saved_data["bfloat16Gemm"] = bfloat16Gemm;
        return sinOut;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list gradOutputs) {
        const auto saved = ctx->get_saved_variables();
        const auto& x = saved[0];
        const auto& weight = saved[1];
        const auto& cosSaved = saved[2];
        const double w0 = ctx->saved_data["w0"].toDouble();
        const bool bf16 = ctx->saved_data["bfloat16Gemm"].toBool();
        const auto gradOut = gradOutputs[0].contiguous();
        auto gradPre = at::empty_like(cosSaved); // dL/d(x Wᵀ + b)
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fusedSineLayerBackward", [&] {
            at::parallel_for(0, gradPre.numel(), kGrainElements, [&](int64_t begin, int64_t end) {
                fused::sineLayerBackward<scalar_t>(
                    gradOut.data_ptr<scalar_t>() + begin, cosSaved.data_ptr<scalar_t>() + begin,
                    end - begin, static_cast<scalar_t>(w0), gradPre.data_ptr<scalar_t>() + begin);
            });
        });
        const auto gradX = ctx->needs_input_grad(0) ? product(gradPre, weight, bf16) : at::Tensor();
        return {gradX, product(gradPre.t(), x, bf16), gradPre.sum(0), at::Tensor(), at::Tensor()};
    }
};

} // namespace

at::Tensor fusedSineLayer(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                          double w0, bool bfloat16Gemm) {
    return SineLayerFunction::apply(x, weight, bias, w0, bfloat16Gemm);
}

} // namespace dredge
