#pragma once
// A user's signal sampled on a regular grid (an image's pixels) or at
// scattered points (a table's rows), as its file gave it. Plain data: core/experiment decodes the
// file (through Qt's image readers) and numerics makes the data set from this.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dredge {

struct SampledSignal {
    std::vector<int64_t> shape; // points per axis, 'ij' order: an image is {height, width}
    int channels = 1;           // values per point: grey 1, RGB 3
    // [points × channels], the last axis varying fastest (an image row by row).
    std::vector<float> values;
    // Each axis's coordinate at its first and last sample.
    std::vector<std::pair<double, double>> extent;
    std::string description; // "camera.png, 256×256 grey"
    // Instants of time, when the samples have them (a 4-D volume's last
    // axis): `values` holds every point of the first instant, then the next.
    std::vector<double> times;
    // A sound's samples per second (its file's rate); 0 for the others.
    double sampleRate = 0;
    // Scattered points instead of a grid (a table's rows): `dims` coordinates
    // a point, [points × dims], with shape {points} and no extent; and each
    // point's own time when the table has a t column (else empty).
    std::vector<float> coords;
    int dims = 0;
    std::vector<float> pointTimes;
    bool scattered() const { return !coords.empty(); }

    int64_t points() const { // at one instant
        int64_t n = 1;
        for (const auto s : shape) {
            n *= s;
        }
        return n;
    }
    int64_t instants() const { return times.empty() ? 1 : int64_t(times.size()); }
};

} // namespace dredge
