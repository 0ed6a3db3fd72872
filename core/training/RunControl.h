#pragma once
// Thread-safe controls of one run: the GUI thread or a store's poller pauses,
// resumes, stops and posts live setting changes; the training thread checks
// them between epochs. No LibTorch.

#include "SettingChange.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace dredge {

class RunControl {
public:
    void pause();
    void resume();
    // Also ends a pause. The first stop asked is the one the journal keeps.
    void requestStop(ChangeSource source = ChangeSource::Window, qint64 requestId = 0);

    bool stopRequested() const;
    bool pauseRequested() const;
    // Who asked for the stop (a change with its source and store row).
    SettingChange stopRequest() const;

    // A live change for the next epoch boundary (RunDriver applies it). A
    // paused run applies it when it resumes.
    void post(SettingChange change);
    std::vector<SettingChange> takeChanges();
    // A request from anywhere (a shell through the store): pause, resume,
    // stop, or a change posted for the next boundary.
    void handle(const SettingChange& request);
    // Where the training thread answers a store's request once it applied or
    // refused it (the store itself, for a `runs set` waiting there), so that
    // the answer does not wait on a busy GUI thread. Unset: none.
    void setAnswerer(std::function<void(const SettingChange&)> answerer);
    // True when answered here (the request came from the store and an answerer is set).
    bool answer(const SettingChange& change) const;
    bool hasChanges() const;

    // For the training thread: blocks while paused. Returns false when the run
    // must stop. onPause runs once on entering a pause, before blocking;
    // onChanges whenever a change is posted meanwhile (the paused run takes
    // it for the epoch it will go on with).
    template <typename OnPause, typename OnResume, typename OnChanges>
    bool waitWhilePaused(OnPause onPause, OnResume onResume, OnChanges onChanges);

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool paused_ = false;
    bool stop_ = false;
    SettingChange stopRequest_;
    std::vector<SettingChange> changes_;
    std::function<void(const SettingChange&)> answerer_;
};

template <typename OnPause, typename OnResume, typename OnChanges>
bool RunControl::waitWhilePaused(OnPause onPause, OnResume onResume, OnChanges onChanges) {
    std::unique_lock lock(mutex_);
    if (paused_ && !stop_) {
        lock.unlock();
        onPause();
        lock.lock();
        for (;;) {
            changed_.wait(lock, [this] { return !paused_ || stop_ || !changes_.empty(); });
            if (!paused_ || stop_) {
                break;
            }
            lock.unlock();
            onChanges();
            lock.lock();
        }
        if (!stop_) {
            lock.unlock();
            onResume();
            lock.lock();
        }
    }
    return !stop_;
}

} // namespace dredge
