#include "TrainRecording.h"

#include "Trainer.h"

#include <QCoreApplication>

namespace dredge {

TrainRecording::TrainRecording(const StoreLocation& location, const ExperimentConfig& config,
                               const QString& name, bool keepSnapshots)
    : client_(location)
    , record_(newRunRecord(config, name.isEmpty() ? describe(config) : name))
    , recorder_(&client_, record_)
    , throttle_(config.train.epochs, 0.25, config.train.validationShare > 0.0,
                config.train.averaging.start.has_value())
    , keepSnapshots_(keepSnapshots) {
    clock_.start();
    client_.flush();
    collectProblem();
}

TrainRecording::TrainRecording(const StoreLocation& location, RunRecord record, bool inStore)
    : client_(location)
    , record_(std::move(record))
    , recorder_(&client_, record_, inStore)
    , throttle_(record_.config.train.epochs, 0.25, record_.config.train.validationShare > 0.0,
                record_.config.train.averaging.start.has_value())
    , keepSnapshots_(true) {
    clock_.start();
    client_.flush();
    collectProblem();
}

void TrainRecording::ready(const Trainer& trainer) {
    recorder_.started(trainer.setup(), trainer.trainingCoordinates(), trainer.trainingTargets());
    if (keepSnapshots_) {
        snapshots_.emplace(trainer.config().train.epochs, trainer.setup().points);
    }
    throttle_.begin(now(), trainer.epochsDone());
}

void TrainRecording::epoch(const Trainer& trainer, int64_t epoch, double loss, bool last) {
    if (throttle_.add(epoch, loss, now(), trainer.lastValidationLoss(), trainer.averagedLoss())) {
        send();
    }
    if (snapshots_ && (last || snapshots_->due(epoch))) {
        recorder_.snapshot(epoch, snapshots_->stride(),
                           snapshots_->decimate(trainer.lastEpochPrediction()));
    }
}

void TrainRecording::seedHistory(const ResumePoint& resume) {
    recorder_.losses(0, resume.lossHistory);
    recorder_.seriesLosses(LossSeries::Validation, 0, resume.validationHistory);
    recorder_.seriesLosses(LossSeries::Averaged, 0, averagedPrefix(resume, record_.config.train));
}

void TrainRecording::checkpoint(const TrainingCheckpoint& checkpoint) {
    recorder_.checkpoint(checkpoint);
}

bool TrainRecording::finish(const TrainResult& result) {
    send();
    recorder_.finished(result, result.lossHistory);
    const bool written = client_.flush();
    collectProblem();
    return written && problem_.isEmpty();
}

void TrainRecording::send() {
    if (throttle_.hasPending()) {
        const auto batch = throttle_.take(now());
        recorder_.losses(batch.firstEpoch, batch.losses);
        recorder_.seriesLosses(LossSeries::Validation, batch.firstEpoch, batch.validationLosses);
        recorder_.seriesLosses(LossSeries::Averaged, batch.firstEpoch, batch.averagedLosses);
        collectProblem(); // a store that failed (or came back) since the last batch
    }
}

void TrainRecording::collectProblem() {
    // The store thread reports through queued calls: take them now, since the
    // training thread runs no event loop.
    QCoreApplication::sendPostedEvents(&client_);
    QString problem = client_.problemText();
    if (problem != problem_) {
        problem_ = std::move(problem);
        if (problemChanged_) {
            problemChanged_(problem_);
        }
    }
}

} // namespace dredge
