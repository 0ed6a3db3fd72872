#pragma once
// Which data set to train on. Plain data: no LibTorch.

#include <optional>
#include <string>
#include <string_view>

namespace dredge {

enum class DataKind {
    Chirp,    // docs/reference.md §2: glitchy chirp, 1-D, 1000 points
    Volume4d, // docs/reference.md §2: x, y, z grid of G³ points, t = 0
    Hyper6d,  // docs/reference.md §2: x1..x5 grid of G⁵ points, t = 0
    CsvSignal // a user's 1-D signal from a two-column CSV file
};

struct DataConfig {
    DataKind kind = DataKind::Chirp;
    int grid = 0;        // points per axis for the grids; 0 = the reference default
    std::string csvPath; // for DataKind::CsvSignal
};

std::string_view dataKindName(DataKind kind);
std::optional<DataKind> dataKindFromName(std::string_view name);

// Points per axis actually used: the configured value or the reference default (docs/reference.md
// §2).
int effectiveGrid(const DataConfig& config);
// Spatial dimensions D of the coordinates the data set produces.
int spatialDims(DataKind kind);

std::string validate(const DataConfig& config);

} // namespace dredge
