#pragma once
// Whether a model's fused kernel can run for this input: on the CPU unless CPU
// autocast is on, and on CUDA when the CUDA kernels were built (a LibTorch
// with CUDA) unless CUDA autocast is on. Under autocast the composed ops run,
// so that mixed precision has tensor ops to act on; the Trainer's CPU mixed
// precision instead takes the whole-epoch path outside autocast
// (EpochData::bfloat16Products). Light enough for widgets: no LibTorch header.

#include "ExperimentConfig.h"

#include <cstdint>
#include <string>

namespace at {
class Tensor;
}

namespace dredge {

// True when this build has the CUDA versions of the fused kernels.
bool fusedCudaKernelsBuilt();

// dims and outputs: the model's; the CUDA kernels take at most 8 of each.
bool fusedKernelApplies(const at::Tensor& x, int64_t dims, int64_t outputs = 1);

// The kernel a run's epochs actually take, whatever the config asks: CUDA
// mixed precision runs the composed ops (autocast acts on tensor ops), and so
// does CUDA in a build without the CUDA kernels. CPU mixed precision keeps
// the fused kernels, which round as autocast's bfloat16 does.
WaveKernel kernelUsed(const ExperimentConfig& config);

// What of the run does not take the kernel it asked for, in a sentence for
// a tooltip; empty when all of it does. Besides kernelUsed's cases: RFF's
// hidden ReLU layers, which train through autograd whatever the kernel (the
// fused setting keeps the features of the training points between epochs).
std::string kernelNote(const ExperimentConfig& config);

} // namespace dredge
