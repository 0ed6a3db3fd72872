#include "RunRecorder.h"

#include "DataFingerprint.h"
#include "ExperimentJson.h"
#include "StoreClient.h"

namespace dredge {

void recordOutcome(RunRecord& record, const TrainResult& result, double targetPeak) {
    record.status = recordStatusOf(result.status);
    record.epochsDone = result.epochsDone;
    record.finalLoss = result.finalLoss;
    record.bestLoss = result.bestLoss;
    record.msPerEpoch = result.msPerEpoch;
    record.psnrDb = targetPeak > 0 && std::isfinite(result.finalLoss)
                        ? psnr(result.finalLoss, targetPeak)
                        : std::nan("");
    // The record's one message: why it failed, else why a stop rule ended it.
    record.error = QString::fromStdString(result.error.empty() ? result.stopReason : result.error);
}

RunRecorder::RunRecorder(StoreClient* store, RunRecord& record, bool inStore)
    : store_(store)
    , record_(record)
    , inserted_(inStore) {}

void RunRecorder::started(const RunSetup& setup, const QString& dataFingerprint,
                          const ResumePoint* resume) {
    record_.status = RecordStatus::Running;
    record_.started = QDateTime::currentDateTimeUtc();
    record_.heartbeat = record_.started;
    record_.parameters = setup.parameters;
    if (setup.ranks > 1) { // a data-parallel run: every rank's host, in rank order
        record_.host = hostNames(setup).join(u',');
    }
    record_.points = setup.points;
    record_.zeroPredictorMse = setup.zeroPredictorMse;
    record_.dataFingerprint = dataFingerprint;
    targetPeak_ = setup.targetPeak;
    if (store_) {
        inserted_ ? store_->updateRun(record_) : store_->insertRun(record_);
        inserted_ = true;
    }
    if (resume) {
        losses(0, resume->lossHistory);
        seriesLosses(LossSeries::Validation, 0, resume->validationHistory);
        seriesLosses(LossSeries::Averaged, 0, averagedPrefix(*resume, record_.config.train));
        auto norms = resume->gradientNorms; // NaN where the parent did not keep them
        norms.resize(resume->lossHistory.size(), std::nan(""));
        seriesLosses(LossSeries::GradientNorm, 0, norms);
    }
}

void RunRecorder::progress(const ProgressBatch& batch) {
    losses(batch.firstEpoch, batch.losses);
    seriesLosses(LossSeries::Validation, batch.firstEpoch, batch.validationLosses);
    seriesLosses(LossSeries::Averaged, batch.firstEpoch, batch.averagedLosses);
    seriesLosses(LossSeries::GradientNorm, batch.firstEpoch, batch.gradientNorms);
    record_.clippedEpochs += batch.clippedEpochs;
    if (!batch.spans.empty()) {
        record_.spans = batch.spans; // the row's rates before and after a live AMP toggle
    }
}

void RunRecorder::change(const SettingChange& change, bool toStore) {
    journal_.push_back(change);
    if (store_ && inserted_ && toStore) {
        store_->recordChange(record_.id, change);
    }
}

void RunRecorder::losses(qint64 firstEpoch, const std::vector<double>& losses) {
    record_.epochsDone = firstEpoch + qint64(losses.size());
    if (store_ && inserted_ && firstEpoch == sent_) {
        store_->appendLosses(record_.id, firstEpoch, losses);
        sent_ += qint64(losses.size());
    }
}

void RunRecorder::seriesLosses(LossSeries series, qint64 firstEpoch,
                               const std::vector<double>& losses) {
    auto& sent = sentSeries_[size_t(series)];
    if (store_ && inserted_ && firstEpoch == sent && !losses.empty()) {
        store_->appendLosses(record_.id, firstEpoch, losses, series);
        sent += qint64(losses.size());
    }
}

void RunRecorder::checkpoint(const TrainingCheckpoint& checkpoint) {
    if (store_ && inserted_) {
        store_->addCheckpoint(record_.id, checkpoint);
    }
}

void RunRecorder::parameters(const ParameterFrames& frames) {
    if (store_ && inserted_) {
        store_->addParameters(record_.id, frames);
    }
}

void RunRecorder::finished(const TrainResult& result, const std::vector<double>& history) {
    recordOutcome(record_, result, targetPeak_);
    record_.spans = result.spans;
    record_.ended = QDateTime::currentDateTimeUtc();
    if (!store_) {
        return;
    }
    if (!inserted_) { // failed before its data existed: stored all the same
        store_->insertRun(record_);
        inserted_ = true;
    }
    if (sent_ < qint64(history.size())) {
        store_->appendLosses(record_.id, sent_,
                             std::vector<double>(history.begin() + sent_, history.end()));
        sent_ = qint64(history.size());
    }
    const auto rest = [](const std::vector<double>& all, qint64 sent) {
        return sent < qint64(all.size()) ? std::vector<double>(all.begin() + sent, all.end())
                                         : std::vector<double>{};
    };
    const std::pair<LossSeries, const std::vector<double>*> series[] = {
        {LossSeries::Validation, &result.validationHistory},
        {LossSeries::Averaged, &result.averagedHistory},
        {LossSeries::GradientNorm, &result.gradientNorms},
    };
    for (const auto& [which, all] : series) {
        const qint64 sent = sentSeries_[size_t(which)];
        seriesLosses(which, sent, rest(*all, sent));
    }
    store_->updateRun(record_);
    store_->refuseWaiting(record_.id, record_.epochsDone);
}

} // namespace dredge
