#include "RankedEpochs.h"

#include "Datasets.h"
#include "FieldModel.h"
#include "FlatAdam.h"
#include "ModelFactory.h"
#include "RankGroup.h"
#include "TrainingPoints.h"

#include <ATen/Parallel.h>

#include <array>
#include <stdexcept>

namespace dredge {

namespace {

// What rank 0 sends after the parameters: train an epoch with them, wait on
// (rank 0 is paused, or busy with the store), or the run is over.
enum class RankCommand { Train = 1, Hold = 2, End = 3 };

} // namespace

std::string rankedTrainingProblem(const ExperimentConfig& config, int ranks) {
    if (ranks <= 1) {
        return {};
    }
    const auto kind = config.model.kind;
    if (kind != ModelKind::WaveEnsemble && kind != ModelKind::Interference) {
        return "several ranks train the wave ensemble and the interference basis (their fused "
               "epochs sum per chunk of points), not " +
               std::string(modelKindName(kind));
    }
    if (kind == ModelKind::WaveEnsemble && config.model.kernel != WaveKernel::Fused) {
        return "several ranks need the fused kernel, not the composed one";
    }
    if (config.train.device != ComputeDevice::Cpu) {
        return "several ranks train on the CPU (this LibTorch has no NCCL process group)";
    }
    if (kind == ModelKind::Interference && config.model.outFeatures != 1) {
        return "several ranks take an interference basis with as many outputs as the data (1), "
               "not " +
               std::to_string(config.model.outFeatures);
    }
    if (const auto points = pointCount(config.data); points && epochChunks(*points) < ranks) {
        return std::to_string(ranks) + " ranks need at least " +
               std::to_string(int64_t(ranks) * kEpochChunkPoints) + " points (" +
               std::to_string(kEpochChunkPoints) + " per rank); this data set has " +
               std::to_string(*points);
    }
    return {};
}

std::pair<int64_t, int64_t> shardBounds(int64_t points, int rank, int size) {
    const int64_t chunks = epochChunks(points);
    const int64_t first = chunks * rank / size, last = chunks * (rank + 1) / size;
    return {std::min(points, first * kEpochChunkPoints),
            std::min(points, last * kEpochChunkPoints)};
}

EpochShard epochShardOf(const Dataset& data, int64_t firstPoint) {
    EpochShard shard;
    shard.firstPoint = firstPoint;
    shard.allElements = data.allPoints * data.target.size(1);
    shard.staticTime = !data.timeVaries;
    const auto dims = int64_t(data.gridAxes.size());
    if (!shard.staticTime || dims < 2 || dims > fused::kMaxGridAxes) {
        return shard;
    }
    std::array<int64_t, fused::kMaxGridAxes> axisPoints{};
    for (int64_t d = 0; d < dims; ++d) {
        axisPoints[size_t(d)] = data.gridAxes[size_t(d)].size(0);
    }
    shard.grid = fused::tensorGridLayoutFor(axisPoints, dims);
    shard.grid.firstPoint = firstPoint;
    if (shard.grid) {
        for (const auto& axis : data.gridAxes) {
            const auto values = axis.contiguous();
            shard.gridAxes.insert(shard.gridAxes.end(), values.data_ptr<float>(),
                                  values.data_ptr<float>() + values.numel());
        }
    }
    return shard;
}

EpochData shardOf(const EpochData& points, const Dataset& data, int rank, int size,
                  EpochChain* chain) {
    if (epochChunks(data.allPoints) < size) {
        throw std::invalid_argument(std::to_string(size) + " ranks need at least " +
                                    std::to_string(int64_t(size) * kEpochChunkPoints) +
                                    " points; the data has " + std::to_string(data.allPoints));
    }
    const auto [begin, end] = shardBounds(data.allPoints, rank, size);
    const int64_t offset = begin - data.firstPoint, count = end - begin;
    if (offset < 0 || offset + count > points.coords.size(0)) {
        throw std::logic_error("rank " + std::to_string(rank) + "'s shard is not among its points");
    }
    const auto part = [offset = offset, count = count](const at::Tensor& t) {
        return t.defined() ? t.narrow(0, offset, count) : t;
    };
    EpochData shard;
    shard.coords = part(points.coords);
    shard.time = part(points.time);
    shard.target = part(points.target);
    shard.trainWeight = part(points.trainWeight);
    shard.validationWeight = part(points.validationWeight);
    shard.bfloat16Products = points.bfloat16Products;
    auto info = std::make_shared<EpochShard>(epochShardOf(data, begin));
    info->chain = chain;
    shard.shard = std::move(info);
    return shard;
}

RankedEpochs::RankedEpochs(RankGroup& group, EpochData shard, const at::Tensor& flatParameters)
    : group_(group)
    , shard_(std::move(shard))
    , message_(at::zeros({flatParameters.numel() + 2}, flatParameters.options()))
    , hold_(at::zeros({flatParameters.numel() + 2}, flatParameters.options()))
    , lastSent_(Clock::now()) {
    hold_[hold_.numel() - 2].fill_(double(RankCommand::Hold));
    holding_ = std::thread([this] { holdWhileIdle(); });
}

RankedEpochs::~RankedEpochs() {
    {
        std::lock_guard lock(mutex_);
        ended_ = true;
    }
    idle_.notify_all();
    holding_.join();
    try {
        message_[message_.numel() - 2].fill_(double(RankCommand::End));
        group_.broadcast(message_);
    } catch (const std::exception&) {
        // A rank already lost: the run has failed and says why elsewhere.
    }
}

void RankedEpochs::holdWhileIdle() {
    const auto interval = group_.timeout() / 4;
    std::unique_lock lock(mutex_);
    while (!ended_) {
        idle_.wait_until(lock, lastSent_ + interval, [this] { return ended_; });
        if (ended_ || Clock::now() < lastSent_ + interval || lost_) {
            continue;
        }
        try {
            group_.broadcast(hold_);
        } catch (const std::exception&) {
            lost_ = true; // the next epoch says which rank
        }
        lastSent_ = Clock::now();
    }
}

std::optional<EpochOutcome> RankedEpochs::run(FieldModel& model, const at::Tensor& flatParameters,
                                              at::Tensor& gradient, bool bfloat16Products) {
    // The whole epoch under the lock: a hold never falls between its messages.
    std::lock_guard lock(mutex_);
    const int64_t count = flatParameters.numel();
    message_.narrow(0, 0, count).copy_(flatParameters);
    message_[count].fill_(double(RankCommand::Train));
    message_[count + 1].fill_(bfloat16Products ? 1.0 : 0.0);
    group_.broadcast(message_);
    shard_.bfloat16Products = bfloat16Products;
    auto outcome = model.fusedEpoch(shard_, gradient);
    lastSent_ = Clock::now();
    return outcome;
}

void serveRankedEpochs(const ExperimentConfig& config, RankGroup& group) {
    if (const auto problem = validate(config); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    if (const auto problem = rankedTrainingProblem(config, group.size()); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    at::set_num_threads(config.train.threads);
    // This rank's points alone: memory per rank falls with the number of ranks.
    const auto data = makeDatasetPart(config.data, [&group](int64_t points) {
        return shardBounds(points, group.rank(), group.size());
    });
    RunSetup setup;
    const auto points = trainingPointsOf(config, data, at::kCPU, setup);
    auto shard = shardOf(points, data, group.rank(), group.size(), &group);
    group.gather(thisHostName());                 // as rank 0 does, for the record
    chainTargetSums(group, points.target, setup); // rank 0's setup gets the whole's
    const auto model = makeModel(config.model, setup.dims, config.train.seed, setup.outputs);
    const auto& tc = config.train;
    FlatAdam parameters(model->parameters(), {tc.learningRate, tc.beta1, tc.beta2, tc.adamEps});
    const int64_t count = parameters.flatParameters().numel();
    auto message = at::empty({count + 2}, parameters.flatParameters().options());
    const auto command = message.narrow(0, count, 2);
    for (;;) {
        group.broadcast(message);
        const auto said = command.to(at::kDouble);
        if (said[0].item<double>() == double(RankCommand::Hold)) {
            continue;
        }
        if (said[0].item<double>() != double(RankCommand::Train)) {
            return;
        }
        parameters.flatParameters().copy_(message.narrow(0, 0, count));
        shard.bfloat16Products = said[1].item<double>() != 0.0;
        if (!model->fusedEpoch(shard, parameters.gradientToWrite())) {
            throw std::runtime_error("rank " + std::to_string(group.rank()) +
                                     ": the fused epoch does not take these points");
        }
    }
}

} // namespace dredge
