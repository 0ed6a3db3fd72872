#include "Datasets.h"

#include "CsvSignal.h"

#include <cstdio>
#include <functional>
#include <stdexcept>

namespace dredge {

namespace {

// Values are computed a block of rows at a time, blocks counted from the data
// set's first point, whether the whole data set or one rank's part of it is
// made: LibTorch computes a loop's last few values with its scalar sin, cos
// and exp and the others with its vectorised ones, which can differ in the
// last bit, so a value must not depend on where the tensor holding it
// starts. A block is below LibTorch's parallel grain, so one thread makes
// it, whatever the run's thread count.
constexpr int64_t kDataBlock = 4096;

// A data set as a recipe: what it is (every field of a Dataset but its rows)
// and how to make the rows at any indices.
struct Recipe {
    Dataset about;
    std::function<at::Tensor(const at::Tensor& rows)> coords; // [n, D] at row indices [n]
    std::function<at::Tensor(const at::Tensor& rows)> time;   // [n]
    std::function<at::Tensor(const at::Tensor& rows, const at::Tensor& coords,
                             const at::Tensor& t)>
        target; // [n], or [n, C] for C values per point
};

Dataset rowsOf(const Recipe& recipe, int64_t first, int64_t count) {
    const int64_t points = recipe.about.allPoints, end = first + count;
    if (first < 0 || count <= 0 || end > points) {
        throw std::invalid_argument("rows [" + std::to_string(first) + ", " + std::to_string(end) +
                                    ") are not among the " + std::to_string(points) +
                                    " points of the data set");
    }
    Dataset part = recipe.about;
    part.firstPoint = first;
    // Block after block into the part's own tensors: the memory of the part
    // and one block.
    for (int64_t block = first / kDataBlock * kDataBlock; block < end; block += kDataBlock) {
        const auto rows = at::arange(block, std::min(block + kDataBlock, points), at::kLong);
        const auto coords = recipe.coords(rows), time = recipe.time(rows);
        auto target = recipe.target(rows, coords, time);
        if (target.dim() == 1) {
            target = target.unsqueeze(1);
        }
        if (!part.coords.defined()) {
            part.coords = at::empty({count, coords.size(1)});
            part.time = at::empty({count});
            part.target = at::empty({count, target.size(1)});
        }
        const int64_t from = std::max(block, first), to = std::min(block + rows.size(0), end);
        const auto into = [&](const at::Tensor& whole, const at::Tensor& made) {
            whole.narrow(0, from - first, to - from).copy_(made.narrow(0, from - block, to - from));
        };
        into(part.coords, coords);
        into(part.time, time);
        into(part.target, target);
    }
    return part;
}

Dataset wholeOf(const Recipe& recipe) {
    return rowsOf(recipe, 0, recipe.about.allPoints);
}

// Points of a grid whose D axes each take the values `axis`, 'ij' order (the
// last axis varies fastest): those at the grid's point indices `rows`.
at::Tensor gridPointsAt(const at::Tensor& axis, int64_t dims, at::Tensor rows) {
    const int64_t g = axis.size(0);
    auto columns = std::vector<at::Tensor>(size_t(dims));
    for (int64_t d = dims - 1; d >= 0; --d) {
        columns[size_t(d)] = axis.index_select(0, rows.remainder(g));
        rows = rows.div(g, "floor");
    }
    return at::stack(columns, 1);
}

int64_t power(int64_t base, int64_t exponent) {
    int64_t p = 1;
    while (exponent-- > 0) {
        p *= base;
    }
    return p;
}

// s = exp(−½(x²+y²+z²))·sin(2x)·cos(2y)·sin(2z), built in place: one
// temporary of n values at a time.
at::Tensor volumeSignal(const at::Tensor&, const at::Tensor& coords, const at::Tensor&) {
    const auto x = coords.select(1, 0), y = coords.select(1, 1), z = coords.select(1, 2);
    auto s = x.square();
    s.add_(y.square()).add_(z.square()).mul_(-0.5).exp_();
    s.mul_(at::sin(2.0 * x)).mul_(at::cos(2.0 * y)).mul_(at::sin(2.0 * z));
    return s;
}

// s = exp(−0.1 Σ xᵢ²)·sin(x1+x2)·cos(x3)·sin(x4−x5)·cos(x2·x4), in place.
at::Tensor hyperSignal(const at::Tensor&, const at::Tensor& coords, const at::Tensor&) {
    const auto c = [&](int i) { return coords.select(1, i - 1); };
    auto s = c(1).square();
    for (int i = 2; i <= 5; ++i) {
        s.add_(c(i).square());
    }
    s.mul_(-0.1).exp_();
    s.mul_(at::sin(c(1) + c(2))).mul_(at::cos(c(3)));
    s.mul_(at::sin(c(4) - c(5))).mul_(at::cos(c(2) * c(4)));
    return s;
}

// A static G^D grid over [lo, hi]^D.
Recipe gridRecipe(int64_t grid, int64_t dims, double lo, double hi) {
    const auto axis = at::linspace(lo, hi, grid);
    Recipe recipe;
    recipe.about.allPoints = power(grid, dims);
    recipe.about.gridShape.assign(size_t(dims), grid);
    recipe.about.gridAxes.assign(size_t(dims), axis);
    recipe.coords = [axis, dims](const at::Tensor& rows) { return gridPointsAt(axis, dims, rows); };
    recipe.time = [](const at::Tensor& rows) { return at::zeros({rows.size(0)}); };
    return recipe;
}

// A data set made whole (it is small, or read from a file): parts are cut from it.
Recipe wholeRecipe(Dataset whole) {
    Recipe recipe;
    recipe.about = whole;
    recipe.about.coords = recipe.about.time = recipe.about.target = at::Tensor();
    recipe.about.allPoints = whole.coords.size(0);
    recipe.coords = [coords = whole.coords](const at::Tensor& rows) {
        return coords.index_select(0, rows);
    };
    recipe.time = [time = whole.time](const at::Tensor& rows) {
        return time.index_select(0, rows);
    };
    recipe.target = [target = whole.target](const at::Tensor& rows, const at::Tensor&,
                                            const at::Tensor&) {
        return target.index_select(0, rows);
    };
    return recipe;
}

Recipe volumeRecipe(int64_t grid) {
    auto recipe = gridRecipe(grid, 3, -5.0, 5.0);
    recipe.about.description = "4-D volume, " + std::to_string(grid) + "^3 points";
    recipe.target = volumeSignal;
    return recipe;
}

Recipe hyperRecipe(int64_t grid) {
    auto recipe = gridRecipe(grid, 5, -3.0, 3.0);
    recipe.about.description = "6-D hyper-grid, " + std::to_string(grid) + "^5 points";
    recipe.target = hyperSignal;
    return recipe;
}

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

// Every point of `space` (a grid's recipe) at each of `times` instants,
// time-major (every point of the first instant, then the next).
Recipe packetRecipe(Recipe space, int times, std::vector<double> velocity) {
    const int64_t perInstant = space.about.allPoints;
    Recipe recipe;
    recipe.about = space.about;
    recipe.about.allPoints = perInstant * times;
    recipe.about.timeVaries = times > 1;
    recipe.coords = [perInstant, spaceAt = space.coords](const at::Tensor& rows) {
        return spaceAt(rows.remainder(perInstant));
    };
    recipe.time = [perInstant, ts = instants(times)](const at::Tensor& rows) {
        return ts.index_select(0, rows.div(perInstant, "floor"));
    };
    recipe.target = [velocity](const at::Tensor&, const at::Tensor& coords, const at::Tensor& t) {
        return packet(coords, t, velocity);
    };
    return recipe;
}

std::string instantsText(double velocity, int times) {
    char text[96];
    std::snprintf(text, sizeof text, "v = %g, %d instant%s over t in [0, 2]", velocity, times,
                  times == 1 ? "" : "s");
    return text;
}

Recipe packet1dRecipe(double velocity, int times) {
    auto recipe = packetRecipe(gridRecipe(kPacket1dPoints, 1, -10.0, 10.0), times, {velocity});
    recipe.about.gridAxes.clear(); // one axis: not the grid the kernels look for
    recipe.about.description = "1-D wave packet, " + instantsText(velocity, times);
    return recipe;
}

Recipe packet4dRecipe(int64_t grid, double velocity, int times) {
    auto recipe =
        packetRecipe(gridRecipe(grid, 3, -5.0, 5.0), times, {velocity, velocity / 2.0, 0.0});
    recipe.about.description =
        "4-D wave packet, " + std::to_string(grid) + "^3 points, " + instantsText(velocity, times);
    return recipe;
}

Recipe recipeOf(const DataConfig& config) {
    if (const auto problem = validate(config); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    switch (config.kind) {
    case DataKind::Chirp:
        return wholeRecipe(makeGlitchyChirp());
    case DataKind::Volume4d:
        return volumeRecipe(effectiveGrid(config));
    case DataKind::Hyper6d:
        return hyperRecipe(effectiveGrid(config));
    case DataKind::CsvSignal:
        return wholeRecipe(makeCsvDataset(config.csvPath));
    case DataKind::Packet1d:
        return packet1dRecipe(config.velocity, config.times);
    case DataKind::Packet4d:
        return packet4dRecipe(effectiveGrid(config), config.velocity, config.times);
    case DataKind::Image:
    case DataKind::Volume:
    case DataKind::Audio:
    case DataKind::Table:
        if (!config.samples) {
            throw std::invalid_argument("the file " + config.imagePath + config.volumePath +
                                        config.audioPath + config.tablePath +
                                        " was not read before its data set was made");
        }
        return wholeRecipe(makeSampledDataset(*config.samples));
    }
    throw std::invalid_argument("unknown data kind");
}

} // namespace

at::Tensor gridCoordinates(int64_t grid, int64_t dims, double lo, double hi) {
    return gridPointsAt(at::linspace(lo, hi, grid), dims, at::arange(power(grid, dims), at::kLong));
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
    Dataset data;
    data.coords = x.unsqueeze(1);
    data.time = at::zeros({n});
    data.target = y.unsqueeze(1);
    data.gridShape = {n};
    data.description = "glitchy chirp, 1000 points";
    data.allPoints = n;
    return data;
}

Dataset makeVolume4d(int64_t grid) {
    return wholeOf(volumeRecipe(grid));
}

Dataset makeHyper6d(int64_t grid) {
    return wholeOf(hyperRecipe(grid));
}

namespace {

// Rows [first, first + n) of a CSV signal of `all` rows.
Dataset csvDataset(const CsvSignal& signal, int64_t first, int64_t all) {
    const auto n = int64_t(signal.x.size());
    const auto asColumn = [n](const std::vector<double>& v) {
        return at::tensor(v, at::kDouble).to(at::kFloat).reshape({n, 1});
    };
    Dataset data;
    data.coords = asColumn(signal.x);
    data.time = at::zeros({n});
    data.target = asColumn(signal.y);
    data.gridShape = {all};
    data.description = "CSV signal, " + std::to_string(all) + " points";
    data.firstPoint = first;
    data.allPoints = all;
    return data;
}

} // namespace

Dataset makeCsvDataset(const std::string& path) {
    const auto signal = loadCsvSignal(path);
    return csvDataset(signal, 0, int64_t(signal.x.size()));
}

namespace {

// A table's rows: coordinates and times as the file has them, no grid.
Dataset scatteredDataset(const SampledSignal& signal) {
    const int64_t n = signal.points(), dims = signal.dims, channels = signal.channels;
    if (dims < 1 || n < 1 || int64_t(signal.coords.size()) != n * dims ||
        int64_t(signal.values.size()) != n * channels ||
        (!signal.pointTimes.empty() && int64_t(signal.pointTimes.size()) != n)) {
        throw std::invalid_argument("the points of " + signal.description +
                                    " do not match their values");
    }
    const auto blob = [](const std::vector<float>& v, at::IntArrayRef shape) {
        return at::from_blob(const_cast<float*>(v.data()), shape, at::kFloat).clone();
    };
    Dataset data;
    data.coords = blob(signal.coords, {n, dims});
    data.time = signal.pointTimes.empty() ? at::zeros({n}) : blob(signal.pointTimes, {n});
    data.target = blob(signal.values, {n, channels});
    data.gridShape = {n};
    data.description = signal.description;
    data.allPoints = n;
    data.timeVaries = data.time.ne(0).any().item<bool>();
    return data;
}

} // namespace

Dataset makeSampledDataset(const SampledSignal& signal) {
    if (signal.scattered()) {
        return scatteredDataset(signal);
    }
    const auto dims = int64_t(signal.shape.size());
    const int64_t n = signal.points(), channels = signal.channels, instants = signal.instants();
    if (dims < 1 || n < 1 || signal.extent.size() != size_t(dims) ||
        int64_t(signal.values.size()) != n * channels * instants) {
        throw std::invalid_argument("the samples of " + signal.description +
                                    " do not fill their grid");
    }
    Dataset data;
    auto rows = at::arange(n, at::kLong);
    auto columns = std::vector<at::Tensor>(size_t(dims));
    for (int64_t d = dims - 1; d >= 0; --d) {
        const auto [lo, hi] = signal.extent[size_t(d)];
        const int64_t g = signal.shape[size_t(d)];
        auto axis = g > 1 ? at::linspace(lo, hi, g) : at::full({1}, lo);
        columns[size_t(d)] = axis.index_select(0, rows.remainder(g));
        rows = rows.div(g, "floor");
        data.gridAxes.insert(data.gridAxes.begin(), axis);
    }
    // Every point of an instant, then the next (as the packets, §9).
    data.coords = at::stack(columns, 1).repeat({instants, 1});
    data.time = signal.times.empty()
                    ? at::zeros({n})
                    : at::tensor(signal.times, at::kDouble).to(at::kFloat).repeat_interleave(n);
    data.target = at::from_blob(const_cast<float*>(signal.values.data()), {n * instants, channels},
                                at::kFloat)
                      .clone();
    data.gridShape = signal.shape;
    data.description = signal.description;
    data.sampleRate = signal.sampleRate;
    data.allPoints = n * instants;
    data.timeVaries = instants > 1;
    return data;
}

Dataset makePacket1d(double velocity, int times) {
    return wholeOf(packet1dRecipe(velocity, times));
}

Dataset makePacket4d(int64_t grid, double velocity, int times) {
    return wholeOf(packet4dRecipe(grid, velocity, times));
}

Dataset makeDataset(const DataConfig& config) {
    if (config.kind == DataKind::CsvSignal && validate(config).empty()) {
        return makeCsvDataset(config.csvPath); // as read: no copy block by block
    }
    return wholeOf(recipeOf(config));
}

Dataset makeDatasetPart(const DataConfig& config, const RowsOfPoints& rows) {
    if (config.kind == DataKind::CsvSignal && validate(config).empty()) {
        // Every row is read and checked, only the part's kept.
        size_t all = 0, first = 0;
        const auto part = loadCsvSignalRows(
            config.csvPath,
            [&](size_t count) {
                const auto [from, to] = rows(int64_t(count));
                if (from < 0 || to <= from || to > int64_t(count)) {
                    throw std::invalid_argument("rows [" + std::to_string(from) + ", " +
                                                std::to_string(to) + ") are not among the " +
                                                std::to_string(count) + " points of the data set");
                }
                first = size_t(from);
                return std::pair(size_t(from), size_t(to));
            },
            &all);
        return csvDataset(part, int64_t(first), int64_t(all));
    }
    const auto recipe = recipeOf(config);
    const auto [first, end] = rows(recipe.about.allPoints);
    return rowsOf(recipe, first, end - first);
}

} // namespace dredge
