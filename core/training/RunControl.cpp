#include "RunControl.h"

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

void RunControl::requestStop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
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
