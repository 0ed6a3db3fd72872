#include "ProgressThrottle.h"

#include <algorithm>
#include <utility>

namespace dredge {

ProgressThrottle::ProgressThrottle(int64_t totalEpochs, double minIntervalSeconds,
                                   bool withValidation, bool withAveraged)
    : total_(totalEpochs)
    , minInterval_(minIntervalSeconds)
    , withValidation_(withValidation)
    , withAveraged_(withAveraged) {}

void ProgressThrottle::begin(double now, int64_t firstEpoch) {
    start_ = lastEmit_ = now;
    done_ = lastEmitDone_ = firstEpoch;
}

bool ProgressThrottle::add(int64_t epoch, double loss, double now, double validationLoss,
                           double averagedLoss) {
    if (start_ < 0.0) {
        start_ = lastEmit_ = now;
    }
    if (pending_.empty()) {
        pendingFirst_ = epoch;
    }
    pending_.push_back(loss);
    if (withValidation_) {
        pendingValidation_.push_back(validationLoss);
    }
    if (withAveraged_) {
        pendingAveraged_.push_back(averagedLoss);
    }
    done_ = epoch + 1;
    return now - lastEmit_ - skippedSinceEmit_ >= minInterval_ || done_ >= total_;
}

void ProgressThrottle::addGradient(double norm, bool clipped) {
    pendingNorms_.push_back(norm);
    pendingClipped_ += clipped ? 1 : 0;
}

ProgressBatch ProgressThrottle::take(double now) {
    ProgressBatch batch;
    batch.firstEpoch = pendingFirst_;
    batch.losses.swap(pending_);
    batch.validationLosses.swap(pendingValidation_);
    batch.averagedLosses.swap(pendingAveraged_);
    batch.gradientNorms.swap(pendingNorms_);
    batch.clippedEpochs = std::exchange(pendingClipped_, 0);
    batch.epochsDone = done_;
    batch.totalEpochs = total_;

    const double interval = now - lastEmit_ - skippedSinceEmit_;
    if (interval > 0.0 && done_ > lastEmitDone_) {
        const double current = double(done_ - lastEmitDone_) / interval;
        // Exponential smoothing keeps the ETA from jittering batch to batch.
        rate_ = rate_ > 0.0 ? 0.7 * rate_ + 0.3 * current : current;
    }
    batch.epochsPerSecond = rate_;
    batch.etaSeconds = rate_ > 0.0 ? double(std::max<int64_t>(0, total_ - done_)) / rate_ : -1.0;
    batch.elapsedSeconds = std::max(0.0, now - start_ - skipped_);
    lastEmit_ = now;
    lastEmitDone_ = done_;
    skippedSinceEmit_ = 0.0;
    return batch;
}

void ProgressThrottle::skipTime(double seconds) {
    skipped_ += seconds;
    skippedSinceEmit_ += seconds;
}

} // namespace dredge
