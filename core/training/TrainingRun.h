#pragma once
// One training run as the GUI sees it: owns a worker thread, forwards the
// worker's queued signals, and is the one holder of the live run's state on
// the GUI side (loss history, data, progress, outcome). Start / pause /
// resume / stop never block the caller.

#include "ExperimentConfig.h"
#include "RunHistory.h"
#include "RunMetaTypes.h"

#include <QObject>
#include <QThread>
#include <memory>
#include <optional>

namespace dredge {

class RunControl;
class PredictionProbe;

class TrainingRun : public QObject {
    Q_OBJECT
public:
    enum class State { Created, Preparing, Running, Paused, Finished };
    Q_ENUM(State)

    explicit TrainingRun(ExperimentConfig config, QObject* parent = nullptr);
    // Stops the run (within one epoch) and joins its thread.
    ~TrainingRun() override;

    void start();
    void pause();
    void resume();
    void stop();
    // Live predictions every `ms` milliseconds (0: only the final one), at the
    // given points [M·D] (empty: the training points).
    void setPredictionInterval(int ms);
    void setPredictionPoints(std::vector<float> coords);
    // Before start(): also emit checkpoint() for the run store.
    void setKeepCheckpoints(bool on) { keepCheckpoints_ = on; }
    // Before start(): go on from a stored checkpoint (a fork); the history
    // starts with the losses before it.
    void setResumePoint(ResumePoint resume);
    const std::optional<ResumePoint>& resumePoint() const { return resume_; }
    // Stops the run and waits for its thread, then delivers what it sent on
    // the way out (its last progress and finished()) before returning: for a
    // run removed or a window closed mid-training, so its outcome is kept.
    void finishNow();

    const ExperimentConfig& config() const { return config_; }
    // The settings it trains with now: its config and the live changes met.
    const ExperimentConfig& currentConfig() const { return current_; }
    // Live changes for its next epoch boundary (RunDriver applies or refuses
    // each; changed() says which).
    void change(std::vector<SettingChange> changes);
    // Its controls, for the store's requests from a shell (runs set/pause/...).
    const std::shared_ptr<RunControl>& control() const { return control_; }
    State state() const { return state_; }
    bool isActive() const {
        return state_ == State::Preparing || state_ == State::Running || state_ == State::Paused;
    }
    // Its losses, validation and averaged losses, timeline and data so far.
    const RunHistory& history() const { return history_; }
    const std::vector<double>& losses() const { return history_.losses; }
    const std::optional<RunData>& data() const { return history_.data; }
    const ProgressBatch& lastProgress() const { return lastProgress_; }
    // The outcome once finished; its lossHistory is empty: losses() holds it.
    const std::optional<TrainResult>& result() const { return result_; }

Q_SIGNALS:
    void stateChanged(dredge::TrainingRun::State state);
    void ready(const dredge::RunData& data);
    void progress(const dredge::ProgressBatch& batch);
    void prediction(const dredge::PredictionSnapshot& snapshot);
    // Kept parameters as they come (after the progress they go with), already
    // in history().parameters.
    void parametersKept(const dredge::ParameterFrames& frames);
    void checkpoint(const dredge::TrainingCheckpoint& checkpoint);
    // A change of its journal as the driver met it (already in history().journal).
    void changed(const dredge::SettingChange& change);
    void finished(const dredge::TrainResult& result); // with the whole history
    // finished() brought losses that never came as progress (a diverged run's
    // last one): losses() is to be read again.
    void historyReplaced();

private:
    void setState(State state);
    void onProgress(const ProgressBatch& batch);
    void onFinished(const TrainResult& result);

    ExperimentConfig config_;
    ExperimentConfig current_; // config_ and the live changes met
    std::shared_ptr<RunControl> control_;
    std::shared_ptr<PredictionProbe> probe_;
    QThread thread_;
    State state_ = State::Created;
    std::optional<ResumePoint> resume_;
    bool keepCheckpoints_ = false;
    RunHistory history_;
    ProgressBatch lastProgress_;
    std::optional<TrainResult> result_;
};

} // namespace dredge
