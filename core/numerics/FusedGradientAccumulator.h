#pragma once
// Parameter gradients of a fused kernel's backward pass. Each thread of
// at::parallel_for adds into its own double accumulators (no atomics, and the
// same sums for the same thread count); gradients() adds them up in a fixed
// order and hands back one tensor per parameter, all views of one buffer.
// Plain loops instead of tensor ops: at these sizes each op's dispatch costs
// more than its arithmetic.

#include <ATen/ATen.h>

#include <vector>

namespace dredge {

class FusedGradientAccumulator {
public:
    explicit FusedGradientAccumulator(const std::vector<at::Tensor>& parameters);

    // The calling thread's accumulators for parameter `slot` (inside
    // at::parallel_for), zeroed at construction.
    double* slot(int slot) { return threadBase() + offsets_[size_t(slot)]; }

    // Σ over threads, as `dtype`, shaped like each parameter.
    std::vector<at::Tensor> gradients(at::ScalarType dtype) const;
    // Σ over threads into `flat` (a CPU buffer of all parameters, in order).
    void sumInto(at::Tensor& flat) const;

    // Where each parameter starts in a flat buffer of all of them; back() is
    // the total.
    static std::vector<int64_t> offsetsOf(const std::vector<at::Tensor>& parameters);

    // flat [Σ numel] as one view per parameter, shaped like it: one split, and
    // a view only where a parameter is not a vector.
    static std::vector<at::Tensor> splitLike(const at::Tensor& flat,
                                             const std::vector<at::Tensor>& parameters);

private:
    double* threadBase();

    std::vector<int64_t> offsets_;              // start of each parameter; back() is the total
    const std::vector<at::Tensor>& parameters_; // outlive the accumulator
    int threads_;
    int64_t stride_ = 0;          // one thread's share of partial_: the total, padded
    std::vector<double> partial_; // threads_ × stride_
};

} // namespace dredge
