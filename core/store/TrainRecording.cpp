#include "TrainRecording.h"

#include "DataFingerprint.h"

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
    const auto column = [&trainer](DataColumn which) -> FloatBlocks {
        return [&trainer, which](const FloatBlockTaker& take) {
            trainer.visitData(which, [&take](const float* values, int64_t count) {
                take(values, size_t(count));
            });
        };
    };
    recorder_.started(trainer.setup(),
                      dataFingerprint(record_.config.data, column(DataColumn::Coordinates),
                                      column(DataColumn::Targets)),
                      resume_);
    if (control_) { // a shell's requests reach the run through the store
        client_.watchRequests(record_.id, [control = control_](const SettingChange& request) {
            control->handle(request);
        });
    }
}

void TrainRecording::changed(const SettingChange& change) {
    recorder_.change(change);
}

void TrainRecording::progress(const ProgressBatch& batch) {
    recorder_.progress(batch);
    collectProblem(); // a store that failed (or came back) since the last batch
}

void TrainRecording::parameters(const ParameterFrames& frames) {
    recorder_.parameters(frames);
}

void TrainRecording::checkpoint(const TrainingCheckpoint& checkpoint) {
    recorder_.checkpoint(checkpoint);
}

void TrainRecording::flush() {
    client_.flush();
    collectProblem();
}

bool TrainRecording::finish(const TrainResult& result) {
    if (control_) {
        client_.watchRequests(record_.id, {});
    }
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
