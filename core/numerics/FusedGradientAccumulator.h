#pragma once
// Parameter gradients of a fused kernel's backward pass. Each thread of
// at::parallel_for (or each chunk of a fused epoch) adds into its own double
// accumulators (no atomics, and the same sums for the same thread count);
// gradients() adds them up in a fixed order and hands back one tensor per
// parameter, all views of one buffer.
// Plain loops instead of tensor ops: at these sizes each op's dispatch costs
// more than its arithmetic.

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <vector>

namespace dredge {

class FusedGradientAccumulator {
public:
    // One set of accumulators per thread, or `partials` sets (a fused
    // epoch's: one per chunk of points, whichever thread runs it).
    explicit FusedGradientAccumulator(const std::vector<at::Tensor>& parameters,
                                      int64_t partials = 0);

    // The calling thread's accumulators for parameter `slot` (inside
    // at::parallel_for), zeroed at construction.
    double* slot(int slot) { return partialBase(at::get_thread_num()) + offsets_[size_t(slot)]; }
    // Set `partial`'s accumulators for parameter `slot`.
    double* slotOf(int64_t partial, int slot) {
        return partialBase(partial) + offsets_[size_t(slot)];
    }

    // Σ over the sets in order, as `dtype`, shaped like each parameter.
    std::vector<at::Tensor> gradients(at::ScalarType dtype) const;
    // Σ over the sets in order into `flat` (a CPU buffer of all parameters).
    void sumInto(at::Tensor& flat) const;
    // Adds the sets in order onto `running` (the total's doubles): a rank's
    // chunks after the earlier ranks' (EpochChain). `fresh`: no earlier set,
    // so the first set starts the sum as in sumInto.
    void addInto(double* running, bool fresh) const;

    // Where each parameter starts in a flat buffer of all of them; back() is
    // the total.
    static std::vector<int64_t> offsetsOf(const std::vector<at::Tensor>& parameters);

    // flat [Σ numel] as one view per parameter, shaped like it: one split, and
    // a view only where a parameter is not a vector.
    static std::vector<at::Tensor> splitLike(const at::Tensor& flat,
                                             const std::vector<at::Tensor>& parameters);

private:
    double* partialBase(int64_t partial) { return partial_.data() + partial * stride_; }

    std::vector<int64_t> offsets_;              // start of each parameter; back() is the total
    const std::vector<at::Tensor>& parameters_; // outlive the accumulator
    int64_t partials_;
    int64_t stride_ = 0;          // one set's share of partial_: the total, padded
    std::vector<double> partial_; // partials_ × stride_
};

} // namespace dredge
