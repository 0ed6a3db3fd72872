#pragma once
// How to train, and what a finished run reports. Plain data: no LibTorch.

#include "TrainingCheckpoint.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dredge {

enum class ComputeDevice { Cpu, Cuda };

// How the learning rate moves over a run (docs/reference.md §8). Every kind
// may start with a linear warm-up and never goes below minLr.
enum class LrSchedule { Constant, Step, Exponential, Cosine, Plateau };

struct ScheduleConfig {
    LrSchedule kind = LrSchedule::Constant;
    int64_t warmupEpochs = 0;    // lr · (e + 1) / warmup over the first epochs
    std::optional<double> gamma; // the factor; unset: the kind's own (scheduleGamma)
    int64_t stepEvery = 500;     // step: epochs between two factors
    int64_t patience = 100;      // plateau: epochs without improvement before a cut
    double minLr = 0.0;          // the floor of every kind, and cosine's end
};

// When a run ends before its last epoch, and with which weights.
struct StopRules {
    std::optional<double> targetLoss; // stop once the loss is at or below it
    int64_t earlyStopPatience = 0;    // > 0: stop after this many epochs without improvement
    double minDelta = 0.0;            // improvement means best − loss > minDelta
    bool restoreBest = false;         // end with the weights of the best epoch
};

// Stochastic weight averaging (docs/reference.md §8): the weights after the
// updates of epochs start, start + every, start + 2·every, … are averaged, and
// a run with averaging ends with the average.
struct AveragingConfig {
    std::optional<int64_t> start; // unset: no averaging
    int64_t every = 10;
};

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
    // Mini-batches of this many points (0: the whole data set, the
    // reference's full batch): an epoch is still one pass over every point,
    // in an order drawn from (seed, epoch), an Adam step per batch.
    int64_t batch = 0;
    // Processes that train the run together, each on its share of the points
    // (RankedEpochs.h); the losses are the same bits for any number.
    int ranks = 1;
    ScheduleConfig schedule;
    StopRules stop;
    // The share of the points held out for validation (0: none): seeded at
    // random for a CSV signal, every k-th point of the other (grid) data sets.
    // With a split, the schedule's plateau, early stopping and restore-best
    // watch the validation loss.
    double validationShare = 0.0;
    // Recorded runs keep a checkpoint every this many epochs and at their end
    // (0: none), to resume or fork from.
    int64_t checkpointEvery = 0;
    // A run keeps its parameters at every epoch while parameters × epochs fit
    // this many MiB, otherwise at 512 or more evenly spaced epochs (ParameterPlan).
    double keepMib = 16.0;
    AveragingConfig averaging;
};

// Mixed precision on the CPU: bfloat16 products, which the fused epochs
// emulate (EpochData::bfloat16Products) and autocast makes elsewhere.
inline bool cpuMixedPrecision(const TrainConfig& train) {
    return train.mixedPrecision && train.device == ComputeDevice::Cpu;
}

// Pruned: a sweep's successive halving ended it at a rung (SuccessiveHalving.h).
enum class RunStatus { Finished, Stopped, Diverged, Failed, Pruned };

// Consecutive epochs that ran the same kernel at the same precision, and the
// training time they took: a live mixed-precision toggle starts a new span.
struct EpochSpan {
    int64_t firstEpoch = 0;
    int64_t epochs = 0;
    std::string path;      // "fused" or "composed" (Trainer::lastEpochKernel)
    std::string precision; // "float32", "bfloat16", "float16"
    double seconds = 0.0;  // the epochs' training time
    double epochsPerSecond() const { return seconds > 0.0 ? double(epochs) / seconds : 0.0; }
};

struct TrainResult {
    RunStatus status = RunStatus::Finished;
    std::vector<double> lossHistory;       // one value per epoch, before that epoch's update
    std::vector<double> validationHistory; // the same for the held-out points (with a split)
    // With averaging: the averaged model's loss on the watched points (the
    // held-out ones with a split) after each epoch, NaN before the first average.
    std::vector<double> averagedHistory;
    // Each epoch's global gradient L2 norm before clipping (NaN where not
    // known: a diverged epoch, a fork's parent epochs it was not told).
    std::vector<double> gradientNorms;
    int64_t clippedEpochs = 0;    // epochs whose gradient clipping scaled down
    std::vector<EpochSpan> spans; // the epochs this call trained, by kernel and precision
    int64_t averagedModels = 0;   // weights taken into the average
    double finalLoss = 0.0;
    // The lowest watched loss (the held-out points' with a split, else the
    // training loss: Trainer::watchesValidation), reached at bestEpoch.
    double bestLoss = 0.0;
    int64_t epochsDone = 0;
    int64_t divergedAtEpoch = -1; // first epoch (0-based) whose loss was not finite
    int64_t skippedSteps = 0;     // steps the loss scaler skipped (CUDA mixed precision)
    double wallSeconds = 0.0;     // setup and training, pauses excluded
    double msPerEpoch = 0.0;      // training epochs only
    std::string error;            // why a Failed run failed
    std::string stopReason;       // why a run ended before its last epoch by a stop rule
    int64_t bestEpoch = -1;       // 0-based epoch of bestLoss (-1: no finite loss)
    bool restoredBest = false;    // the model ended with bestEpoch's weights
    bool endedAveraged = false;   // the model ended with the averaged weights
    // With checkpointEvery: the state after the last epoch (before restore-best),
    // to resume from.
    std::optional<TrainingCheckpoint> endCheckpoint;
    std::optional<TrainingCheckpoint> bestCheckpoint; // at the best (watched) loss
};

std::string_view deviceName(ComputeDevice device);
std::optional<ComputeDevice> deviceFromName(std::string_view name);
std::string_view runStatusName(RunStatus status);
std::optional<RunStatus> runStatusFromName(std::string_view name);

std::string_view scheduleName(LrSchedule kind);
std::optional<LrSchedule> scheduleFromName(std::string_view name);
// The factor a schedule applies: gamma when set, else step 0.5, exponential
// 0.999 per epoch, plateau 0.5 (constant and cosine have none).
double scheduleGamma(const ScheduleConfig& schedule);

std::string validate(const TrainConfig& config);

} // namespace dredge
