#pragma once
// One training run as the GUI sees it: owns a worker thread, forwards the
// worker's queued signals, keeps the run's loss history on the GUI side, and
// offers start / pause / resume / stop that never block the caller.

#include "ExperimentConfig.h"
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

    const ExperimentConfig& config() const { return config_; }
    State state() const { return state_; }
    bool isActive() const {
        return state_ == State::Preparing || state_ == State::Running || state_ == State::Paused;
    }
    const std::vector<double>& losses() const { return losses_; }
    const std::optional<RunData>& data() const { return data_; }
    const ProgressBatch& lastProgress() const { return lastProgress_; }
    const std::optional<TrainResult>& result() const { return result_; }

Q_SIGNALS:
    void stateChanged(dredge::TrainingRun::State state);
    void ready(const dredge::RunData& data);
    void progress(const dredge::ProgressBatch& batch);
    void prediction(const dredge::PredictionSnapshot& snapshot);
    void finished(const dredge::TrainResult& result);

private:
    void setState(State state);
    void onProgress(const ProgressBatch& batch);
    void onFinished(const TrainResult& result);

    ExperimentConfig config_;
    std::shared_ptr<RunControl> control_;
    std::shared_ptr<PredictionProbe> probe_;
    QThread thread_;
    State state_ = State::Created;
    std::vector<double> losses_;
    std::optional<RunData> data_;
    ProgressBatch lastProgress_;
    std::optional<TrainResult> result_;
};

} // namespace dredge
