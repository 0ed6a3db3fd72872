#pragma once
// The short-time spectrum of a sound, as the prediction view draws it for
// truth, prediction and error (docs/reference.md §4): Hann windows of
// `window` samples, a hop that keeps at most `maxFrames` columns, each bin's
// magnitude in dB relative to a full-scale sine (a sine of amplitude 1 at a
// bin's frequency reads 0 dB), floored at −120 dB.

#include <cstdint>
#include <vector>

namespace dredge {

struct SpectrogramShape {
    int64_t window = 1024;    // samples per window (fewer where the sound is shorter)
    int64_t maxFrames = 1200; // columns at most: the hop grows with the sound
};

struct Spectrogram {
    int64_t frames = 0;       // columns, one per window
    int64_t bins = 0;         // rows, from 0 Hz to half the sample rate
    double firstSecond = 0.0; // the first window's centre
    double secondsPerFrame = 0.0;
    double hertzPerBin = 0.0;
    std::vector<float> decibels; // [frames][bins]
};

constexpr double kSpectrogramFloorDb = -120.0;

// Of `count` samples, each `stride` floats after the last (one channel of
// interleaved ones), at `rate` Hz; with `minus`, of samples − minus (the
// error of a prediction). Only the samples under a window are read. Empty
// (no frames) under 16 samples.
Spectrogram spectrogramOf(const float* samples, const float* minus, int64_t count, int64_t stride,
                          double rate, SpectrogramShape shape = {});

} // namespace dredge
