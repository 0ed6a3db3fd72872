#include "TrainingRun.h"

#include "RunControl.h"
#include "TrainingWorker.h"

#include <QCoreApplication>

namespace dredge {
namespace {

void registerMetaTypesOnce() {
    static const bool registered = [] {
        qRegisterMetaType<ProgressBatch>();
        qRegisterMetaType<TrainResult>();
        qRegisterMetaType<RunData>();
        qRegisterMetaType<PredictionSnapshot>();
        qRegisterMetaType<TrainingCheckpoint>();
        qRegisterMetaType<ParameterFrames>();
        qRegisterMetaType<SettingChange>();
        return true;
    }();
    (void)registered;
}

} // namespace

TrainingRun::TrainingRun(ExperimentConfig config, QObject* parent)
    : QObject(parent)
    , config_(std::move(config))
    , current_(config_)
    , control_(std::make_shared<RunControl>())
    , probe_(std::make_shared<PredictionProbe>()) {
    registerMetaTypesOnce();
    // A run trains on a thread of this process: one rank, whatever the
    // experiment asked (ranksInWindowNote tells the user), so that its record
    // says where it trained.
    config_.train.ranks = current_.train.ranks = 1;
    thread_.setObjectName(QStringLiteral("training-run"));
}

TrainingRun::~TrainingRun() {
    control_->requestStop();
    thread_.quit();
    thread_.wait();
}

void TrainingRun::setResumePoint(ResumePoint resume) {
    history_.losses = resume.lossHistory;
    history_.validationLosses = resume.validationHistory;
    history_.averagedLosses = averagedPrefix(resume, config_.train);
    resume_ = std::move(resume);
}

void TrainingRun::start() {
    if (state_ != State::Created) {
        return;
    }
    history_.timeline.add(resume_ ? resume_->checkpoint.epoch : 0,
                          0.0); // training time starts here
    auto* worker = new TrainingWorker(config_, control_, probe_, keepCheckpoints_);
    worker->setResumePoint(resume_);
    worker->moveToThread(&thread_);
    connect(&thread_, &QThread::started, worker, &TrainingWorker::run);
    connect(&thread_, &QThread::finished, worker, &QObject::deleteLater);
    connect(worker, &TrainingWorker::ready, this, [this](const RunData& data) {
        history_.data = data;
        setState(control_->pauseRequested() ? State::Paused : State::Running);
        Q_EMIT ready(data);
    });
    connect(worker, &TrainingWorker::progress, this, &TrainingRun::onProgress);
    connect(worker, &TrainingWorker::prediction, this, &TrainingRun::prediction);
    connect(worker, &TrainingWorker::parameters, this, [this](const ParameterFrames& frames) {
        history_.parameters.merge(frames);
        Q_EMIT parametersKept(frames);
    });
    connect(worker, &TrainingWorker::checkpoint, this, &TrainingRun::checkpoint);
    connect(worker, &TrainingWorker::changed, this, [this](const SettingChange& change) {
        history_.journal.push_back(change);
        if (change.state == ChangeState::Applied) {
            current_ = configAt(config_, history_.journal, change.epoch);
        }
        Q_EMIT changed(change);
    });
    connect(worker, &TrainingWorker::paused, this, [this] {
        if (state_ != State::Finished) {
            setState(State::Paused);
        }
    });
    connect(worker, &TrainingWorker::resumed, this, [this] {
        if (state_ != State::Finished) {
            setState(State::Running);
        }
    });
    connect(worker, &TrainingWorker::finished, this, &TrainingRun::onFinished);
    connect(worker, &TrainingWorker::finished, &thread_, &QThread::quit);
    setState(State::Preparing);
    thread_.start();
}

void TrainingRun::pause() {
    if (isActive()) {
        control_->pause();
    }
}

void TrainingRun::resume() {
    control_->resume();
}

void TrainingRun::change(std::vector<SettingChange> changes) {
    for (auto& c : changes) {
        c.requested = QDateTime::currentDateTimeUtc();
        control_->post(std::move(c));
    }
}

void TrainingRun::stop() {
    control_->requestStop(ChangeSource::Window);
}

void TrainingRun::finishNow() {
    if (!isActive()) {
        return;
    }
    control_->requestStop();
    // Its finished() → quit() connection is queued to this (blocked) thread:
    // quit directly; the loop ends once the worker's run() has returned.
    thread_.quit();
    thread_.wait();
    // The worker's last signals are queued to this object: take them now.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void TrainingRun::setPredictionInterval(int ms) {
    probe_->setIntervalMs(ms);
}
void TrainingRun::setPredictionPoints(std::vector<float> coords) {
    probe_->setPoints(std::move(coords));
}

void TrainingRun::setState(State state) {
    if (state_ != state) {
        state_ = state;
        Q_EMIT stateChanged(state);
    }
}

void TrainingRun::onProgress(const ProgressBatch& batch) {
    auto& h = history_;
    h.losses.insert(h.losses.end(), batch.losses.begin(), batch.losses.end());
    h.validationLosses.insert(h.validationLosses.end(), batch.validationLosses.begin(),
                              batch.validationLosses.end());
    h.averagedLosses.insert(h.averagedLosses.end(), batch.averagedLosses.begin(),
                            batch.averagedLosses.end());
    h.gradientNorms.insert(h.gradientNorms.end(), batch.gradientNorms.begin(),
                           batch.gradientNorms.end());
    h.timeline.add(batch.epochsDone, batch.elapsedSeconds);
    lastProgress_ = batch;
    Q_EMIT progress(batch);
}

void TrainingRun::onFinished(const TrainResult& result) {
    // The result holds every loss, including a diverged run's last, non-finite
    // one, which never went out as progress.
    const bool replaced = history_.losses != result.lossHistory;
    history_.losses = result.lossHistory;
    history_.validationLosses = result.validationHistory;
    history_.averagedLosses = result.averagedHistory;
    history_.gradientNorms = result.gradientNorms;
    result_ = result;
    result_->lossHistory.clear(); // one copy each: in history_
    result_->validationHistory.clear();
    result_->averagedHistory.clear();
    result_->gradientNorms.clear();
    setState(State::Finished);
    Q_EMIT finished(result);
    if (replaced) {
        Q_EMIT historyReplaced();
    }
}

} // namespace dredge
