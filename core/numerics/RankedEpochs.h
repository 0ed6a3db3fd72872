#pragma once
// Data-parallel training's epochs. Rank 0 runs the whole run as one process
// would (its Trainer: schedule, clipping, Adam, live settings, checkpoints,
// the store); every epoch it sends the parameters to the other ranks, each
// rank runs the fused epoch on its shard of the points, and the per-chunk
// sums travel along the ranks in chunk order (EpochChain) back to rank 0. So
// the other ranks hold no optimizer and no history: a run resumed with any
// number of ranks goes on from the same checkpoint, and its losses are the
// bits one process would have made. Every rank, rank 0 too, holds its shard
// of the points alone; what needs them all (the averaged model's loss, the
// zero predictor's MSE) is summed along the ranks in the same way.

#include "Datasets.h"
#include "FusedEpoch.h"
#include "Trainer.h"

#include <ATen/ATen.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace dredge {

class FieldModel;
class RankGroup;

// Why `config` cannot train on `ranks` ranks, or empty: only the wave
// ensemble and the interference basis have a chunk-summed fused epoch, on
// the CPU; every rank needs at least one chunk of points.
std::string rankedTrainingProblem(const ExperimentConfig& config, int ranks);

// The points [begin, end) rank `rank` of `size` trains on: whole chunks of
// kEpochChunkPoints in rank order, as even as chunks allow.
std::pair<int64_t, int64_t> shardBounds(int64_t points, int rank, int size);

// What the kernels would find looking at every point of the data set that
// `data` is (or is a part of), for the points from `firstPoint` on: the
// EpochShard that makes a rank's points compute as among all.
EpochShard epochShardOf(const Dataset& data, int64_t firstPoint);

// Rank `rank`'s shard of `points` (trainingPointsOf made them from `data`:
// the whole data set, or this rank's part: its rows that shardBounds gives),
// as views, with its EpochShard.
EpochData shardOf(const EpochData& points, const Dataset& data, int rank, int size,
                  EpochChain* chain);

// Rank 0's side: sends each epoch's parameters and precision, runs its own
// shard, and has the totals back in `gradient` and the outcome. Between
// epochs longer than a quarter of the rank timeout (a pause, the store, a
// final prediction) a thread of its own tells the ranks to hold on, so that
// they fail only when rank 0 is lost. Its destructor tells them the run is
// over.
class RankedEpochs {
public:
    RankedEpochs(RankGroup& group, EpochData shard, const at::Tensor& flatParameters);
    ~RankedEpochs();
    RankedEpochs(const RankedEpochs&) = delete;
    RankedEpochs& operator=(const RankedEpochs&) = delete;

    // nullopt where the model's fused epoch does not take these points.
    std::optional<EpochOutcome> run(FieldModel& model, const at::Tensor& flatParameters,
                                    at::Tensor& gradient, bool bfloat16Products);

private:
    using Clock = std::chrono::steady_clock;
    void holdWhileIdle();

    RankGroup& group_;
    EpochData shard_;
    at::Tensor message_; // the parameters, then the command and the precision
    at::Tensor hold_;    // the same, saying "hold on"
    std::mutex mutex_;   // one message at a time: an epoch's, or a hold
    std::condition_variable idle_;
    Clock::time_point lastSent_;
    bool ended_ = false, lost_ = false;
    std::thread holding_;
};

// A rank other than 0, from its start to the end of the run: builds its
// shard and the model, then runs the epochs rank 0 sends. Throws
// std::invalid_argument for a config it cannot train, std::runtime_error
// when rank 0 or a neighbour is lost.
void serveRankedEpochs(const ExperimentConfig& config, RankGroup& group);

} // namespace dredge
