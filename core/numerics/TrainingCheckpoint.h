#pragma once
// What resuming a run needs (docs/reference.md §8): after `epoch` epochs, the
// flat parameters and Adam's state, and the CUDA loss scaler's. Plain data, no
// LibTorch. The learning-rate schedule and the stop rules are not in it: they
// are replayed from the loss history. Nor is a random-number state: a run draws
// random numbers only while it builds its model (from its seed), never while it
// trains, so the config and this are the whole state.

#include <cstdint>
#include <vector>

namespace dredge {

struct TrainingCheckpoint {
    int64_t epoch = 0;              // epochs done
    std::vector<double> parameters; // FlatAdam's order; exact for float32 and float64
    std::vector<double> expAvg;
    std::vector<double> expAvgSq;
    std::vector<int64_t> slotSteps; // per parameter tensor
    int64_t steps = 0;
    bool stepsUniform = true;
    // stop.restoreBest: the best weights so far and their loss (empty: none).
    std::vector<double> bestParameters;
    double bestLoss = 0.0;
    // Weight averaging: the average so far, how many weights it holds and its
    // loss (empty: none yet).
    std::vector<double> averagedParameters;
    int64_t averagedModels = 0;
    double averagedLoss = 0.0;
    // The float16 loss scaler (CUDA mixed precision); scale 0: none.
    double lossScale = 0.0;
    int lossScalerGoodSteps = 0;
    int64_t skippedSteps = 0;
};

} // namespace dredge
