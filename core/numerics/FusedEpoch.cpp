#include "FusedEpoch.h"

namespace dredge {

namespace {

at::Tensor asKernelReads(const at::Tensor& t, at::ScalarType dtype) {
    return t.defined() ? t.to(dtype).contiguous() : at::Tensor();
}

} // namespace

KernelTargets::KernelTargets(const EpochData& data, at::ScalarType dtype)
    : target(asKernelReads(data.target, dtype))
    , trainWeight(asKernelReads(data.trainWeight, dtype))
    , validationWeight(asKernelReads(data.validationWeight, dtype))
    , elements(data.target.numel()) {}

at::Tensor& reusedBuffer(at::Tensor& buffer, int64_t numel, const at::TensorOptions& options) {
    if (!buffer.defined() || buffer.numel() != numel || buffer.dtype() != options.dtype() ||
        buffer.device() != options.device()) {
        buffer = at::empty({numel}, options);
    }
    return buffer;
}

EpochOutcome outcomeOf(at::Tensor prediction, const std::vector<fused::LossSums>& perThread,
                       bool split) {
    EpochOutcome outcome;
    outcome.prediction = std::move(prediction);
    double validation = 0.0;
    for (const auto& sums : perThread) {
        outcome.loss += sums.train;
        validation += sums.validation;
    }
    if (split) {
        outcome.validationLoss = validation;
    }
    return outcome;
}

} // namespace dredge
