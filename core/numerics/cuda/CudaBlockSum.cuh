#pragma once
// Sum of one double per thread over a block: warp shuffles, then one value per
// warp through shared memory. The result is valid in thread 0. Every thread of
// the block must call it (it synchronises).

#include <cuda_runtime.h>

namespace dredge::fused::cuda {

__device__ inline double blockSum(double value) {
    __shared__ double perWarp[32];
    for (int offset = 16; offset > 0; offset /= 2) {
        value += __shfl_down_sync(0xffffffffu, value, offset);
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads(); // perWarp may still be read by a previous call
    if (lane == 0) {
        perWarp[warp] = value;
    }
    __syncthreads();
    value = 0;
    if (warp == 0) {
        value = lane < (blockDim.x + 31) / 32 ? perWarp[lane] : 0.0;
        for (int offset = 16; offset > 0; offset /= 2) {
            value += __shfl_down_sync(0xffffffffu, value, offset);
        }
    }
    return value;
}

// Adds the block's sum of `value` to *target (one atomic per block).
__device__ inline void blockAdd(double* target, double value) {
    const double total = blockSum(value);
    if (threadIdx.x == 0) {
        atomicAdd(target, total);
    }
}

// Throws std::runtime_error naming `what` if the last launch failed.
void checkLaunch(const char* what);

} // namespace dredge::fused::cuda
