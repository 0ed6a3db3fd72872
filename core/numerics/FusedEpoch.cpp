#include "FusedEpoch.h"

#include "FastMath.h"

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
    , elements(data.target.numel()) {}

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

void roundToBFloat16(at::Tensor& flat, int64_t from, int64_t count) {
    float* values = flat.data_ptr<float>() + from;
    for (int64_t i = 0; i < count; ++i) {
        values[i] = fused::roundToBFloat16(values[i]);
    }
}

} // namespace dredge
