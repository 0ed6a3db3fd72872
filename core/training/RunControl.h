#pragma once
// Thread-safe controls of one run: the GUI thread pauses, resumes and stops;
// the training thread checks them between epochs. No Qt, no LibTorch.

#include <condition_variable>
#include <mutex>

namespace dredge {

class RunControl {
public:
    void pause();
    void resume();
    void requestStop(); // also ends a pause

    bool stopRequested() const;
    bool pauseRequested() const;

    // For the training thread: blocks while paused. Returns false when the run
    // must stop. onPause runs once on entering a pause, before blocking.
    template <typename OnPause, typename OnResume>
    bool waitWhilePaused(OnPause onPause, OnResume onResume);

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool paused_ = false;
    bool stop_ = false;
};

template <typename OnPause, typename OnResume>
bool RunControl::waitWhilePaused(OnPause onPause, OnResume onResume) {
    std::unique_lock lock(mutex_);
    if (paused_ && !stop_) {
        lock.unlock();
        onPause();
        lock.lock();
        changed_.wait(lock, [this] { return !paused_ || stop_; });
        if (!stop_) {
            lock.unlock();
            onResume();
            lock.lock();
        }
    }
    return !stop_;
}

} // namespace dredge
