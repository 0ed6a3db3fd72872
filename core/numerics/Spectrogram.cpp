#include "Spectrogram.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace dredge {

Spectrogram spectrogramOf(const float* samples, const float* minus, int64_t count, int64_t stride,
                          double rate, SpectrogramShape shape) {
    Spectrogram s;
    if (count < 16 || !(rate > 0.0)) {
        return s;
    }
    // The largest power of two that fits, up to the window asked for.
    int64_t window = 16;
    while (window * 2 <= std::min(count, shape.window)) {
        window *= 2;
    }
    const int64_t frames = std::min(shape.maxFrames, 1 + (count - window) / (window / 4));
    const int64_t hop = frames > 1 ? (count - window) / (frames - 1) : window;
    const auto hann = at::hann_window(window, at::TensorOptions(at::kFloat)); // periodic
    const float* w = hann.data_ptr<float>();
    auto windowed = at::empty({frames, window}, at::kFloat);
    float* out = windowed.data_ptr<float>();
    for (int64_t f = 0; f < frames; ++f) {
        for (int64_t i = 0; i < window; ++i) {
            const int64_t at = (f * hop + i) * stride;
            out[f * window + i] = w[i] * (samples[at] - (minus ? minus[at] : 0.0f));
        }
    }
    // |X| of a full-scale sine is Σ window / 2 at its bin.
    const double fullScale = hann.sum().item<double>() / 2.0;
    const auto magnitude = at::fft_rfft(windowed, c10::nullopt, 1).abs().div(fullScale);
    const auto decibels =
        magnitude.clamp_min(std::pow(10.0, kSpectrogramFloorDb / 20.0)).log10().mul(20.0);
    s.frames = frames;
    s.bins = decibels.size(1);
    s.firstSecond = double(window / 2) / rate;
    s.secondsPerFrame = double(hop) / rate;
    s.hertzPerBin = rate / double(window);
    const auto flat = decibels.contiguous();
    s.decibels.assign(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
    return s;
}

} // namespace dredge
