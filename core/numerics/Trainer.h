#pragma once
// Full-batch training of one experiment (docs/reference.md §3): Adam + MSE, gradients
// released (set to none) every epoch, optional global-norm clipping and mixed
// precision. The header is free of LibTorch so that Qt code can drive a run
// without paying for its headers.

#include "ExperimentConfig.h"
#include "TrainingCheckpoint.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dredge {

// What is known about a run once its data and model exist.
struct RunSetup {
    int64_t points = 0;           // all of the data set's points
    int64_t validationPoints = 0; // of which held out (TrainConfig::validationShare)
    int dims = 1;                 // spatial dimensions D
    int outputs = 1;              // the model's values per point (an RGB image's 3)
    int64_t parameters = 0;
    std::vector<int64_t> gridShape;
    std::string dataDescription;
    double zeroPredictorMse = 0.0; // docs/reference.md §6: MSE of always predicting 0
    double targetPeak = 0.0;       // max |y|, for PSNR
    double sampleRate = 0.0;       // a sound's samples per second (its spectrogram); else 0
    // Data-parallel training: the ranks that train the run and their hosts
    // (rank order); 1 and this host alone otherwise.
    int ranks = 1;
    std::vector<std::string> hosts;
};

class RankGroup;

enum class DataColumn { Coordinates, Targets };

class Trainer {
public:
    // Generates the data and builds the model. Throws std::invalid_argument for
    // a bad config, CsvError for a bad CSV file, std::runtime_error otherwise.
    // With `ranks` of more than one process this is rank 0 of a data-parallel
    // run (RankedEpochs.h): the other ranks serve its epochs.
    explicit Trainer(const ExperimentConfig& config, RankGroup* ranks = nullptr);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // One epoch. Returns the loss before the update; when it is not finite no
    // update is made and the run should end as diverged.
    double runEpoch();

    const ExperimentConfig& config() const;
    const RunSetup& setup() const;
    int64_t epochsDone() const;
    int64_t skippedSteps() const; // loss-scaler skips (CUDA mixed precision)
    // The last epoch's loss on the held-out points (from the same forward
    // pass, before the update); NaN without a split.
    double lastValidationLoss() const;
    // Whether the run watches the held-out points' loss (it has some) rather
    // than the training loss: the one rule for the stop rules, the schedule's
    // plateau, the best epoch, best loss, restore-best and the best checkpoint.
    bool watchesValidation() const;
    // Weight averaging: the averaged model's loss on the watched points (NaN
    // before the first average) and how many weights it holds.
    double averagedLoss() const;
    int64_t averagedModels() const;
    // Puts the averaged weights into the model; false when there are none.
    bool useAveragedWeights();
    bool holdsAveragedWeights() const; // since useAveragedWeights()
    // The rate of the following epochs' updates (the schedule's).
    void setLearningRate(double rate);
    // Live settings: the train settings of the following epochs. Only what a
    // run may change while it trains may differ (the settings table's live
    // rows); throws std::invalid_argument for an invalid config or a change of
    // anything else (seed, device, threads, Adam's betas, the split).
    void changeTrainConfig(const TrainConfig& next);
    // The last epoch's global gradient L2 norm before clipping (NaN before
    // the first epoch and after a diverged one), and whether clipping scaled it.
    double lastGradientNorm() const;
    bool lastEpochClipped() const;
    // What the last epoch ran: "fused" or "composed", at "float32",
    // "bfloat16" (CPU mixed precision) or "float16" (CUDA).
    const char* lastEpochKernel() const;
    const char* lastEpochPrecision() const;
    // The epochs run so far by kernel path and precision, with their time:
    // a live mixed-precision toggle starts a new span.
    const std::vector<EpochSpan>& spans() const;
    // With stop.restoreBest the trainer keeps the weights that gave the lowest
    // loss so far (before that epoch's update); this puts them back. Returns
    // false when there are none.
    bool restoreBestWeights();
    // The state after the epochs done so far, and back: a trainer built from
    // the same config and resumed from it trains on exactly as this one would.
    TrainingCheckpoint checkpoint() const;
    // With checkpointEvery: the state that gave the lowest (watched) loss so
    // far, as it was before that epoch's update.
    const std::optional<TrainingCheckpoint>& bestCheckpoint() const;
    // A resumed run's best (watched) loss before its checkpoint: only a loss
    // below it makes a new best checkpoint.
    void setBestLossBefore(double loss);
    void resumeFrom(const TrainingCheckpoint& checkpoint);

    // Whether every point is here: false on rank 0 of a data-parallel run,
    // which holds its shard alone, and where the following four functions
    // throw std::logic_error (the window and the store do not ask them of it).
    bool holdsEveryPoint() const;
    // Float32 predictions of the current model (no gradient, t = 0 unless given).
    std::vector<float> predictTrainingPoints() const;
    std::vector<float> predict(const std::vector<float>& coords) const; // [N·D] row-major
    // The last epoch's output at the training points, from its forward pass
    // (before that epoch's update: the prediction whose MSE is the epoch's
    // loss). Costs a copy, no forward pass. Empty before the first epoch, and
    // on rank 0 of a data-parallel run.
    std::vector<float> lastEpochPrediction() const;
    std::vector<float> trainingCoordinates() const; // [N·D] row-major
    std::vector<float> trainingTargets() const;     // [N]
    std::vector<float> trainingTimes() const;       // [N]; empty where t is 0 throughout
    // Every point's coordinates ([N·D] row-major) or targets in row order, a
    // block at a time, wherever the points are: for the data's fingerprint.
    // Rank 0 of a data-parallel run makes the other ranks' points again.
    void visitData(DataColumn column,
                   const std::function<void(const float* values, int64_t count)>& visit) const;
    // Appends the current flat parameters (FlatAdam's order, as float32) to
    // `out`: after epoch k's update, those epoch k + 1's forward pass uses.
    void appendParameters(std::vector<float>& out) const;
    // Appends the last epoch's gradient of its training loss with respect to
    // the parameters it used (same order), as computed: before clipping.
    void appendGradient(std::vector<float>& out) const;

private:
    double runEpochUntimed();

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Prune: a sweep's successive halving ends the run at a rung (RunStatus::Pruned).
enum class EpochVerdict { Continue, Stop, Prune };
// Called after every epoch; may block (a paused run waits here).
using EpochCallback =
    std::function<EpochVerdict(const Trainer& trainer, int64_t epoch, double loss)>;

// Called once the data and model exist, before the first epoch.
using ReadyCallback = std::function<void(const Trainer& trainer)>;

// A run picked up where a checkpoint left it: the losses of its first
// checkpoint.epoch epochs (replayed into the schedule and the stop rules, and
// kept at the head of the result's history) and the state after them.
struct ResumePoint {
    TrainingCheckpoint checkpoint;
    std::vector<double> lossHistory;
    std::vector<double> validationHistory; // with a split
    std::vector<double> averagedHistory;   // with weight averaging (may be shorter: NaN)
    std::vector<double> gradientNorms{};   // where known (may be shorter: NaN)
};

// The averaged model's losses a run resumed with `config` starts from: the
// resume point's, NaN where its parent did not average; none without averaging.
std::vector<double> averagedPrefix(const ResumePoint& resume, const TrainConfig& config);

// Runs config.train.epochs epochs (fewer when the callback stops or the loss
// diverges) and reports the outcome. Throws as Trainer's constructor does;
// std::invalid_argument too for a resume point that does not fit the config.
// wallSeconds counts setup and epochs; time spent inside the callbacks
// (progress reporting, pauses) is excluded.
// Called once after the last epoch with the model as the run ends (after
// restore-best): where its final prediction is taken.
using EndCallback = std::function<void(const Trainer& trainer)>;
// Live settings: asked before every epoch (`epoch`, 0-based, about to run);
// a config returned is that epoch's and the following ones' (changeTrainConfig).
// The schedule and the stop rules then go on as if the new settings had held
// from the start, replaying the losses so far, so that the same change at
// the same epoch always gives the same run.
using SettingsCallback =
    std::function<std::optional<TrainConfig>(const Trainer& trainer, int64_t epoch)>;

TrainResult train(const ExperimentConfig& config, const EpochCallback& onEpoch = {},
                  const ReadyCallback& onReady = {}, const ResumePoint* resume = nullptr,
                  const EndCallback& onEnd = {}, const SettingsCallback& onBoundary = {},
                  RankGroup* ranks = nullptr);

// What went wrong, in one line: LibTorch's errors without their backtrace
// (twenty lines of frames), an allocation that failed as "out of memory".
std::string failureText(const std::exception& e);

// 20·log10(peak / √mse): higher is better; +inf for a perfect fit.
double psnr(double mse, double peak);

// Facts about the LibTorch in use, for forms and About boxes (no torch header).
bool cudaAvailable();
std::string torchVersion();

} // namespace dredge
