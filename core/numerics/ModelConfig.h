#pragma once
// Which field model to build and its size. Plain data: no LibTorch, so any
// layer (GUI forms, experiment files, command line) can include it cheaply.

#include <optional>
#include <string>
#include <string_view>

namespace dredge {

enum class ModelKind {
    WaveEnsemble, // docs/reference.md §1.2: n Quasimoto waves and a linear head
    Interference, // docs/reference.md §1.3: complex Quasimoto interference basis
    Siren,        // docs/reference.md §1.4: sine-activated MLP baseline
    RandomFourier // docs/reference.md §1.5: random Fourier features baseline
};

// How the wave ensemble is computed: the fused CPU kernel (forward and analytic
// backward in one pass each) or composed tensor ops (the reference, and the
// path for CUDA and for mixed precision, where autocast needs tensor ops).
enum class WaveKernel { Fused, Composed };

struct ModelConfig {
    ModelKind kind = ModelKind::WaveEnsemble;
    WaveKernel kernel = WaveKernel::Fused;
    int waves = 16;      // wave ensemble: number of waves n
    int fields = 8;      // interference: number of fields F
    int outFeatures = 1; // interference: width of the superposition output
    int hidden = 64;     // SIREN: hidden width H
    int sirenLayers = 1; // SIREN: hidden H → H sine layers (the reference has 1)
    double w0 = 30.0;    // SIREN: frequency factor of the sine layers
    // SIREN: the first layer's own factor (the SIREN paper's first_omega_0,
    // 3000 for its audio fits, where time spans thousands of periods); unset: w0.
    std::optional<double> firstW0;
    double firstLayerW0() const { return firstW0.value_or(w0); }
    int features = 128;    // RFF: number of frequencies M (2M features)
    double rffScale = 5.0; // RFF: standard deviation s of the frequencies
    // RFF: hidden ReLU layers of `hidden` units between the features and the
    // output (Fourier Features' MLP: 4 of 256); 0 = the reference's linear readout.
    int rffLayers = 0;
};

// Stable names used on the command line and in experiment files.
std::string_view modelKindName(ModelKind kind);
std::optional<ModelKind> modelKindFromName(std::string_view name);
std::string_view waveKernelName(WaveKernel kernel);
std::optional<WaveKernel> waveKernelFromName(std::string_view name);

// Why a config cannot be built, or an empty string when it can.
std::string validate(const ModelConfig& config);

} // namespace dredge
