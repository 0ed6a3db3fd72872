#pragma once
// A whole training epoch computed by a model's own fused code (issue 17):
// forward, MSE and analytic gradient in one pass over the points, with no
// autograd graph. The Trainer takes this path where a model offers it and
// mixed precision is off; the composed autograd path stays the reference.

#include "FusedEpochLoss.h"
#include "TensorGridLayout.h"

#include <ATen/ATen.h>

#include <functional>
#include <limits>
#include <memory>
#include <vector>

namespace dredge {

class FusedGradientAccumulator;

// An epoch's sums (gradient, then training and validation loss) spread over
// the ranks of one run (RankGroup): every rank adds its chunks after the
// chunks of the ranks before it, in chunk order, so the totals are the bits
// one process makes alone.
class EpochChain {
public:
    virtual ~EpochChain() = default;
    virtual bool first() const = 0; // holds the first chunks and receives the totals
    // The sums of every earlier rank's chunks (not asked of the first).
    virtual void receivePrefix(at::Tensor& sums) = 0;
    // Hands them on with this rank's added; the first rank gets the totals.
    virtual void handOn(at::Tensor& sums) = 0;
};

// One rank's part of a run's points: points [firstPoint, firstPoint + n) of
// them, and what the kernels would have found looking at all of them, so
// that each point is computed as it would be in one process.
struct EpochShard {
    int64_t firstPoint = 0;       // a multiple of kEpochChunkPoints
    int64_t allElements = 0;      // every rank's target elements: the MSE's 1/n
    bool staticTime = false;      // every t of every point is 0
    fused::TensorGridLayout grid; // all points' grid (firstPoint set), or none
    std::vector<float> gridAxes;  // its coordinates, axis after axis (Σ G_d)
    EpochChain* chain = nullptr;  // where the sums go on
};

// What an epoch trains on: coordinates x [N, D], time t [N], target [N, out];
// with a validation split, each target element's weight in the training and
// in the validation loss (1/n on its side, 0 on the other), else undefined.
struct EpochData {
    at::Tensor coords, time, target;
    at::Tensor trainWeight, validationWeight;
    // Mixed precision on the CPU (issue 29): the model's products in
    // bfloat16 as autocast would run them; a model whose fused epoch cannot
    // says nullopt and trains under autocast.
    bool bfloat16Products = false;
    // Data-parallel training: this rank's part; null where every point is here.
    std::shared_ptr<const EpochShard> shard;
};

struct EpochOutcome {
    // The model's output at the training points, [N, out]. A model whose
    // epoch does not need it (the RFF readout) leaves it undefined and says
    // how to make it, from the weights the epoch used, when it is asked for.
    at::Tensor prediction;
    std::function<at::Tensor()> deferredPrediction;
    double loss = 0.0;                                                // the training loss
    double validationLoss = std::numeric_limits<double>::quiet_NaN(); // with a split
};

// The target and the split's weights as a kernel of `dtype` reads them
// (contiguous; converted only for a double model).
struct KernelTargets {
    at::Tensor target, trainWeight, validationWeight;
    int64_t elements = 0;

    KernelTargets(const EpochData& data, at::ScalarType dtype);

    template <typename Scalar>
    fused::LossTargets<Scalar> view() const {
        return {target.data_ptr<Scalar>(),
                trainWeight.defined() ? trainWeight.data_ptr<Scalar>() : nullptr,
                validationWeight.defined() ? validationWeight.data_ptr<Scalar>() : nullptr,
                Scalar(1.0 / double(elements))};
    }
};

// The buffers a model's fused epoch reuses from one epoch to the next.
struct FusedEpochBuffers {
    at::Tensor scratch;        // each thread's block terms
    at::Tensor outputGradient; // ∂loss/∂out at every point
    at::Tensor gridTables;     // the tensor-grid path's tables (TensorGridLayout.h)
};

// `buffer` when it holds `numel` elements of `options`, else a new one kept
// in it: the buffers of a fused epoch live from one epoch to the next.
at::Tensor& reusedBuffer(at::Tensor& buffer, int64_t numel, const at::TensorOptions& options);

// Points per chunk of a fused epoch's work.
constexpr int64_t kEpochChunkPoints = 4096;
inline int64_t epochChunks(int64_t points) {
    return (points + kEpochChunkPoints - 1) / kEpochChunkPoints;
}

// Runs work(chunk, begin, end) over the chunks of [0, points), the threads
// taking the next chunk as they finish one: a core slowed by another
// program's work does fewer, where an even split made the other wait for it.
// Sums kept per chunk and added in chunk order are the same bits at any
// thread count. `work` must not throw.
void forEachEpochChunk(int64_t points,
                       const std::function<void(int64_t chunk, int64_t begin, int64_t end)>& work);

// Rounds flat[from, from + count) (a float CPU buffer) to bfloat16 in place:
// mixed precision's head gradients, as autocast's bf16 GEMM gives them.
void roundToBFloat16(at::Tensor& flat, int64_t from, int64_t count);

// The sum of the per-chunk loss sums in chunk order, as an outcome's losses
// (NaN validation without a split).
EpochOutcome outcomeOf(at::Tensor prediction, const std::vector<fused::LossSums>& perChunk,
                       bool split);

// The end of a fused epoch: the per-chunk gradients and losses summed in
// chunk order into `gradient` and the outcome, here or (data.shard) along the
// run's ranks. On a rank other than the first only the prediction is its.
EpochOutcome sumEpoch(const FusedGradientAccumulator& accumulator,
                      const std::vector<fused::LossSums>& perChunk, at::Tensor prediction,
                      at::Tensor& gradient, const EpochData& data);

} // namespace dredge
