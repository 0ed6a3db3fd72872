#include "FusedEpoch.h"

#include "FastMath.h"
#include "FusedGradientAccumulator.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>

namespace dredge {

namespace {

at::Tensor asKernelReads(const at::Tensor& t, at::ScalarType dtype) {
    if (!t.defined() || (t.scalar_type() == dtype && t.is_contiguous())) {
        return t; // every epoch's case: no op to dispatch
    }
    return t.to(dtype).contiguous();
}

} // namespace

KernelTargets::KernelTargets(const EpochData& data, at::ScalarType dtype)
    : target(asKernelReads(data.target, dtype))
    , trainWeight(asKernelReads(data.trainWeight, dtype))
    , validationWeight(asKernelReads(data.validationWeight, dtype))
    , elements(data.shard ? data.shard->allElements : data.target.numel()) {}

at::Tensor& reusedBuffer(at::Tensor& buffer, int64_t numel, const at::TensorOptions& options) {
    if (!buffer.defined() || buffer.numel() != numel || buffer.dtype() != options.dtype() ||
        buffer.device() != options.device()) {
        buffer = at::empty({numel}, options);
    }
    return buffer;
}

void forEachEpochChunk(int64_t points,
                       const std::function<void(int64_t chunk, int64_t begin, int64_t end)>& work) {
    const int64_t chunks = epochChunks(points);
    std::atomic<int64_t> next{0};
    const int64_t workers = std::min<int64_t>(at::get_num_threads(), chunks);
    at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
        for (int64_t c = next++; c < chunks; c = next++) {
            work(c, c * kEpochChunkPoints, std::min(points, (c + 1) * kEpochChunkPoints));
        }
    });
}

EpochOutcome outcomeOf(at::Tensor prediction, const std::vector<fused::LossSums>& perChunk,
                       bool split) {
    EpochOutcome outcome;
    outcome.prediction = std::move(prediction);
    double validation = 0.0;
    for (const auto& sums : perChunk) {
        outcome.loss += sums.train;
        validation += sums.validation;
    }
    if (split) {
        outcome.validationLoss = validation;
    }
    return outcome;
}

EpochOutcome sumEpoch(const FusedGradientAccumulator& accumulator,
                      const std::vector<fused::LossSums>& perChunk, at::Tensor prediction,
                      at::Tensor& gradient, const EpochData& data) {
    const bool split = data.trainWeight.defined();
    EpochChain* chain = data.shard ? data.shard->chain : nullptr;
    if (chain == nullptr) {
        accumulator.sumInto(gradient);
        return outcomeOf(std::move(prediction), perChunk, split);
    }
    // [gradient…, training loss, validation loss, whether any chunk is in]:
    // the last so that the first chunk's sums start the total as they do in
    // one process (−0 + 0 is not −0).
    const int64_t total = gradient.numel();
    auto sums = at::zeros({total + 3}, at::kDouble);
    if (!chain->first()) {
        chain->receivePrefix(sums);
    }
    double* s = sums.data_ptr<double>();
    if (!perChunk.empty()) {
        accumulator.addInto(s, s[total + 2] == 0.0);
        for (const auto& chunk : perChunk) {
            s[total] += chunk.train;
            s[total + 1] += chunk.validation;
        }
        s[total + 2] = 1.0;
    }
    chain->handOn(sums);
    EpochOutcome outcome;
    outcome.prediction = std::move(prediction);
    if (chain->first()) {
        s = sums.data_ptr<double>();
        AT_DISPATCH_FLOATING_TYPES(gradient.scalar_type(), "sumEpoch", [&] {
            auto* out = gradient.data_ptr<scalar_t>();
            for (int64_t i = 0; i < total; ++i) {
                out[i] = static_cast<scalar_t>(s[i]);
            }
        });
        outcome.loss = s[total];
        if (split) {
            outcome.validationLoss = s[total + 1];
        }
    }
    return outcome;
}

void roundToBFloat16(at::Tensor& flat, int64_t from, int64_t count) {
    float* values = flat.data_ptr<float>() + from;
    for (int64_t i = 0; i < count; ++i) {
        values[i] = fused::roundToBFloat16(values[i]);
    }
}

} // namespace dredge
