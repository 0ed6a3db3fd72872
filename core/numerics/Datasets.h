#pragma once
// docs/reference.md §2: the data sets, as float32 tensors on the CPU.

#include "DataConfig.h"

#include <ATen/ATen.h>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dredge {

struct Dataset {
    at::Tensor coords;              // x [N, D]
    at::Tensor time;                // t [N]
    at::Tensor target;              // y [N, C]: C = 1 but for an RGB image (3)
    std::vector<int64_t> gridShape; // points per axis at one instant, e.g. {1000} or {G, G, G}
    std::string description;        // e.g. "6-D hyper-grid, 8^5 points"
    double sampleRate = 0.0;        // a sound's samples per second; 0 for other data
    // What a part of the data set (makeDatasetPart) knows of the whole: its
    // rows are [firstPoint, firstPoint + N) of allPoints.
    int64_t firstPoint = 0;
    int64_t allPoints = 0;
    bool timeVaries = false; // t ≠ 0 at some point of the whole
    // A grid's coordinates along each of its D axes ('ij' order: the last
    // varies fastest); empty for the data sets that are no grid.
    std::vector<at::Tensor> gridAxes;
};

Dataset makeGlitchyChirp();
Dataset makeVolume4d(int64_t grid = 20);
Dataset makeHyper6d(int64_t grid = 8);
Dataset makeCsvDataset(const std::string& path);
// docs/reference.md §9: a wave packet drifting at `velocity` and spreading,
// sampled at `times` instants over t ∈ [0, 2], time-major (every point of the
// first instant, then the next).
Dataset makePacket1d(double velocity, int times);
// A user's sampled signal on its grid: coordinates from each axis's extent,
// 'ij' order, the targets its values [N, channels].
Dataset makeSampledDataset(const SampledSignal& signal);
Dataset makePacket4d(int64_t grid, double velocity, int times);

// The data set a config names. Throws std::invalid_argument or CsvError.
Dataset makeDataset(const DataConfig& config);
// Its rows [first, end) alone, bit for bit as makeDataset has them, where
// `rows` says which from the data set's point count: one rank's shard of a
// data-parallel run, made without the rest (a CSV file's every row is read
// and checked, its part's alone kept).
using RowsOfPoints = std::function<std::pair<int64_t, int64_t>(int64_t points)>;
Dataset makeDatasetPart(const DataConfig& config, const RowsOfPoints& rows);

// Coordinates of a G^D grid over [lo, hi]^D, 'ij' order (the last axis varies
// fastest), as [G^D, D].
at::Tensor gridCoordinates(int64_t grid, int64_t dims, double lo, double hi);

} // namespace dredge
