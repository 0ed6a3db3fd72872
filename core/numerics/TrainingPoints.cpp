#include "TrainingPoints.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace dredge {

namespace {

// The held-out points of a validation split: every k-th point (k = 1/share,
// from the middle of each stretch) of the grid data sets, so that they cover
// the domain evenly; a seeded random share of a CSV signal's points.
at::Tensor heldOutPoints(const ExperimentConfig& config, int64_t points) {
    const double share = config.train.validationShare;
    if (config.data.kind == DataKind::CsvSignal) {
        auto generator = at::make_generator<at::CPUGeneratorImpl>(config.train.seed ^ 0x5eedULL);
        const int64_t held =
            std::clamp<int64_t>(std::llround(share * double(points)), 1, points - 1);
        return std::get<0>(at::sort(at::randperm(points, generator, at::kLong).narrow(0, 0, held)));
    }
    const int64_t k = std::max<int64_t>(2, std::llround(1.0 / share));
    return at::arange(k / 2, points, k, at::kLong);
}

} // namespace

EpochData trainingPointsOf(const ExperimentConfig& config, const Dataset& data,
                           const at::Device& device, RunSetup& setup) {
    setup.points = data.coords.size(0);
    setup.dims = int(data.coords.size(1));
    setup.gridShape = data.gridShape;
    setup.dataDescription = data.description;
    setup.zeroPredictorMse = data.target.square().mean().item<double>();
    setup.targetPeak = data.target.abs().max().item<double>();

    EpochData points;
    points.coords = data.coords.to(device);
    points.time = data.time.to(device);
    points.target = data.target.to(device);
    points.bfloat16Products =
        config.train.mixedPrecision && config.train.device == ComputeDevice::Cpu;
    if (config.train.validationShare <= 0.0) {
        return points;
    }
    const auto held = heldOutPoints(config, setup.points);
    auto mask = at::zeros({setup.points}, at::kBool);
    mask.index_put_({held}, true);
    setup.validationPoints = held.size(0);
    const int64_t perRow = points.target.numel() / setup.points;
    std::vector<int64_t> rowShape(size_t(points.target.dim()), 1);
    rowShape[0] = setup.points;
    const auto weights = [&](const at::Tensor& rows, int64_t count) {
        return (rows.to(at::kFloat) / double(count * perRow))
            .view(rowShape)
            .expand_as(points.target)
            .contiguous()
            .to(device);
    };
    points.trainWeight = weights(mask.logical_not(), setup.points - setup.validationPoints);
    points.validationWeight = weights(mask, setup.validationPoints);
    return points;
}

} // namespace dredge
