#pragma once
// Which data set to train on. Plain data: no LibTorch.

#include "SampledSignal.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dredge {

enum class DataKind {
    Chirp,     // docs/reference.md §2: glitchy chirp, 1-D, 1000 points
    Volume4d,  // docs/reference.md §2: x, y, z grid of G³ points, t = 0
    Hyper6d,   // docs/reference.md §2: x1..x5 grid of G⁵ points, t = 0
    CsvSignal, // a user's 1-D signal from a two-column CSV file
    Packet1d,  // docs/reference.md §9: a drifting, spreading wave packet in x, t
    Packet4d,  // docs/reference.md §9: the same in x, y, z, t
    Image,     // a user's picture: pixels on [−1, 1]², grey (1 output) or RGB (3)
    Volume,    // a user's volume (NIfTI, .npy): voxels in z, y, x, intensities scaled to [0, 1]
    Audio,     // a user's sound (WAV, FLAC, …): time on [−1, 1], mono 1 output, stereo 2
    Table      // a user's table of points (CSV with a header): named input and output columns
};

// What a 4-D volume's last axis is: values per voxel, or instants of time.
enum class FourthAxis { Channels, Time };

struct DataConfig {
    DataKind kind = DataKind::Chirp;
    int grid = 0;        // points per axis for the grids; 0 = the reference default
    std::string csvPath; // for DataKind::CsvSignal
    // DataKind::Image: the file, and "WxH" to resample it to (empty: as it is).
    std::string imagePath;
    std::string resize;
    // DataKind::Volume: the NIfTI or .npy file, and what a 4th axis of it is.
    std::string volumePath;
    FourthAxis fourthAxis = FourthAxis::Channels;
    // DataKind::Audio: the file, and "A:B" seconds of it to take (empty: all).
    std::string audioPath;
    std::string audioSpan;
    // DataKind::Table: the CSV file and its columns, comma-separated names:
    // the inputs (a column named t among them is time) and the outputs.
    std::string tablePath;
    std::string tableInputs;
    std::string tableOutputs;
    // The file's samples, read by core/experiment's SignalFiles (numerics
    // reads no image formats): set before a run's data is made, null until then.
    std::shared_ptr<const SampledSignal> samples;
    // The wave packets: drift speed, and how many instants over t ∈ [0, 2].
    double velocity = 1.0;
    int times = 5;
};

// Whether t varies over the data set's points (only then do a wave's ω and v
// receive gradients).
bool isTimeVarying(DataKind kind);

std::string_view dataKindName(DataKind kind);
std::string_view fourthAxisName(FourthAxis axis);
std::optional<DataKind> dataKindFromName(std::string_view name);

// Points per axis actually used: the configured value or the reference default (docs/reference.md
// §2).
int effectiveGrid(const DataConfig& config);
// Spatial dimensions D of the coordinates the data set produces (a table's:
// spatialDims(const DataConfig&)).
int spatialDims(DataKind kind);
// The same for a config: a table's D is its input columns but t.
int spatialDims(const DataConfig& config);
// "x, y,z" as {"x", "y", "z"}: a table's column list, each name trimmed.
std::vector<std::string> columnList(std::string_view list);

constexpr int64_t kChirpPoints = 1000;   // x on [−10, 10]
constexpr int64_t kPacket1dPoints = 500; // x on [−10, 10] at each instant
// Every instant's points together, known before the data exists; none for a
// CSV signal or an image not read yet (their rows are only known once read).
std::optional<int64_t> pointCount(const DataConfig& config);

std::string validate(const DataConfig& config);

// "A:B" seconds as {A, B}, 0 ≤ A < B; nullopt for anything else.
std::optional<std::pair<double, double>> parseSecondsSpan(std::string_view text);

// "WxH" as {width, height}, both at least 1; nullopt for anything else.
std::optional<std::pair<int, int>> parseImageSize(std::string_view text);

} // namespace dredge
