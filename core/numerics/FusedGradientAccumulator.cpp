#include "FusedGradientAccumulator.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

namespace dredge {

FusedGradientAccumulator::FusedGradientAccumulator(const std::vector<at::Tensor>& parameters,
                                                   int64_t partials)
    : offsets_(offsetsOf(parameters))
    , parameters_(parameters)
    , partials_(partials > 0 ? partials : at::get_num_threads()) {
    // Each set's accumulators start on a cache line of their own, two lines
    // apart at least (the adjacent-line prefetcher): threads adding to
    // neighbouring lines made two threads slower than twice one.
    constexpr int64_t kLine = 16; // doubles in 128 bytes
    stride_ = (offsets_.back() + kLine - 1) / kLine * kLine;
    partial_.assign(size_t(partials_) * size_t(stride_), 0.0);
}

std::vector<at::Tensor> FusedGradientAccumulator::gradients(at::ScalarType dtype) const {
    auto flat = at::empty({offsets_.back()}, at::TensorOptions().dtype(dtype));
    sumInto(flat);
    return splitLike(flat, parameters_);
}

void FusedGradientAccumulator::sumInto(at::Tensor& flat) const {
    const int64_t total = offsets_.back();
    TORCH_CHECK(flat.is_cpu() && flat.is_contiguous() && flat.numel() == total,
                "the flat gradient does not fit the parameters");
    AT_DISPATCH_FLOATING_TYPES(flat.scalar_type(), "fusedGradients", [&] {
        auto* out = flat.data_ptr<scalar_t>();
        for (int64_t i = 0; i < total; ++i) {
            double sum = partial_[size_t(i)];
            for (int64_t set = 1; set < partials_; ++set) {
                sum += partial_[size_t(set * stride_ + i)];
            }
            out[i] = static_cast<scalar_t>(sum);
        }
    });
}

void FusedGradientAccumulator::addInto(double* running, bool fresh) const {
    const int64_t total = offsets_.back();
    for (int64_t i = 0; i < total; ++i) {
        double sum = fresh ? partial_[size_t(i)] : running[i] + partial_[size_t(i)];
        for (int64_t set = 1; set < partials_; ++set) {
            sum += partial_[size_t(set * stride_ + i)];
        }
        running[i] = sum;
    }
}

std::vector<int64_t> FusedGradientAccumulator::offsetsOf(const std::vector<at::Tensor>& params) {
    std::vector<int64_t> offsets{0};
    for (const auto& p : params) {
        offsets.push_back(offsets.back() + p.numel());
    }
    return offsets;
}

std::vector<at::Tensor> FusedGradientAccumulator::splitLike(const at::Tensor& flat,
                                                            const std::vector<at::Tensor>& params) {
    std::vector<int64_t> numels;
    for (const auto& p : params) {
        numels.push_back(p.numel());
    }
    auto pieces = flat.split_with_sizes(numels);
    for (size_t s = 0; s < pieces.size(); ++s) {
        if (params[s].dim() != 1) {
            pieces[s] = pieces[s].view(params[s].sizes());
        }
    }
    return pieces;
}

} // namespace dredge
