#include "Datasets.h"

#include <cstdio>

#include "CsvSignal.h"

#include <stdexcept>

namespace dredge {

at::Tensor gridCoordinates(int64_t grid, int64_t dims, double lo, double hi) {
    const auto axis = at::linspace(lo, hi, grid);
    const std::vector<at::Tensor> axes(size_t(dims), axis);
    // meshgrid returns expanded views; stack writes the [G^D, D] result once.
    return at::stack(at::meshgrid(axes, "ij"), -1).reshape({-1, dims});
}

Dataset makeGlitchyChirp() {
    const int64_t n = kChirpPoints;
    const auto x = at::linspace(-10.0, 10.0, n);
    const auto x2 = x.square();
    auto y = at::sin(0.5 * x2);
    y.mul_(at::exp(-0.1 * x2));
    // The glitch: indices [500, 550), 50 %–55 % of the signal.
    auto glitch = y.narrow(0, 500, 50);
    glitch.add_(0.5 * at::sin(20.0 * x.narrow(0, 500, 50)));
    return {x.unsqueeze(1), at::zeros({n}), y.unsqueeze(1), {n}, "glitchy chirp, 1000 points"};
}

Dataset makeVolume4d(int64_t grid) {
    auto coords = gridCoordinates(grid, 3, -5.0, 5.0);
    const auto x = coords.select(1, 0), y = coords.select(1, 1), z = coords.select(1, 2);
    // s = exp(−½(x²+y²+z²))·sin(2x)·cos(2y)·sin(2z), built in place: one
    // temporary of N values at a time.
    auto s = x.square();
    s.add_(y.square()).add_(z.square()).mul_(-0.5).exp_();
    s.mul_(at::sin(2.0 * x)).mul_(at::cos(2.0 * y)).mul_(at::sin(2.0 * z));
    const auto n = coords.size(0);
    return {coords,
            at::zeros({n}),
            s.unsqueeze(1),
            {grid, grid, grid},
            "4-D volume, " + std::to_string(grid) + "^3 points"};
}

Dataset makeHyper6d(int64_t grid) {
    auto coords = gridCoordinates(grid, 5, -3.0, 3.0);
    const auto c = [&](int i) { return coords.select(1, i - 1); };
    // s = exp(−0.1 Σ xᵢ²)·sin(x1+x2)·cos(x3)·sin(x4−x5)·cos(x2·x4), in place.
    auto s = c(1).square();
    for (int i = 2; i <= 5; ++i) {
        s.add_(c(i).square());
    }
    s.mul_(-0.1).exp_();
    s.mul_(at::sin(c(1) + c(2))).mul_(at::cos(c(3)));
    s.mul_(at::sin(c(4) - c(5))).mul_(at::cos(c(2) * c(4)));
    const auto n = coords.size(0);
    return {coords,
            at::zeros({n}),
            s.unsqueeze(1),
            {grid, grid, grid, grid, grid},
            "6-D hyper-grid, " + std::to_string(grid) + "^5 points"};
}

Dataset makeCsvDataset(const std::string& path) {
    const auto signal = loadCsvSignal(path);
    const auto n = int64_t(signal.x.size());
    const auto asColumn = [n](const std::vector<double>& v) {
        return at::tensor(v, at::kDouble).to(at::kFloat).reshape({n, 1});
    };
    return {asColumn(signal.x),
            at::zeros({n}),
            asColumn(signal.y),
            {n},
            "CSV signal, " + std::to_string(n) + " points"};
}

namespace {

// The packets' shared constants (docs/reference.md §9).
constexpr double kPacketWidth = 1.0; // σ0
constexpr double kSpreadTime = 4.0;  // τ: σ(τ) = √2 σ0
constexpr double kCarrier = 2.0;     // k0, along x
constexpr double kPacketSpan = 2.0;  // t ∈ [0, 2]

at::Tensor instants(int times) {
    return times > 1 ? at::linspace(0.0, kPacketSpan, times) : at::zeros({1});
}

// y = (σ0/σ(t))^(D/2) · exp(−½ ‖x − v t‖² / σ(t)²) · cos(k0 x₁ − ω0 t), with
// σ(t) = σ0 √(1 + (t/τ)²) and ω0 = k0 v₁ / 2 (the carrier's phase moves at half
// the packet's speed, as a free quantum particle's does).
at::Tensor packet(const at::Tensor& coords, const at::Tensor& t, const std::vector<double>& v) {
    const int64_t dims = coords.size(1);
    const auto sigma = kPacketWidth * at::sqrt(1.0 + (t / kSpreadTime).square());
    auto distance2 = at::zeros_like(t);
    for (int64_t d = 0; d < dims; ++d) {
        distance2.add_((coords.select(1, d) - v[size_t(d)] * t).square());
    }
    auto y = (kPacketWidth / sigma).pow(0.5 * double(dims));
    y.mul_(at::exp(-0.5 * distance2 / sigma.square()));
    const double omega = kCarrier * v[0] / 2.0;
    y.mul_(at::cos(kCarrier * coords.select(1, 0) - omega * t));
    return y;
}

// Every point of `space` at every instant, time-major.
std::pair<at::Tensor, at::Tensor> overTime(const at::Tensor& space, int times) {
    const auto ts = instants(times);
    const int64_t n = space.size(0);
    const auto coords = space.repeat({ts.size(0), 1});
    const auto t = ts.repeat_interleave(n);
    return {coords, t};
}

std::string instantsText(double velocity, int times) {
    char text[96];
    std::snprintf(text, sizeof text, "v = %g, %d instant%s over t in [0, 2]", velocity, times,
                  times == 1 ? "" : "s");
    return text;
}

} // namespace

Dataset makePacket1d(double velocity, int times) {
    const auto [coords, t] =
        overTime(at::linspace(-10.0, 10.0, kPacket1dPoints).unsqueeze(1), times);
    return {coords,
            t,
            packet(coords, t, {velocity}).unsqueeze(1),
            {kPacket1dPoints}, // per instant: the views show one instant at a time
            "1-D wave packet, " + instantsText(velocity, times)};
}

Dataset makePacket4d(int64_t grid, double velocity, int times) {
    const auto [coords, t] = overTime(gridCoordinates(grid, 3, -5.0, 5.0), times);
    return {coords,
            t,
            packet(coords, t, {velocity, velocity / 2.0, 0.0}).unsqueeze(1),
            {grid, grid, grid},
            "4-D wave packet, " + std::to_string(grid) + "^3 points, " +
                instantsText(velocity, times)};
}

Dataset makeDataset(const DataConfig& config) {
    if (const auto problem = validate(config); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    switch (config.kind) {
    case DataKind::Chirp:
        return makeGlitchyChirp();
    case DataKind::Volume4d:
        return makeVolume4d(effectiveGrid(config));
    case DataKind::Hyper6d:
        return makeHyper6d(effectiveGrid(config));
    case DataKind::CsvSignal:
        return makeCsvDataset(config.csvPath);
    case DataKind::Packet1d:
        return makePacket1d(config.velocity, config.times);
    case DataKind::Packet4d:
        return makePacket4d(effectiveGrid(config), config.velocity, config.times);
    }
    throw std::invalid_argument("unknown data kind");
}

} // namespace dredge
