#include "AutocastScope.h"

#include <ATen/autocast_mode.h>

namespace dredge {

AutocastScope::AutocastScope(bool enabled, ComputeDevice device)
    : enabled_(enabled)
    , device_(device) {
    if (!enabled_) {
        return;
    }
    if (device_ == ComputeDevice::Cpu) {
        previouslyEnabled_ = at::autocast::is_cpu_enabled();
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        at::autocast::set_cpu_enabled(true);
    } else {
        previouslyEnabled_ = at::autocast::is_enabled();
        at::autocast::set_autocast_gpu_dtype(at::kHalf);
        at::autocast::set_enabled(true);
    }
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
    if (!enabled_) {
        return;
    }
    // Leaving the outermost scope drops the cached low-precision weight copies,
    // as Python's autocast does; otherwise they would go stale after a step.
    if (at::autocast::decrement_nesting() == 0) {
        at::autocast::clear_cache();
    }
    if (device_ == ComputeDevice::Cpu) {
        at::autocast::set_cpu_enabled(previouslyEnabled_);
    } else {
        at::autocast::set_enabled(previouslyEnabled_);
    }
}

} // namespace dredge
