#pragma once
// docs/reference.md §2: the data sets, as float32 tensors on the CPU.

#include "DataConfig.h"

#include <ATen/ATen.h>
#include <string>
#include <vector>

namespace dredge {

struct Dataset {
    at::Tensor coords;              // x [N, D]
    at::Tensor time;                // t [N]
    at::Tensor target;              // y [N, 1]
    std::vector<int64_t> gridShape; // points per axis at one instant, e.g. {1000} or {G, G, G}
    std::string description;        // e.g. "6-D hyper-grid, 8^5 points"
};

Dataset makeGlitchyChirp();
Dataset makeVolume4d(int64_t grid = 20);
Dataset makeHyper6d(int64_t grid = 8);
Dataset makeCsvDataset(const std::string& path);
// docs/reference.md §9: a wave packet drifting at `velocity` and spreading,
// sampled at `times` instants over t ∈ [0, 2], time-major (every point of the
// first instant, then the next).
Dataset makePacket1d(double velocity, int times);
Dataset makePacket4d(int64_t grid, double velocity, int times);

// The data set a config names. Throws std::invalid_argument or CsvError.
Dataset makeDataset(const DataConfig& config);

// Coordinates of a G^D grid over [lo, hi]^D, 'ij' order (the last axis varies
// fastest), as [G^D, D].
at::Tensor gridCoordinates(int64_t grid, int64_t dims, double lo, double hi);

} // namespace dredge
