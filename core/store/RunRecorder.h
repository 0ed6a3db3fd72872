#pragma once
// Records one training run into the store as it goes: the record once its
// data exists, the losses and kept parameters in batches, and the outcome.
// The window and `train` both record through it, so a run is stored the same
// way whoever started it. It fills in the caller's record (the one copy of
// it) and, given a store, writes it there.

#include "ProgressThrottle.h"
#include "RunRecord.h"
#include "RunStore.h"
#include "SettingChange.h"
#include "Trainer.h"

#include <array>
#include <vector>

namespace dredge {

class StoreClient;

// A run's outcome into its record: status, epochs, losses, ms/epoch, PSNR
// (with the data's peak |y|; 0: unknown) and the error.
void recordOutcome(RunRecord& record, const TrainResult& result, double targetPeak);

class RunRecorder {
public:
    // `record` must outlive the recorder; `store` may be null. inStore: the
    // record is already there (a queued sweep run this process claimed).
    RunRecorder(StoreClient* store, RunRecord& record, bool inStore = false);

    // `dataFingerprint`: DataFingerprint.h's, of the points the run trains on.
    // `resume`: a fork, whose history begins as its parent's before the checkpoint.
    void started(const RunSetup& setup, const QString& dataFingerprint,
                 const ResumePoint* resume = nullptr);
    void losses(qint64 firstEpoch, const std::vector<double>& losses);
    // A batch's losses, its other series and the epochs clipping scaled.
    void progress(const ProgressBatch& batch);
    // A change of the journal (written at once unless `toStore` is false:
    // already answered there) and, while it trains, the journal so far.
    void change(const SettingChange& change, bool toStore = true);
    const RunJournal& journal() const { return journal_; }
    // The validation or averaged series (empty batches are ignored).
    void seriesLosses(LossSeries series, qint64 firstEpoch, const std::vector<double>& losses);
    void parameters(const ParameterFrames& frames);
    void checkpoint(const TrainingCheckpoint& checkpoint);
    // `history` is the run's whole history; what was not sent yet (a diverged
    // run's last loss) is written before the outcome.
    void finished(const TrainResult& result, const std::vector<double>& history);

private:
    StoreClient* store_;
    RunRecord& record_;
    double targetPeak_ = 0.0;
    qint64 sent_ = 0; // epochs of history sent to the store
    // Epochs of each other series (LossSeries) sent: validation, averaged, gradient norm.
    std::array<qint64, 4> sentSeries_{};
    RunJournal journal_;
    bool inserted_ = false;
};

} // namespace dredge
