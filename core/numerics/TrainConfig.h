#pragma once
// How to train, and what a finished run reports. Plain data: no LibTorch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dredge {

enum class ComputeDevice { Cpu, Cuda };

struct TrainConfig {
    int64_t epochs = 2000;
    double learningRate = 1e-3;
    double beta1 = 0.9; // Adam defaults as in PyTorch (docs/reference.md §3)
    double beta2 = 0.999;
    double adamEps = 1e-8;
    uint64_t seed = 0;
    // Mixed precision: autocast to bfloat16 on CPU, float16 with a dynamic loss
    // scaler on CUDA.
    bool mixedPrecision = false;
    bool clipGradients = false;
    double clipMaxNorm = 1.0; // global L2 norm, used when clipGradients
    ComputeDevice device = ComputeDevice::Cpu;
    int threads = 1; // intra-op threads for this run
};

enum class RunStatus { Finished, Stopped, Diverged, Failed };

struct TrainResult {
    RunStatus status = RunStatus::Finished;
    std::vector<double> lossHistory; // one value per epoch, before that epoch's update
    double finalLoss = 0.0;
    double bestLoss = 0.0;
    int64_t epochsDone = 0;
    int64_t divergedAtEpoch = -1; // first epoch (0-based) whose loss was not finite
    int64_t skippedSteps = 0;     // steps the loss scaler skipped (CUDA mixed precision)
    double wallSeconds = 0.0;     // setup and training, pauses excluded
    double msPerEpoch = 0.0;      // training epochs only
    std::string error;            // why a Failed run failed
};

std::string_view deviceName(ComputeDevice device);
std::optional<ComputeDevice> deviceFromName(std::string_view name);
std::string_view runStatusName(RunStatus status);
std::optional<RunStatus> runStatusFromName(std::string_view name);

std::string validate(const TrainConfig& config);

} // namespace dredge
