#include "FusedKernelSelection.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>

namespace dredge {

bool fusedCudaKernelsBuilt() {
#ifdef DREDGE_WITH_CUDA
    return true;
#else
    return false;
#endif
}

bool fusedKernelApplies(const at::Tensor& x, int64_t dims, int64_t outputs) {
    if (x.is_cpu()) {
        return !at::autocast::is_cpu_enabled();
    }
    constexpr int64_t kCudaMax = 8; // see cuda/Fused*KernelCuda.h
    return x.is_cuda() && fusedCudaKernelsBuilt() && !at::autocast::is_enabled() &&
           dims <= kCudaMax && outputs <= kCudaMax;
}

WaveKernel kernelUsed(const ExperimentConfig& config) {
    // CPU mixed precision keeps the fused kernels (they emulate autocast's
    // bfloat16, issue 29); CUDA's float16 runs under autocast.
    const bool cuda = config.train.device == ComputeDevice::Cuda;
    const bool composedOnly = cuda && (config.train.mixedPrecision || !fusedCudaKernelsBuilt());
    return composedOnly ? WaveKernel::Composed : config.model.kernel;
}

std::string kernelNote(const ExperimentConfig& config) {
    const std::string asked(waveKernelName(config.model.kernel));
    if (kernelUsed(config) != config.model.kernel) {
        return "Asked for the " + asked + " kernel; " +
               (config.train.mixedPrecision ? "CUDA mixed precision" : "this build on CUDA") +
               " runs the composed ops";
    }
    if (config.model.kind == ModelKind::RandomFourier && config.model.rffLayers > 0 &&
        config.model.kernel == WaveKernel::Fused) {
        return "Fused keeps the Fourier features of the training points between epochs; the " +
               std::to_string(config.model.rffLayers) +
               " hidden ReLU layers and the output train through autograd";
    }
    return {};
}

} // namespace dredge
