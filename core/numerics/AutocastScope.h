#pragma once
// RAII scope for automatic mixed precision around a forward pass: bfloat16 on
// the CPU, float16 on CUDA. Autocast state is thread-local, so concurrent runs
// on their own threads do not affect each other.

#include "TrainConfig.h"

namespace dredge {

class AutocastScope {
public:
    AutocastScope(bool enabled, ComputeDevice device);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool enabled_;
    ComputeDevice device_;
    bool previouslyEnabled_ = false;
};

} // namespace dredge
