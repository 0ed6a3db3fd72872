#pragma once
// What a run will cost before it starts, so that the window can ask before
// a 3-million-point run takes minutes and gigabytes (the 6-D grid at 20).
// Estimates, and said to be: the points are exact; the memory is a rule of
// thumb (below); the time per epoch is scaled from runs this session already
// measured on this machine, and unknown without one.

#include "ExperimentConfig.h"
#include "RunRecord.h"

#include <QString>
#include <optional>
#include <vector>

namespace dredge {

struct RunCost {
    std::optional<int64_t> points;    // none for a CSV until it is read
    double bytes = 0.0;               // estimated peak memory of training
    std::optional<double> msPerEpoch; // from measured runs of the same model and path
};

// Memory: every point's coordinates, time, target, prediction and gradient
// twice over (a copy laid out by axis for the kernels, and the autograd
// view), in float; on every path but the fused CPU one, the model's
// per-unit activations autograd keeps (about a dozen floats per point and
// wave, field, hidden unit or feature). Time: the median over `measured`
// runs (ended, same model, kernel, AMP, device and threads) of their ms per
// epoch scaled by points × width.
RunCost estimateRunCost(const ExperimentConfig& config, const std::vector<RunRecord>& measured);

// Above 10⁶ points, or above a quarter of this machine's memory.
bool isLargeRun(const RunCost& cost, double physicalBytes);
// This machine's physical memory in bytes (0 when unknown).
double physicalMemoryBytes();
// "3,200,000 points · about 190 ms per epoch (from this session's runs) ·
// about 6.3 GiB of memory, of 24 GiB".
QString costText(const RunCost& cost, double physicalBytes);

} // namespace dredge
