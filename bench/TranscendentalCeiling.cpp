// Built with -O3 -ffast-math like the fused kernels (see CMakeLists.txt), so
// GCC turns each loop below into libmvec calls exactly as it does theirs.

#include "TranscendentalCeiling.h"

#include "KernelClones.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace dredge {
namespace {

constexpr int kBlock = 256; // the kernels' block of points

// One pass: a cos, an exp and a sin pass over the block, each loop holding
// one transcendental as the kernels' loops do. Returns a value that depends
// on every result, so nothing is optimised away.
DREDGE_CLONES float passOverBlock(const float* phase, const float* exponent, float* a, float* b,
                                  float* c) {
    for (int j = 0; j < kBlock; ++j) {
        a[j] = std::cos(phase[j]);
    }
    for (int j = 0; j < kBlock; ++j) {
        b[j] = std::exp(exponent[j]);
    }
    for (int j = 0; j < kBlock; ++j) {
        c[j] = std::sin(phase[j] + 0.1f * a[j]);
    }
    return a[kBlock - 1] + b[kBlock / 2] + c[0];
}

constexpr int kChain = 32;  // multiply-adds per value and pass
constexpr int kLanes = 128; // values in flight: 8 AVX-512 registers, 16 AVX2 ones

// kChain dependent multiply-adds on each of kLanes values held in registers:
// GCC vectorises over the values, whose chains are independent, so that the
// core can issue a multiply-add every cycle on every port.
DREDGE_CLONES float fmaPass(float* values) {
    for (int j = 0; j < kBlock; j += kLanes) {
        float v[kLanes];
        for (int i = 0; i < kLanes; ++i) {
            v[i] = values[j + i];
        }
        for (int r = 0; r < kChain; ++r) {
            for (int i = 0; i < kLanes; ++i) {
                v[i] = v[i] * 0.999f + 0.0005f;
            }
        }
        for (int i = 0; i < kLanes; ++i) {
            values[j + i] = v[i];
        }
    }
    return values[kBlock / 3];
}

} // namespace

double fmaCeilingPerSecond(int trials, int rounds) {
    float values[kBlock];
    for (int j = 0; j < kBlock; ++j) {
        values[j] = float(j) / kBlock;
    }
    volatile float sink = 0;
    double best = 0;
    for (int trial = 0; trial < trials; ++trial) {
        const auto start = std::chrono::steady_clock::now();
        float sum = 0;
        for (int r = 0; r < rounds; ++r) {
            sum += fmaPass(values);
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        sink = sink + sum;
        best = std::max(best, double(kChain) * kBlock * rounds / seconds);
    }
    return best;
}

double transcendentalCeilingPerSecond(int trials, int rounds) {
    // Arguments in the ranges the models see: phases of a few radians,
    // envelope exponents between −8 and 0.
    float phase[kBlock], exponent[kBlock], a[kBlock], b[kBlock], c[kBlock];
    for (int j = 0; j < kBlock; ++j) {
        phase[j] = -6.0f + 12.0f * float(j) / kBlock;
        exponent[j] = -8.0f * float(j) / kBlock;
    }
    using Clock = std::chrono::steady_clock;
    volatile float sink = 0;
    double best = 0;
    // The best of many short trials: the ceiling, not the mean, and a figure
    // that a slow start (clock ramp-up, first page touches) does not lower.
    for (int trial = 0; trial < trials; ++trial) {
        const auto start = Clock::now();
        float sum = 0;
        for (int r = 0; r < rounds; ++r) {
            sum += passOverBlock(phase, exponent, a, b, c);
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        sink = sink + sum;
        best = std::max(best, 3.0 * kBlock * rounds / seconds);
    }
    return best;
}

} // namespace dredge
