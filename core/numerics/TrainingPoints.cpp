#include "TrainingPoints.h"

#include "ModelFactory.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace dredge {

namespace {

// Which of the rows at hand (`data`: the whole data set or a part of it) a
// validation split holds out, and how many of all the points it holds out:
// every k-th point (k = 1/share, from the middle of each stretch) of the grid
// data sets, so that they cover the domain evenly; a seeded random share of a
// CSV signal's points.
struct HeldOut {
    at::Tensor rows; // [n] bool
    int64_t count = 0;
};

HeldOut heldOutOf(const ExperimentConfig& config, const Dataset& data) {
    const double share = config.train.validationShare;
    const int64_t points = data.allPoints, first = data.firstPoint, n = data.coords.size(0);
    if (config.data.kind == DataKind::CsvSignal) {
        auto generator = at::make_generator<at::CPUGeneratorImpl>(config.train.seed ^ 0x5eedULL);
        const int64_t held =
            std::clamp<int64_t>(std::llround(share * double(points)), 1, points - 1);
        auto mask = at::zeros({points}, at::kBool);
        mask.index_put_({at::randperm(points, generator, at::kLong).narrow(0, 0, held)}, true);
        return {mask.narrow(0, first, n), held};
    }
    const int64_t k = std::max<int64_t>(2, std::llround(1.0 / share));
    const auto rows = at::arange(first, first + n, at::kLong);
    const auto mask = rows.ge(k / 2).logical_and(rows.sub(k / 2).remainder(k).eq(0));
    return {mask, points > k / 2 ? (points - k / 2 + k - 1) / k : 0};
}

} // namespace

EpochData trainingPointsOf(const ExperimentConfig& config, const Dataset& data,
                           const at::Device& device, RunSetup& setup) {
    setup.points = data.allPoints;
    setup.dims = int(data.coords.size(1));
    setup.outputs = int(modelOutputs(config.model, data.target.size(1)));
    setup.gridShape = data.gridShape;
    setup.dataDescription = data.description;
    setup.sampleRate = data.sampleRate;
    const auto sums = targetSumsOf(data.target);
    setup.zeroPredictorMse = sums.squares / double(data.target.numel());
    setup.targetPeak = sums.peak;

    EpochData points;
    points.coords = data.coords.to(device);
    points.time = data.time.to(device);
    points.target = data.target.to(device);
    points.bfloat16Products = cpuMixedPrecision(config.train);
    if (config.train.validationShare <= 0.0) {
        return points;
    }
    const auto held = heldOutOf(config, data);
    setup.validationPoints = held.count;
    const int64_t perRow = points.target.numel() / points.target.size(0);
    std::vector<int64_t> rowShape(size_t(points.target.dim()), 1);
    rowShape[0] = points.target.size(0);
    const auto weights = [&](const at::Tensor& rows, int64_t count) {
        return (rows.to(at::kFloat) / double(count * perRow))
            .view(rowShape)
            .expand_as(points.target)
            .contiguous()
            .to(device);
    };
    points.trainWeight = weights(held.rows.logical_not(), setup.points - setup.validationPoints);
    points.validationWeight = weights(held.rows, setup.validationPoints);
    return points;
}

TargetSums targetSumsOf(const at::Tensor& target, TargetSums before) {
    const auto values = target.to(at::kCPU, at::kFloat).contiguous();
    const float* y = values.data_ptr<float>();
    for (int64_t i = 0, n = values.numel(); i < n; ++i) {
        before.squares += double(y[i]) * double(y[i]);
        before.peak = std::max(before.peak, std::abs(double(y[i])));
    }
    return before;
}

void chainTargetSums(EpochChain& chain, const at::Tensor& target, RunSetup& setup) {
    auto sums = at::zeros({2}, at::kDouble);
    if (!chain.first()) {
        chain.receivePrefix(sums);
    }
    const auto mine = targetSumsOf(target, {sums[0].item<double>(), sums[1].item<double>()});
    sums[0].fill_(mine.squares);
    sums[1].fill_(mine.peak);
    chain.handOn(sums);
    if (chain.first()) {
        setup.zeroPredictorMse = sums[0].item<double>() / double(setup.points * target.size(1));
        setup.targetPeak = sums[1].item<double>();
    }
}

} // namespace dredge
