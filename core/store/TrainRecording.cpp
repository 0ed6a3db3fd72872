#include "TrainRecording.h"

#include <QCoreApplication>

namespace dredge {

TrainRecording::TrainRecording(const StoreLocation& location, const ExperimentConfig& config,
                               const QString& name)
    : TrainRecording(location, newRunRecord(config, name.isEmpty() ? describe(config) : name),
                     false) {}

TrainRecording::TrainRecording(const StoreLocation& location, RunRecord record, bool inStore)
    : client_(location)
    , record_(std::move(record))
    , recorder_(&client_, record_, inStore) {
    client_.flush();
    collectProblem();
}

void TrainRecording::ready(const Trainer& trainer) {
    recorder_.started(trainer.setup(), trainer.trainingCoordinates(), trainer.trainingTargets(),
                      resume_);
}

void TrainRecording::progress(const ProgressBatch& batch) {
    recorder_.losses(batch.firstEpoch, batch.losses);
    recorder_.seriesLosses(LossSeries::Validation, batch.firstEpoch, batch.validationLosses);
    recorder_.seriesLosses(LossSeries::Averaged, batch.firstEpoch, batch.averagedLosses);
    collectProblem(); // a store that failed (or came back) since the last batch
}

void TrainRecording::parameters(const ParameterFrames& frames) {
    recorder_.parameters(frames);
}

void TrainRecording::checkpoint(const TrainingCheckpoint& checkpoint) {
    recorder_.checkpoint(checkpoint);
}

bool TrainRecording::finish(const TrainResult& result) {
    recorder_.finished(result, result.lossHistory);
    const bool written = client_.flush();
    collectProblem();
    return written && problem_.isEmpty();
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
