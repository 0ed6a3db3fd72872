#pragma once
// A sweep's runs trained in this process, at most `jobs` at once: the queue
// decides which task starts when; starting a run (and noticing it ended) is
// its owner's, through `start` and runEnded(). Pause stops starting new runs;
// cancel also drops the queued ones (the owner stops those running).

#include "Sweep.h"

#include <QObject>
#include <functional>
#include <map>
#include <vector>

namespace dredge {

class SweepQueue : public QObject {
    Q_OBJECT
public:
    // start(task) starts the run and returns its id (0: it could not start).
    using Starter = std::function<int(const SweepTask& task)>;

    SweepQueue(QString name, std::vector<SweepTask> tasks, int jobs, Starter start,
               QObject* parent = nullptr);

    // Whether `task` may start now (a sweep's epoch budget). Closed with
    // runs going, the queue waits for one to end and asks again; closed with
    // none, nothing can free the budget: the rest are dropped, as cancel().
    using Gate = std::function<bool(const SweepTask& task)>;
    void setGate(Gate gate) { gate_ = std::move(gate); }

    void begin();
    // The owner's report that run `runId` ended (however): the next task starts.
    void runEnded(int runId);
    void pause();
    void resume();
    void cancel(); // returns nothing: the running runs are the owner's to stop
    // `task` again, at the end of the queue (its run died before its end).
    void requeue(const SweepTask& task);

    const QString& name() const { return name_; }
    int jobs() const { return jobs_; }
    int total() const { return int(tasks_.size()); }
    int queued() const { return int(tasks_.size()) - next_ - cancelled_; }
    int running() const { return int(running_.size()); }
    int done() const { return done_; }
    int cancelled() const { return cancelled_; }
    int peakRunning() const { return peak_; }
    bool isPaused() const { return paused_; }
    bool isFinished() const { return running_.empty() && queued() == 0; }
    std::vector<int> runningRuns() const;
    // The tasks cancel() dropped before they started (their SweepTask::index).
    std::vector<int> droppedTasks() const;

Q_SIGNALS:
    void changed();
    void finished();

private:
    void fill();

    QString name_;
    std::vector<SweepTask> tasks_;
    int jobs_;
    Starter start_;
    Gate gate_;
    int next_ = 0;
    int done_ = 0;
    int cancelled_ = 0;
    int peak_ = 0;
    bool paused_ = false;
    std::map<int, int> running_; // run id → task
};

} // namespace dredge
