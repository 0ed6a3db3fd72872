#pragma once
// The launch shapes both fused CUDA kernels use: a forward of one thread per
// point, and a backward grid of (point blocks × waves or fields) whose blocks
// are capped, so that each thread strides over several points and sums them
// in registers before the block's one atomic per parameter.

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace dredge::fused::cuda {

constexpr int kThreads = 256;               // per block
constexpr int64_t kMaxBackwardBlocks = 512; // per wave or field

inline unsigned forwardBlocks(int64_t points) {
    return unsigned((points + kThreads - 1) / kThreads);
}

// blockIdx.y is the wave or field.
inline dim3 backwardGrid(int64_t points, int64_t units) {
    return dim3(unsigned(std::min<int64_t>(forwardBlocks(points), kMaxBackwardBlocks)),
                unsigned(units));
}

} // namespace dredge::fused::cuda
