#pragma once
// Collects every epoch's loss and releases them in batches no more often than a
// minimum interval (~30 per second by default), however fast epochs run, so a
// listener sees every point without being flooded. Time is passed in, so the
// behaviour is testable without clocks. No Qt, no LibTorch.

#include "TrainConfig.h"

#include <cstdint>
#include <vector>

namespace dredge {

struct ProgressBatch {
    int64_t firstEpoch = 0;               // epoch (0-based) of losses[0]
    std::vector<double> losses;           // consecutive epochs
    std::vector<double> validationLosses; // beside them, with a validation split
    std::vector<double> averagedLosses;   // beside them, with weight averaging
    std::vector<double> gradientNorms;    // beside them: before clipping (NaN: diverged)
    int64_t clippedEpochs = 0;            // of these epochs, those clipping scaled down
    std::vector<EpochSpan> spans; // the run's kernel and precision spans so far (sender fills)
    int64_t epochsDone = 0;       // after this batch
    int64_t totalEpochs = 0;
    double epochsPerSecond = 0.0;
    double etaSeconds = -1.0;    // < 0: not known yet
    double elapsedSeconds = 0.0; // training time, pauses excluded
};

class ProgressThrottle {
public:
    // withValidation: each epoch also has a validation loss (a split);
    // withAveraged: an averaged model's loss (weight averaging).
    explicit ProgressThrottle(int64_t totalEpochs, double minIntervalSeconds = 1.0 / 30.0,
                              bool withValidation = false, bool withAveraged = false);

    // Training starts at `now`, at `firstEpoch` (a resumed run's checkpoint,
    // whose earlier epochs count in no rate); without it, the first add()
    // marks the start.
    void begin(double now, int64_t firstEpoch = 0);
    // Records the loss of `epoch` at time `now` (seconds, any origin). Returns
    // whether a batch is due.
    bool add(int64_t epoch, double loss, double now, double validationLoss = 0.0,
             double averagedLoss = 0.0);
    // The same epoch's gradient norm and whether clipping scaled it.
    void addGradient(double norm, bool clipped);
    // A live change of the run's epochs (for the ETA and the last batch).
    void setTotalEpochs(int64_t total) { total_ = total; }
    bool hasPending() const { return !pending_.empty(); }
    // Takes the pending points as a batch with the current rate and ETA.
    ProgressBatch take(double now);
    // Time stood still (a pause): do not count it in rates or elapsed time.
    void skipTime(double seconds);

private:
    int64_t total_;
    double minInterval_;
    bool withValidation_;
    bool withAveraged_;
    std::vector<double> pending_;
    std::vector<double> pendingValidation_;
    std::vector<double> pendingAveraged_;
    std::vector<double> pendingNorms_;
    int64_t pendingClipped_ = 0;
    int64_t pendingFirst_ = 0;
    int64_t done_ = 0;
    double start_ = -1.0;
    double lastEmit_ = -1.0;
    int64_t lastEmitDone_ = 0;
    double skipped_ = 0.0;
    double skippedSinceEmit_ = 0.0;
    double rate_ = 0.0;
};

} // namespace dredge
