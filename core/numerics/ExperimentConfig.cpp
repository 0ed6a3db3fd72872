#include "ExperimentConfig.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace dredge {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<Enum, std::string_view>, N>& table,
                           std::string_view name) {
    for (const auto& [value, text] : table) {
        if (text == name) {
            return value;
        }
    }
    return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
    for (const auto& [entry, text] : table) {
        if (entry == value) {
            return text;
        }
    }
    return "unknown";
}

constexpr std::array<std::pair<ModelKind, std::string_view>, 4> kModelNames{{
    {ModelKind::WaveEnsemble, "wave-ensemble"},
    {ModelKind::Interference, "interference"},
    {ModelKind::Siren, "siren"},
    {ModelKind::RandomFourier, "rff"},
}};

constexpr std::array<std::pair<WaveKernel, std::string_view>, 2> kKernelNames{{
    {WaveKernel::Fused, "fused"},
    {WaveKernel::Composed, "composed"},
}};

constexpr std::array<std::pair<DataKind, std::string_view>, 10> kDataNames{{
    {DataKind::Chirp, "chirp"},
    {DataKind::Volume4d, "volume4d"},
    {DataKind::Hyper6d, "hyper6d"},
    {DataKind::CsvSignal, "csv"},
    {DataKind::Packet1d, "packet1d"},
    {DataKind::Packet4d, "packet4d"},
    {DataKind::Image, "image"},
    {DataKind::Volume, "volume"},
    {DataKind::Audio, "audio"},
    {DataKind::Table, "table"},
}};

constexpr std::array<std::pair<FourthAxis, std::string_view>, 2> kFourthAxisNames{{
    {FourthAxis::Channels, "channels"},
    {FourthAxis::Time, "time"},
}};

constexpr std::array<std::pair<ComputeDevice, std::string_view>, 2> kDeviceNames{{
    {ComputeDevice::Cpu, "cpu"},
    {ComputeDevice::Cuda, "cuda"},
}};

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kStatusNames{{
    {RunStatus::Finished, "finished"},
    {RunStatus::Stopped, "stopped"},
    {RunStatus::Diverged, "diverged"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Pruned, "pruned"},
}};

constexpr std::array<std::pair<LrSchedule, std::string_view>, 5> kScheduleNames{{
    {LrSchedule::Constant, "constant"},
    {LrSchedule::Step, "step"},
    {LrSchedule::Exponential, "exp"},
    {LrSchedule::Cosine, "cosine"},
    {LrSchedule::Plateau, "plateau"},
}};

// Sizes beyond these are typing mistakes rather than experiments, and would
// exhaust memory long before they trained.
constexpr int kMaxWidth = 1 << 16;
constexpr double kMaxPoints = double(1 << 25);

bool positiveFinite(double value) {
    return std::isfinite(value) && value > 0.0;
}

} // namespace

std::string_view modelKindName(ModelKind kind) {
    return nameOf(kModelNames, kind);
}
std::optional<ModelKind> modelKindFromName(std::string_view name) {
    return lookup(kModelNames, name);
}
std::string_view waveKernelName(WaveKernel kernel) {
    return nameOf(kKernelNames, kernel);
}
std::optional<WaveKernel> waveKernelFromName(std::string_view name) {
    return lookup(kKernelNames, name);
}
std::string_view dataKindName(DataKind kind) {
    return nameOf(kDataNames, kind);
}
std::optional<DataKind> dataKindFromName(std::string_view name) {
    return lookup(kDataNames, name);
}
std::string_view fourthAxisName(FourthAxis axis) {
    return nameOf(kFourthAxisNames, axis);
}
std::string_view deviceName(ComputeDevice device) {
    return nameOf(kDeviceNames, device);
}
std::optional<ComputeDevice> deviceFromName(std::string_view name) {
    return lookup(kDeviceNames, name);
}
std::string_view runStatusName(RunStatus status) {
    return nameOf(kStatusNames, status);
}
std::optional<RunStatus> runStatusFromName(std::string_view name) {
    return lookup(kStatusNames, name);
}

std::string_view scheduleName(LrSchedule kind) {
    return nameOf(kScheduleNames, kind);
}
std::optional<LrSchedule> scheduleFromName(std::string_view name) {
    return lookup(kScheduleNames, name);
}

double scheduleGamma(const ScheduleConfig& schedule) {
    if (schedule.gamma) {
        return *schedule.gamma;
    }
    return schedule.kind == LrSchedule::Exponential ? 0.999 : 0.5;
}

int effectiveGrid(const DataConfig& config) {
    if (config.grid > 0) {
        return config.grid;
    }
    switch (config.kind) {
    case DataKind::Volume4d:
        return 20;
    case DataKind::Hyper6d:
        return 8;
    case DataKind::Packet4d:
        return 12;
    case DataKind::Chirp:
    case DataKind::CsvSignal:
    case DataKind::Packet1d:
    case DataKind::Image:
    case DataKind::Volume:
    case DataKind::Audio:
    case DataKind::Table:
        break;
    }
    return 0;
}

int spatialDims(DataKind kind) {
    switch (kind) {
    case DataKind::Volume4d:
    case DataKind::Packet4d:
    case DataKind::Volume:
        return 3;
    case DataKind::Hyper6d:
        return 5;
    case DataKind::Image:
        return 2;
    case DataKind::Audio:
    case DataKind::Table:
    case DataKind::Chirp:
    case DataKind::CsvSignal:
    case DataKind::Packet1d:
        break;
    }
    return 1;
}

int spatialDims(const DataConfig& config) {
    if (config.kind != DataKind::Table) {
        return spatialDims(config.kind);
    }
    const auto inputs = columnList(config.tableInputs);
    return int(inputs.size() - size_t(std::count(inputs.begin(), inputs.end(), "t")));
}

std::vector<std::string> columnList(std::string_view list) {
    std::vector<std::string> names;
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto name = list.substr(0, comma);
        while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) {
            name.remove_prefix(1);
        }
        while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
            name.remove_suffix(1);
        }
        names.emplace_back(name);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return names;
}

bool isTimeVarying(DataKind kind) {
    return kind == DataKind::Packet1d || kind == DataKind::Packet4d;
}

std::string validate(const ModelConfig& c) {
    auto width = [](int value, const char* what) -> std::string {
        if (value < 1 || value > kMaxWidth) {
            return std::string(what) + " must be between 1 and " + std::to_string(kMaxWidth);
        }
        return {};
    };
    switch (c.kind) {
    case ModelKind::WaveEnsemble:
        return width(c.waves, "number of waves");
    case ModelKind::Interference:
        if (auto e = width(c.fields, "number of fields"); !e.empty()) {
            return e;
        }
        return width(c.outFeatures, "output features");
    case ModelKind::Siren:
        if (!positiveFinite(c.w0)) {
            return "SIREN w0 must be a positive number";
        }
        if (c.firstW0 && !positiveFinite(*c.firstW0)) {
            return "SIREN's first-layer w0 must be a positive number";
        }
        if (c.sirenLayers < 1 || c.sirenLayers > 64) {
            return "SIREN layers must be between 1 and 64";
        }
        return width(c.hidden, "hidden width");
    case ModelKind::RandomFourier:
        if (!positiveFinite(c.rffScale)) {
            return "RFF scale must be a positive number";
        }
        if (c.rffLayers < 0 || c.rffLayers > 16) {
            return "RFF hidden layers must be between 0 and 16";
        }
        if (auto e = c.rffLayers > 0 ? width(c.hidden, "hidden width") : std::string();
            !e.empty()) {
            return e;
        }
        return width(c.features, "number of features");
    }
    return "unknown model";
}

std::optional<int64_t> pointCount(const DataConfig& c) {
    const int64_t instants = isTimeVarying(c.kind) ? c.times : 1;
    switch (c.kind) {
    case DataKind::Chirp:
        return kChirpPoints;
    case DataKind::Packet1d:
        return kPacket1dPoints * instants;
    case DataKind::CsvSignal:
        return std::nullopt;
    case DataKind::Image:
    case DataKind::Volume:
    case DataKind::Audio:
    case DataKind::Table:
        return c.samples ? std::optional(c.samples->points() * c.samples->instants())
                         : std::nullopt;
    case DataKind::Volume4d:
    case DataKind::Hyper6d:
    case DataKind::Packet4d:
        break;
    }
    return int64_t(std::llround(std::pow(double(effectiveGrid(c)), spatialDims(c.kind)))) *
           instants;
}

namespace {

// A table's columns: named, each once, 1 to 7 spatial inputs (the fused
// kernels' reach), 1 to 16 outputs.
std::string validateTable(const DataConfig& c) {
    if (c.tablePath.empty()) {
        return "table data needs a file path (--table FILE.csv)";
    }
    const auto inputs = columnList(c.tableInputs), outputs = columnList(c.tableOutputs);
    if (inputs.empty() || outputs.empty()) {
        return "a table needs its input and output columns named (--inputs x,y --outputs u)";
    }
    std::vector<std::string> all = inputs;
    all.insert(all.end(), outputs.begin(), outputs.end());
    for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].empty()) {
            return "a column list has an empty name: --inputs \"" + c.tableInputs +
                   "\" --outputs \"" + c.tableOutputs + "\"";
        }
        if (std::find(all.begin(), all.begin() + long(i), all[i]) != all.begin() + long(i)) {
            return "column \"" + all[i] + "\" is named twice in --inputs and --outputs";
        }
    }
    if (std::find(outputs.begin(), outputs.end(), "t") != outputs.end()) {
        return "column t is time, an input: it cannot be an output";
    }
    const int dims = spatialDims(c);
    if (dims < 1 || dims > 7) {
        return "a table has 1 to 7 inputs besides t, not " + std::to_string(dims);
    }
    if (outputs.size() > 16) {
        return "a table has at most 16 outputs, not " + std::to_string(outputs.size());
    }
    return {};
}

} // namespace

std::string validate(const DataConfig& c) {
    if (c.kind == DataKind::CsvSignal) {
        return c.csvPath.empty() ? "a CSV signal needs a file path" : std::string();
    }
    if (c.kind == DataKind::Image) {
        if (c.imagePath.empty()) {
            return "image data needs a file path (--image FILE)";
        }
        if (!c.resize.empty() && !parseImageSize(c.resize)) {
            return "resize must be WIDTHxHEIGHT in pixels, as 256x256, not \"" + c.resize + "\"";
        }
        return {};
    }
    if (c.kind == DataKind::Volume) {
        return c.volumePath.empty() ? "volume data needs a file path (--volume FILE.npy)"
                                    : std::string();
    }
    if (c.kind == DataKind::Audio) {
        if (c.audioPath.empty()) {
            return "audio data needs a file path (--audio FILE)";
        }
        if (!c.audioSpan.empty() && !parseSecondsSpan(c.audioSpan)) {
            return "seconds must be START:END with 0 <= START < END, as 0.5:2, not \"" +
                   c.audioSpan + "\"";
        }
        return {};
    }
    if (c.kind == DataKind::Table) {
        return validateTable(c);
    }
    if (isTimeVarying(c.kind)) {
        if (!std::isfinite(c.velocity) || std::abs(c.velocity) > 100.0) {
            return "velocity must be a number between -100 and 100";
        }
        if (c.times < 1 || c.times > 1000) {
            return "times must be between 1 and 1000";
        }
    }
    if (c.kind == DataKind::Chirp || c.kind == DataKind::Packet1d) {
        return {};
    }
    const int grid = effectiveGrid(c);
    if (grid < 2) {
        return "grid size must be at least 2";
    }
    const double instants = c.kind == DataKind::Packet4d ? double(c.times) : 1.0;
    if (std::pow(double(grid), spatialDims(c.kind)) * instants > kMaxPoints) {
        return "grid size " + std::to_string(grid) + " gives more than " +
               std::to_string(int64_t(kMaxPoints)) + " points";
    }
    return {};
}

std::optional<std::pair<double, double>> parseSecondsSpan(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    const auto number = [](std::string_view digits) -> std::optional<double> {
        const std::string copy(digits);
        char* end = nullptr;
        const double value = std::strtod(copy.c_str(), &end);
        if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value)) {
            return std::nullopt;
        }
        return value;
    };
    const auto from = number(text.substr(0, colon)), to = number(text.substr(colon + 1));
    if (!from || !to || *from < 0.0 || *to <= *from) {
        return std::nullopt;
    }
    return std::pair(*from, *to);
}

std::optional<std::pair<int, int>> parseImageSize(std::string_view text) {
    const auto x = text.find_first_of("xX");
    if (x == std::string_view::npos) {
        return std::nullopt;
    }
    const auto number = [](std::string_view digits) -> int {
        if (digits.empty() || digits.size() > 6) {
            return 0;
        }
        int n = 0;
        for (const char c : digits) {
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    };
    const int width = number(text.substr(0, x)), height = number(text.substr(x + 1));
    if (width < 1 || height < 1) {
        return std::nullopt;
    }
    return std::pair(width, height);
}

std::string validate(const TrainConfig& c) {
    if (c.epochs < 1) {
        return "epochs must be at least 1";
    }
    if (!positiveFinite(c.learningRate)) {
        return "learning rate must be a positive number";
    }
    if (!(c.beta1 >= 0.0 && c.beta1 < 1.0) || !(c.beta2 >= 0.0 && c.beta2 < 1.0)) {
        return "Adam betas must lie in [0, 1)";
    }
    if (!positiveFinite(c.adamEps)) {
        return "Adam eps must be a positive number";
    }
    if (c.clipGradients && !positiveFinite(c.clipMaxNorm)) {
        return "clip max norm must be a positive number";
    }
    if (c.threads < 1 || c.threads > 1024) {
        return "threads must be between 1 and 1024";
    }
    if (c.batch < 0) {
        return "batch must be at least 0 (0: every point at once)";
    }
    if (c.batch > 0 && c.validationShare > 0.0) {
        return "mini-batches (--batch) do not take a validation share yet: hold points out "
               "with full batches";
    }
    if (c.batch > 0 && c.ranks > 1) {
        return "mini-batches (--batch) train on one process: several ranks split full batches";
    }
    if (c.ranks < 1 || c.ranks > 1024) {
        return "ranks must be between 1 and 1024";
    }
    const auto& s = c.schedule;
    if (s.warmupEpochs < 0 || s.warmupEpochs >= c.epochs) {
        return "warm-up must be at least 0 epochs and fewer than the run's epochs";
    }
    if (s.gamma && !(*s.gamma > 0.0 && *s.gamma < 1.0)) {
        return "gamma must lie between 0 and 1 (a factor that lowers the learning rate)";
    }
    if (s.stepEvery < 1 || s.patience < 1) {
        return "step-every and patience must be at least 1 epoch";
    }
    if (!(s.minLr >= 0.0 && s.minLr < c.learningRate)) {
        return "min-lr must be at least 0 and below the learning rate";
    }
    if (!(c.validationShare >= 0.0 && c.validationShare <= 0.5)) {
        return "validation share must lie between 0 and 0.5";
    }
    if (c.checkpointEvery < 0) {
        return "checkpoint-every must be at least 0 epochs (0: none)";
    }
    if (!(c.keepMib >= 0.0 && c.keepMib <= 65536.0)) {
        return "keep-mib must lie between 0 and 65536 MiB";
    }
    const auto& avg = c.averaging;
    if (avg.start && (*avg.start < 0 || *avg.start >= c.epochs)) {
        return "swa-start must be an epoch of the run (0 to epochs - 1)";
    }
    if (avg.every < 1) {
        return "swa-every must be at least 1 epoch";
    }
    if (avg.start && c.stop.restoreBest) {
        return "a run ends with either its best or its averaged weights: choose restore-best "
               "or swa-start";
    }
    const auto& stop = c.stop;
    if (stop.targetLoss && !(std::isfinite(*stop.targetLoss) && *stop.targetLoss >= 0.0)) {
        return "target loss must be a number of at least 0";
    }
    if (stop.earlyStopPatience < 0) {
        return "early-stop patience must be at least 0 epochs (0: off)";
    }
    if (!(std::isfinite(stop.minDelta) && stop.minDelta >= 0.0)) {
        return "min-delta must be a number of at least 0";
    }
    return {};
}

std::string validate(const ExperimentConfig& c) {
    for (auto problem : {validate(c.data), validate(c.model), validate(c.train)}) {
        if (!problem.empty()) {
            return problem;
        }
    }
    return {};
}

bool cpuHasBFloat16Dot() {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
    return false;
#endif
}

std::string mixedPrecisionNote(const ExperimentConfig& config, bool bfloat16Dot) {
    if (!config.train.mixedPrecision || config.train.device != ComputeDevice::Cpu ||
        config.model.kind != ModelKind::Siren || bfloat16Dot) {
        return {};
    }
    return "Mixed precision will slow this SIREN down: this CPU has no bfloat16 dot products "
           "(avx512_bf16 or AMX), so its bfloat16 layer runs slower than in float32, and the fit "
           "loses precision. Turn AMP off, or run it on a CPU that has them or on CUDA.";
}

std::string ranksInWindowNote(const ExperimentConfig& config) {
    if (config.train.ranks <= 1) {
        return {};
    }
    const auto ranks = std::to_string(config.train.ranks);
    return "This run asks for " + ranks +
           " ranks; the window trains it in one process (the same losses). For " + ranks +
           ": dredge-studio train --experiment FILE --ranks " + ranks;
}

} // namespace dredge
