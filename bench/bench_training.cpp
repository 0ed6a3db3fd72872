// Training throughput of the reference cases (issue 3 / docs/reference.md §3): full epochs
// (forward, backward, optional clipping, Adam) at a fixed thread count. Prints
// the median ms/epoch over blocks of epochs and the final loss after the
// reference number of epochs, beside the zero-predictor baseline (docs/reference.md §6),
// the time its data take to make (datagen) and the process's peak resident
// memory while the case ran (its high-water mark is reset before each case).
//
// usage: bench_training [--threads N] [--epochs-scale F] [--device cpu|cuda] [--scaling|--amp]
//                       [filter]
//   filter: cases whose name contains it, or exactly =NAME
//   --scaling: instead, each case at 1 thread against N threads, in turn
//   --amp: instead, each float32 case against itself with mixed precision,
//          blocks of epochs in turn: ms/epoch and final loss side by side
//
// The share of the sin/cos/exp ceiling is the median over the blocks of each
// block's rate against the ceiling measured again right after it.

#include "AllocatorTuning.h"
#include "Datasets.h"
#include "TensorGridLayout.h"

#include "Trainer.h"
#include "TranscendentalCeiling.h"
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace dredge;

namespace {

struct Case {
    std::string name;
    ExperimentConfig config;
    double referenceMsPerEpoch; // the Python reference on the same machine class
};

// sin, cos and exp evaluations of one epoch in a fused kernel. A CPU epoch
// (the whole-epoch path: each block's terms serve its forward and its
// backward) evaluates seven per point and wave for the ensemble; one exp per
// point and six per point and field for the interference basis. The CUDA
// backward computes them again: eleven, and two plus ten per field.
double transcendentalsPerEpoch(const ExperimentConfig& c, int64_t points) {
    if (c.model.kernel != WaveKernel::Fused || c.train.mixedPrecision) {
        return 0.0;
    }
    const bool kept = c.train.device == ComputeDevice::Cpu;
    switch (c.model.kind) {
    case ModelKind::WaveEnsemble:
        return double(points) * c.model.waves * (kept ? 7.0 : 11.0);
    case ModelKind::Interference:
        return double(points) * (kept ? 1.0 + c.model.fields * 6.0 : 2.0 + c.model.fields * 10.0);
    default:
        return 0.0;
    }
}

// Vector lane-operations (a multiply, add, fused multiply-add, compare, blend
// or bit operation on one float each) of a fused CPU float epoch, counted by
// hand from the kernels' source: per sin/cos pair 22 (FastMath.h's, with its
// FMA reduction), per exp 22, and the projections, products and gradient sums
// around them. An estimate (±20 %), for the share of the FMA limit: the time
// the epoch's operations would take at the CPU's multiply-add rate. On a
// tensor grid (t = 0) the kernels build cos and sin of k·x and λ·x and the
// envelope from per-row and per-entry tables (4 lane-ops each, 1 for the
// envelope) and evaluate only u's pair per point; the tables cost two pairs
// and an exp per wave and axis coordinate, and per row and entry one complex
// product (8) and an envelope product per axis.
double laneOpsPerEpoch(const ExperimentConfig& c, int64_t points, int dims, bool staticTime,
                       const fused::TensorGridLayout& grid) {
    if (c.model.kernel != WaveKernel::Fused || c.train.device != ComputeDevice::Cpu) {
        return 0.0;
    }
    const double d = dims, n = double(points);
    double axisValues = 0.0; // Σ G_d
    for (int a = 0; grid && a < dims; ++a) {
        axisValues += double(grid.axisPoints[size_t(a)]);
    }
    const double tableEntries = grid ? double(grid.rows + grid.innerPoints) : 0.0;
    switch (c.model.kind) {
    case ModelKind::WaveEnsemble: {
        // per wave: projections 2D, three pairs and an exp 88 (grid: the
        // table products 17 and u's pair 22), the product 3; backward 14
        // and its axis sums 2D; t ≠ 0 adds r² per wave (2D), ω t and the
        // sums of t (3D + 6). Per point: ‖x‖² (D), loss, bias.
        const double terms = grid ? 39.0 : 88.0 + 2.0 * d;
        const double perWave = terms + 17.0 + 2.0 * d + (staticTime ? 0.0 : 5.0 * d + 6.0);
        return n * (c.model.waves * perWave + d + 5.0) +
               c.model.waves * (axisValues * 68.0 + tableEntries * 9.0 * d);
    }
    case ModelKind::Interference: {
        // per field: projections 2D, three pairs 67 (grid: the table
        // products 16 and u's pair 22), the superposition 4; backward 25
        // and its axis sums 2D. Per point: the envelope (3D, an exp) and its
        // gradient (6D), loss.
        const double terms = grid ? 38.0 : 67.0 + 2.0 * d;
        return n * (c.model.fields * (terms + 29.0 + 2.0 * d) + 9.0 * d + 28.0) +
               c.model.fields * (axisValues * 46.0 + tableEntries * 8.0 * d);
    }
    default:
        return 0.0;
    }
}

// Whether the kernels take their tensor-grid path on this data (t = 0).
fused::TensorGridLayout gridLayoutOf(const Dataset& data, bool staticTime) {
    if (!staticTime) {
        return {};
    }
    const auto xT = data.coords.to(at::kFloat).t().contiguous();
    return fused::tensorGridLayoutOf(xT.data_ptr<float>(), xT.size(1), xT.size(0));
}

// A 1-D signal of n points in a CSV file (a chirp with a glitch, like the
// reference's), for the large-signal case; written once per run of the bench.
std::string largeSignalCsv(int64_t n) {
    const std::string path = "/tmp/dredge-bench-signal-" + std::to_string(n) + ".csv";
    std::ofstream out(path);
    out << "x,y\n";
    for (int64_t i = 0; i < n; ++i) {
        const double x = -10.0 + 20.0 * double(i) / double(n - 1);
        const double y =
            std::sin(x * x * 0.5) * std::exp(-0.02 * x * x) + (std::abs(x - 1.0) < 0.2 ? 0.5 : 0.0);
        out << x << ',' << y << '\n';
    }
    return path;
}

// The process's resident memory: its peak since the last reset, and now (KiB).
long statusKiB(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field, 0) == 0) {
            return std::atol(line.c_str() + std::strlen(field));
        }
    }
    return -1;
}

void resetPeakMemory() {
    std::ofstream("/proc/self/clear_refs") << "5"; // VmHWM := VmRSS (Linux 4.0+)
}

// The rate of the GEMMs a SIREN epoch is made of ([N, H] × [H, H] in
// float), FLOP per second, measured here: its limit is priced with it.
double gemmFlopsPerSecond(int64_t n, int64_t h) {
    const auto a = at::randn({n, h});
    const auto b = at::randn({h, h});
    auto c = at::mm(a, b);
    std::vector<double> seconds;
    for (int block = 0; block < 9; ++block) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 50; ++i) {
            at::mm_out(c, a, b);
        }
        seconds.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 50);
    }
    std::sort(seconds.begin(), seconds.end());
    return 2.0 * double(n) * double(h) * double(h) / seconds[seconds.size() / 2];
}

// SIREN's own limit for an epoch (issue 17): its multiply-adds at the
// measured GEMM rate plus its sines and cosines at the transcendental
// ceiling. Forward: N·D·H + N·H² + N·H; backward: the weight gradients of
// all three layers and the input gradient of the two above the first;
// 2·N·H sines forward, as many cosines back.
double sirenLimitMs(const ExperimentConfig& c, int64_t n, int dims, double gemmRate,
                    double ceiling) {
    const double h = c.model.hidden;
    const double forward = double(n) * (dims * h + h * h + h);
    const double backward = double(n) * (dims * h + 2.0 * h * h + 2.0 * h);
    const double flops = 2.0 * (forward + backward);
    const double transcendentals = 4.0 * double(n) * h;
    return 1e3 * (flops / gemmRate + (ceiling > 0 ? transcendentals / ceiling : 0.0));
}

ExperimentConfig experiment(DataKind data, ModelKind model, int size, int64_t epochs) {
    ExperimentConfig c;
    c.data.kind = data;
    c.model.kind = model;
    c.model.waves = c.model.fields = c.model.hidden = c.model.features = size;
    c.train.epochs = epochs;
    return c;
}

std::vector<Case> cases() {
    using D = DataKind;
    using M = ModelKind;
    std::vector<Case> list;
    auto chirp = experiment(D::Chirp, M::WaveEnsemble, 16, 2000);
    list.push_back({"chirp ensemble n=16", chirp, 5.4});
    auto composed = chirp;
    composed.model.kernel = WaveKernel::Composed;
    list.push_back({"chirp ensemble n=16 composed", composed, 5.4});
    auto clip = chirp;
    clip.train.clipGradients = true;
    list.push_back({"chirp ensemble n=16 clip 1.0", clip, 6.5});
    auto amp = chirp;
    amp.train.mixedPrecision = true;
    list.push_back({"chirp ensemble n=16 AMP(bf16)", amp, 0});
    auto ampClip = clip;
    ampClip.train.mixedPrecision = true;
    list.push_back({"chirp ensemble n=16 AMP clip", ampClip, 0});
    list.push_back({"chirp SIREN H=64", experiment(D::Chirp, M::Siren, 64, 2000), 0.89});
    list.push_back({"chirp SIREN H=256", experiment(D::Chirp, M::Siren, 256, 2000), 0});
    auto sirenAmp = experiment(D::Chirp, M::Siren, 256, 2000);
    sirenAmp.train.mixedPrecision = true;
    list.push_back({"chirp SIREN H=256 AMP(bf16)", sirenAmp, 0});
    auto rff = experiment(D::Chirp, M::RandomFourier, 128, 2000);
    rff.model.rffScale = 5.0;
    list.push_back({"chirp RFF M=128 s=5", rff, 1.2}); // its fixed features cached
    auto rffComposed = rff;
    rffComposed.model.kernel = WaveKernel::Composed; // features computed every epoch
    list.push_back({"chirp RFF M=128 s=5 composed", rffComposed, 1.2});
    list.push_back(
        {"chirp interference F=16", experiment(D::Chirp, M::Interference, 16, 2000), 1.2});
    list.push_back(
        {"4-D 20^3 ensemble n=8", experiment(D::Volume4d, M::WaveEnsemble, 8, 1000), 6.5});
    list.push_back({"6-D 8^5 ensemble n=6", experiment(D::Hyper6d, M::WaveEnsemble, 6, 500), 14.1});
    // Data where time moves (t ≠ 0): the kernels' general path, beside the
    // static one (t = 0) that every case above takes.
    list.push_back({"1-D packet 5 instants ensemble n=16",
                    experiment(D::Packet1d, M::WaveEnsemble, 16, 1000), 0});
    // Large sets, where threads and memory matter (issue 17).
    auto signal = experiment(D::CsvSignal, M::WaveEnsemble, 16, 100);
    signal.data.csvPath = largeSignalCsv(200'000);
    list.push_back({"200,000-point CSV ensemble n=16", signal, 0});
    auto volume64 = experiment(D::Volume4d, M::WaveEnsemble, 8, 100);
    volume64.data.grid = 64;
    list.push_back({"4-D 64^3 ensemble n=8", volume64, 0});
    auto hyper12 = experiment(D::Hyper6d, M::WaveEnsemble, 6, 100);
    hyper12.data.grid = 12;
    list.push_back({"6-D 12^5 ensemble n=6", hyper12, 0});
    auto signalBasis = signal;
    signalBasis.model.kind = M::Interference;
    list.push_back({"200,000-point CSV interference F=16", signalBasis, 0});
    auto volumeBasis = volume64;
    volumeBasis.model.kind = M::Interference;
    list.push_back({"4-D 64^3 interference F=8", volumeBasis, 0});
    // The composed reference implementation beside each fused case.
    for (auto fused : {std::string("chirp interference F=16"), std::string("4-D 20^3 ensemble n=8"),
                       std::string("6-D 8^5 ensemble n=6")}) {
        for (const auto& c : std::vector<Case>(list)) {
            if (c.name == fused) {
                auto composed = c;
                composed.name += " composed";
                composed.config.model.kernel = WaveKernel::Composed;
                list.push_back(composed);
            }
        }
    }
    return list;
}

constexpr int64_t kWarmupEpochs = 20, kBlockEpochs = 50;
// --scaling takes turns of this many seconds per thread count: each turn
// first trains untimed for a third of it (a core that sat idle through the
// other turn needs a while to come back to speed: 10-epoch turns cost two
// threads a third of their speed-up), then times the rest.
constexpr double kScalingTurnSeconds = 0.6;

double medianOf(std::vector<double> values) {
    if (values.empty()) {
        return 0.0;
    }
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// The ceiling as it is now, with `threads` threads each running it at once
// (the OpenMP team the training uses): what the cores give together at the
// moment, which on a shared machine can be less than one core's × threads.
double ceilingNow(int threads) {
    std::vector<double> rates(size_t(threads), 0.0);
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            rates[size_t(i)] = transcendentalCeilingPerSecond(3, 300);
        }
    });
    double sum = 0.0;
    for (const double r : rates) {
        sum += r;
    }
    return sum;
}

// Runs `count` epochs; returns their mean ms. With `best`, keeps there the
// lowest loss seen.
double timedEpochs(Trainer& trainer, int64_t count, double& loss, double* best = nullptr) {
    const auto start = std::chrono::steady_clock::now();
    for (int64_t e = 0; e < count; ++e) {
        loss = trainer.runEpoch();
        if (best && loss < *best) {
            *best = loss;
        }
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    return std::chrono::duration<double, std::milli>(elapsed).count() / double(count);
}

// Measures one case and prints its row; false if it could not be set up.
// The CPU's limits, measured once: sin/cos/exp evaluations and multiply-adds
// per second on all the run's threads, and one thread's GEMM FLOP/s.
struct Limits {
    double transcendentals = 0, multiplyAdds = 0, gemm = 0;
};

bool runCase(Case c, int threads, ComputeDevice device, double epochsScale, const Limits& limits) {
    const double ceiling = limits.transcendentals, gemmRate = limits.gemm;
    c.config.train.threads = threads;
    c.config.train.device = device;
    c.config.train.epochs = std::max<int64_t>(100, int64_t(c.config.train.epochs * epochsScale));
    std::unique_ptr<Trainer> made;
    resetPeakMemory();
    double datagenMs = 0.0;
    bool staticTime = true;
    fused::TensorGridLayout grid;
    try {
        const auto start = std::chrono::steady_clock::now();
        const auto data = makeDataset(c.config.data); // timed alone; the trainer makes its own
        datagenMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        staticTime = data.time.abs().max().item<double>() == 0.0;
        grid = gridLayoutOf(data, staticTime);
        made = std::make_unique<Trainer>(c.config);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", c.name.c_str(), e.what());
        return false;
    }
    Trainer& trainer = *made;
    const double transcendentals = transcendentalsPerEpoch(c.config, trainer.setup().points);
    std::vector<double> blockMs, shares;
    double loss = 0.0;
    for (int64_t e = 0; e < kWarmupEpochs; ++e) {
        loss = trainer.runEpoch();
    }
    // Blocks of 50 epochs, fewer for the large cases' 100 epochs, so that
    // their median still has several blocks to choose from.
    const int64_t block = std::clamp<int64_t>(c.config.train.epochs / 10, 5, kBlockEpochs);
    int64_t done = kWarmupEpochs;
    while (done < c.config.train.epochs) {
        const int64_t count = std::min(block, c.config.train.epochs - done);
        const double ms = timedEpochs(trainer, count, loss);
        if (count == block) {
            blockMs.push_back(ms);
            if (transcendentals > 0 && ceiling > 0) {
                // The ceiling again, right after the block: its share is
                // measured at the machine's speed of the moment.
                shares.push_back(transcendentals / (ms * 1e-3) / ceilingNow(threads));
            }
        }
        done += count;
    }
    const double median = medianOf(blockMs);
    char ref[32] = "-", speedup[32] = "-";
    if (c.referenceMsPerEpoch > 0) {
        std::snprintf(ref, sizeof ref, "%.2f", c.referenceMsPerEpoch);
        std::snprintf(speedup, sizeof speedup, "%.1fx", c.referenceMsPerEpoch / median);
    }
    char rate[32] = "-", share[32] = "-";
    if (c.config.model.kind == ModelKind::Siren && device == ComputeDevice::Cpu && gemmRate > 0) {
        // Its limit in the Gtrans/s column, and the limit's share of its time.
        const double limit = sirenLimitMs(c.config, trainer.setup().points, trainer.setup().dims,
                                          gemmRate * threads, ceiling);
        std::snprintf(rate, sizeof rate, "lim %.3f", limit);
        std::snprintf(share, sizeof share, "%.0f%%", 100.0 * limit / median);
    }
    if (transcendentals > 0) {
        const double perSecond = transcendentals / (median * 1e-3);
        std::snprintf(rate, sizeof rate, "%.2f", perSecond * 1e-9);
        if (!shares.empty()) {
            std::snprintf(share, sizeof share, "%.0f%%", 100.0 * medianOf(shares));
        }
    }
    char fmaShare[32] = "-";
    const double laneOps =
        laneOpsPerEpoch(c.config, trainer.setup().points, trainer.setup().dims, staticTime, grid);
    if (laneOps > 0 && limits.multiplyAdds > 0 && !c.config.train.mixedPrecision) {
        std::snprintf(fmaShare, sizeof fmaShare, "%.0f%%",
                      100.0 * laneOps / (median * 1e-3) / limits.multiplyAdds);
    }
    std::printf("%-34s %9.3f %8s %8s %11.4g %11.4g %9s %8s %8s %10.1f %9.1f\n", c.name.c_str(),
                median, ref, speedup, loss, trainer.setup().zeroPredictorMse, rate, share, fmaShare,
                datagenMs, double(statusKiB("VmHWM:")) / 1024.0);
    std::fflush(stdout);
    return true;
}

// Two trainers of a case, taken in turns by --scaling and --amp; none if
// either cannot be set up (it says why).
std::pair<std::unique_ptr<Trainer>, std::unique_ptr<Trainer>>
trainerPair(const Case& c, const ExperimentConfig& a, const ExperimentConfig& b) {
    try {
        return {std::make_unique<Trainer>(a), std::make_unique<Trainer>(b)};
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", c.name.c_str(), e.what());
        return {};
    }
}

// With --scaling: the case at 1 thread and at `threads`, blocks of epochs
// taken in turn by two trainers so that both see the same machine, and the
// speed-up as the median of the block pairs' ratios.
bool runScaling(Case c, int threads, double epochsScale) {
    c.config.train.epochs = std::max<int64_t>(100, int64_t(c.config.train.epochs * epochsScale));
    auto many = c.config;
    c.config.train.threads = 1;
    many.train.threads = threads;
    auto [one, other] = trainerPair(c, c.config, many);
    if (!one) {
        return false;
    }
    double loss = 0.0;
    std::vector<double> oneMs, manyMs, ratios, ceilingRatios;
    // One turn: untimed epochs, then the mean ms of timed ones; at least one
    // epoch of each.
    const auto turn = [&](Trainer& trainer, int count) {
        at::set_num_threads(count);
        const auto start = std::chrono::steady_clock::now();
        const auto since = [&] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        };
        do {
            loss = trainer.runEpoch();
        } while (since() < kScalingTurnSeconds / 3);
        const double timedFrom = since();
        int64_t epochs = 0;
        do {
            loss = trainer.runEpoch();
            ++epochs;
        } while (since() < kScalingTurnSeconds);
        return 1e3 * (since() - timedFrom) / double(epochs);
    };
    const int turns = std::max(5, int(c.config.train.epochs / 100));
    for (int i = 0; i < turns; ++i) {
        const double a = turn(*one, 1);
        const double ceilingOne = ceilingNow(1);
        const double b = turn(*other, threads);
        const double ceilingMany = ceilingNow(threads);
        oneMs.push_back(a);
        manyMs.push_back(b);
        ratios.push_back(a / b);
        ceilingRatios.push_back(ceilingMany / ceilingOne);
    }
    std::printf("%-36s %12.3f %12.3f %9.2fx %9.2fx\n", c.name.c_str(), medianOf(oneMs),
                medianOf(manyMs), medianOf(ratios), medianOf(ceilingRatios));
    std::fflush(stdout);
    return true;
}

// With --amp: the case in float32 and with mixed precision, blocks of epochs
// taken in turn by the two trainers (both see the same machine), each to the
// case's epochs; medians of the blocks' ms/epoch, their ratio, and each
// run's final loss, so that what AMP costs in accuracy shows beside what it
// saves in time.
bool runPrecisionPair(Case c, int threads, ComputeDevice device, double epochsScale) {
    c.config.train.epochs = std::max<int64_t>(100, int64_t(c.config.train.epochs * epochsScale));
    c.config.train.threads = threads;
    c.config.train.device = device;
    auto withAmp = c.config;
    withAmp.train.mixedPrecision = true;
    auto [full, mixed] = trainerPair(c, c.config, withAmp);
    if (!full) {
        return false;
    }
    double fullLoss = 0.0, mixedLoss = 0.0;
    double fullBest = std::numeric_limits<double>::infinity(), mixedBest = fullBest;
    timedEpochs(*full, kWarmupEpochs, fullLoss, &fullBest);
    timedEpochs(*mixed, kWarmupEpochs, mixedLoss, &mixedBest);
    const int64_t block = std::clamp<int64_t>(c.config.train.epochs / 10, 5, kBlockEpochs);
    std::vector<double> fullMs, mixedMs, ratios;
    for (int64_t done = kWarmupEpochs; done < c.config.train.epochs; done += block) {
        const int64_t count = std::min(block, c.config.train.epochs - done);
        const double a = timedEpochs(*full, count, fullLoss, &fullBest);
        const double b = timedEpochs(*mixed, count, mixedLoss, &mixedBest);
        if (count == block) {
            fullMs.push_back(a);
            mixedMs.push_back(b);
            ratios.push_back(b / a);
        }
    }
    std::printf("%-34s %9.3f %9.3f %8.2fx %11.4g %11.4g %11.4g %11.4g %8s\n", c.name.c_str(),
                medianOf(fullMs), medianOf(mixedMs), medianOf(ratios), fullLoss, mixedLoss,
                fullBest, mixedBest, mixed->lastEpochKernel());
    std::fflush(stdout);
    return true;
}

// The float32 cases --amp compares: one per model, and the large sets.
bool comparedWithAmp(const Case& c) {
    for (const char* name : {"chirp ensemble n=16", "4-D 20^3 ensemble n=8", "6-D 8^5 ensemble n=6",
                             "1-D packet 5 instants ensemble n=16", "chirp interference F=16",
                             "chirp SIREN H=64", "chirp SIREN H=256", "chirp RFF M=128 s=5",
                             "200,000-point CSV ensemble n=16", "4-D 64^3 interference F=8"}) {
        if (c.name == name) {
            return true;
        }
    }
    return false;
}

int ampTable(int threads, ComputeDevice device, double epochsScale,
             const std::function<bool(const Case&)>& selected) {
    std::printf("device %s, threads %d; float32 against mixed precision (%s), blocks of epochs "
                "in turn, medians; AMP/fp32 = ms ratio; final and best (lowest) training loss "
                "of each\n",
                deviceName(device).data(), threads,
                device == ComputeDevice::Cuda ? "float16" : "bfloat16");
    std::printf("%-34s %9s %9s %9s %11s %11s %11s %11s %8s\n", "case", "fp32 ms", "AMP ms",
                "AMP/fp32", "fp32 final", "AMP final", "fp32 best", "AMP best", "AMP path");
    for (auto& c : cases()) {
        if (!comparedWithAmp(c) || !selected(c)) {
            continue;
        }
        bool ok = false;
        std::thread([&] { ok = runPrecisionPair(c, threads, device, epochsScale); }).join();
        if (!ok) {
            return 1;
        }
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    tuneMallocForTraining();
    int threads = 1;
    ComputeDevice device = ComputeDevice::Cpu;
    double epochsScale = 1.0;
    std::string filter;
    bool scaling = false, amp = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--scaling")) {
            scaling = true;
        } else if (!std::strcmp(argv[i], "--amp")) {
            amp = true;
        } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
            threads = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--device") && i + 1 < argc) {
            const auto parsed = deviceFromName(argv[++i]);
            if (!parsed) {
                std::fprintf(stderr, "unknown device %s (cpu or cuda)\n", argv[i]);
                return 2;
            }
            device = *parsed;
        } else if (!std::strcmp(argv[i], "--epochs-scale") && i + 1 < argc) {
            epochsScale = std::atof(argv[++i]);
        } else {
            filter = argv[i];
        }
    }
    const auto selected = [&](const Case& c) {
        const bool exact = !filter.empty() && filter[0] == '=';
        return exact ? c.name == filter.substr(1)
                     : filter.empty() || c.name.find(filter) != std::string::npos;
    };
    if (amp) {
        return ampTable(threads, device, epochsScale, selected);
    }
    if (scaling) {
        std::printf("1 thread against %d in turns of %.1f s (the first third untimed); medians. "
                    "ceiling: the speed-up of the sin/cos/exp loops alone on as many threads, "
                    "measured after each turn (what the cores give at the moment)\n",
                    threads, kScalingTurnSeconds);
        std::printf("%-36s %12s %12s %10s %10s\n", "case", "ms 1 thread",
                    (std::string("ms ") + std::to_string(threads) + " threads").c_str(), "speed-up",
                    "ceiling");
        for (auto& c : cases()) {
            bool ok = true;
            if (selected(c)) {
                std::thread([&] { ok = runScaling(c, threads, epochsScale); }).join();
            }
            if (!ok) {
                return 1;
            }
        }
        return 0;
    }
    std::printf("device %s, threads %d; ms/epoch = median over blocks of 50 epochs (10 for the "
                "large cases) after 20 warm-up epochs;\n"
                "Gtrans/s = the sin/cos/exp values a fused epoch uses, per second (on tensor "
                "grids with t = 0 it evaluates u's pair per point and takes the rest from "
                "per-row tables)\n",
                deviceName(device).data(), threads);
    // The CPU's ceiling for that rate, so the distance to it shows per case.
    Limits limits;
    if (device == ComputeDevice::Cpu) {
        limits.transcendentals = transcendentalCeilingPerSecond() * threads;
        limits.multiplyAdds = fmaCeilingPerSecond() * threads;
        std::printf("ceiling = %.2f Gtrans/s: glibc's vectorised sin/cos/exp loops on "
                    "L1-resident floats alone%s (the float kernels use FastMath.h's and, on "
                    "grids, tables, so they can pass it);\n"
                    "FMA lim = the epoch's vector lane-operations (counted from the kernels' "
                    "source, +-20 %%) at %.1f G multiply-adds/s, this CPU's rate on the same "
                    "kind of loop\n",
                    limits.transcendentals * 1e-9,
                    threads > 1 ? ", one thread's times the threads" : "",
                    limits.multiplyAdds * 1e-9);
    }
    makeDataset(DataConfig{}); // first calls into LibTorch are slow: not a case's datagen
    if (device == ComputeDevice::Cpu) {
        std::thread([&] {
            at::set_num_threads(1);
            limits.gemm = gemmFlopsPerSecond(1000, 64);
        }).join();
        std::printf("GEMM [1000, 64] x [64, 64]: %.1f GFLOP/s per thread; SIREN rows show their "
                    "limit (lim ms: FLOPs at that rate, sin/cos at the ceiling) and its share of "
                    "their time\n",
                    limits.gemm * 1e-9);
    }
    std::printf("%-34s %9s %8s %8s %11s %11s %9s %8s %8s %10s %9s\n", "case", "ms/epoch", "ref ms",
                "speedup", "final loss", "zero-pred", "Gtrans/s", "ceiling", "FMA lim",
                "datagen ms", "peak MiB");
    for (auto& c : cases()) {
        if (!selected(c)) {
            continue;
        }
        // Each case on a thread of its own, as each run in the app: OpenMP's
        // thread team belongs to the thread that starts it, so a case does
        // not inherit the previous one's spinning workers.
        bool ok = false;
        std::thread worker([&] { ok = runCase(c, threads, device, epochsScale, limits); });
        worker.join();
        if (!ok) {
            return 1;
        }
    }
    return 0;
}
