#include "RunControl.h"

#include <utility>

namespace dredge {

void RunControl::pause() {
    std::lock_guard lock(mutex_);
    paused_ = true;
}

void RunControl::resume() {
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
    }
    changed_.notify_all();
}

void RunControl::requestStop(ChangeSource source, qint64 requestId) {
    {
        std::lock_guard lock(mutex_);
        if (!stop_) {
            stopRequest_.action = ChangeAction::Stop;
            stopRequest_.source = source;
            stopRequest_.requestId = requestId;
            stopRequest_.requested = QDateTime::currentDateTimeUtc();
        }
        stop_ = true;
    }
    changed_.notify_all();
}

SettingChange RunControl::stopRequest() const {
    std::lock_guard lock(mutex_);
    return stopRequest_;
}

void RunControl::post(SettingChange change) {
    {
        std::lock_guard lock(mutex_);
        changes_.push_back(std::move(change));
    }
    changed_.notify_all(); // a paused run takes it now
}

std::vector<SettingChange> RunControl::takeChanges() {
    std::lock_guard lock(mutex_);
    return std::exchange(changes_, {});
}

void RunControl::handle(const SettingChange& request) {
    switch (request.action) {
    case ChangeAction::Pause:
        pause();
        break;
    case ChangeAction::Resume:
        resume();
        break;
    case ChangeAction::Stop:
        requestStop(request.source, request.requestId);
        break;
    case ChangeAction::Set:
        post(request);
        break;
    }
}

void RunControl::setAnswerer(std::function<void(const SettingChange&)> answerer) {
    std::lock_guard lock(mutex_);
    answerer_ = std::move(answerer);
}

bool RunControl::answer(const SettingChange& change) const {
    std::lock_guard lock(mutex_); // the answerer is not unset while it answers
    if (change.requestId <= 0 || !answerer_) {
        return false;
    }
    answerer_(change);
    return true;
}

bool RunControl::hasChanges() const {
    std::lock_guard lock(mutex_);
    return !changes_.empty();
}

bool RunControl::stopRequested() const {
    std::lock_guard lock(mutex_);
    return stop_;
}

bool RunControl::pauseRequested() const {
    std::lock_guard lock(mutex_);
    return paused_;
}

} // namespace dredge
