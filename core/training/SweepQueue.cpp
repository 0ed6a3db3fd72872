#include "SweepQueue.h"

#include <algorithm>

namespace dredge {

SweepQueue::SweepQueue(QString name, std::vector<SweepTask> tasks, int jobs, Starter start,
                       QObject* parent)
    : QObject(parent)
    , name_(std::move(name))
    , tasks_(std::move(tasks))
    , jobs_(std::max(1, jobs))
    , start_(std::move(start)) {}

void SweepQueue::begin() {
    fill();
}

void SweepQueue::fill() {
    while (!paused_ && int(running_.size()) < jobs_ && next_ + cancelled_ < int(tasks_.size())) {
        if (gate_ && !gate_(tasks_[size_t(next_)])) {
            if (running_.empty()) {
                cancelled_ = int(tasks_.size()) - next_;
            }
            break;
        }
        const auto& task = tasks_[size_t(next_++)];
        if (const int id = start_(task)) {
            running_.emplace(id, task.index);
            peak_ = std::max(peak_, int(running_.size()));
        } else {
            ++done_; // could not start: counted as ended, the next one goes
        }
    }
    Q_EMIT changed();
    if (isFinished()) {
        Q_EMIT finished();
    }
}

void SweepQueue::runEnded(int runId) {
    if (running_.erase(runId) == 0) {
        return; // not one of this sweep's
    }
    ++done_;
    fill();
}

void SweepQueue::requeue(const SweepTask& task) {
    if (cancelled_ == 0) { // a cancelled queue starts nothing more
        tasks_.push_back(task);
    }
}

void SweepQueue::pause() {
    paused_ = true;
    Q_EMIT changed();
}

void SweepQueue::resume() {
    paused_ = false;
    fill();
}

void SweepQueue::cancel() {
    cancelled_ = int(tasks_.size()) - next_;
    fill();
}

std::vector<int> SweepQueue::runningRuns() const {
    std::vector<int> ids;
    for (const auto& [id, task] : running_) {
        ids.push_back(id);
    }
    return ids;
}

} // namespace dredge

namespace dredge {

std::vector<int> SweepQueue::droppedTasks() const {
    std::vector<int> dropped;
    for (int i = next_; i < next_ + cancelled_; ++i) {
        dropped.push_back(tasks_[size_t(i)].index);
    }
    return dropped;
}

} // namespace dredge
