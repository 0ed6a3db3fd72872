#include "Settings.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <array>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Integers travel as JSON numbers (doubles): beyond 2^53 they are not exact.
constexpr double kMaxExactInteger = 9007199254740992.0;

QString nameOf(std::string_view name) {
    return QString::fromUtf8(name.data(), int(name.size()));
}

// The fields every row spells; the makers below add the kind and the access.
struct Row {
    const char* name;
    const char* section;
    const char* key;
    const char* group;
    const char* label;
    const char* help;
    const char* valueName;
    unsigned uses;
};

Setting base(const Row& r, SettingKind kind) {
    Setting s;
    s.name = QLatin1String(r.name);
    s.section = QLatin1String(r.section);
    s.key = QLatin1String(r.key);
    s.group = QLatin1String(r.group);
    s.label = QString::fromUtf8(r.label);
    s.help = QString::fromUtf8(r.help);
    s.valueName = QLatin1String(r.valueName);
    s.kind = kind;
    s.uses = r.uses;
    s.applies = [](const ExperimentConfig&) { return true; };
    return s;
}

// `field` is a generic lambda returning a reference into the config, e.g.
// [](auto& c) -> auto& { return c.model.waves; }.
template <typename Field>
Setting integer(const Row& r, Field field, double min, double max = kInf) {
    Setting s = base(r, SettingKind::Integer);
    s.min = min;
    s.max = max;
    s.get = [field](const ExperimentConfig& c) { return QJsonValue(double(field(c))); };
    s.set = [field](ExperimentConfig& c, const QJsonValue& v) {
        using T = std::decay_t<decltype(field(c))>;
        field(c) = T(v.toDouble());
    };
    return s;
}

template <typename Field>
Setting real(const Row& r, Field field, double min, double max, bool minOpen = false,
             bool maxOpen = false) {
    Setting s = base(r, SettingKind::Real);
    s.min = min;
    s.max = max;
    s.minOpen = minOpen;
    s.maxOpen = maxOpen;
    s.get = [field](const ExperimentConfig& c) { return QJsonValue(field(c)); };
    s.set = [field](ExperimentConfig& c, const QJsonValue& v) { field(c) = v.toDouble(); };
    return s;
}

// An optional number (std::optional<double> or <int64_t>): unset is Null.
template <typename Field>
Setting optionalNumber(const Row& r, SettingKind kind, Field field, double min, double max,
                       const char* unsetText, bool minOpen = false, bool maxOpen = false) {
    Setting s = base(r, kind);
    s.min = min;
    s.max = max;
    s.minOpen = minOpen;
    s.maxOpen = maxOpen;
    s.optional = true;
    s.unsetText = QString::fromUtf8(unsetText);
    s.get = [field](const ExperimentConfig& c) {
        const auto& value = field(c);
        return value ? QJsonValue(double(*value)) : QJsonValue();
    };
    s.set = [field](ExperimentConfig& c, const QJsonValue& v) {
        auto& value = field(c);
        if (v.isNull()) {
            value.reset();
        } else {
            value = typename std::decay_t<decltype(value)>::value_type(v.toDouble());
        }
    };
    return s;
}

template <typename Field>
Setting toggle(const Row& r, Field field) {
    Setting s = base(r, SettingKind::Switch);
    s.get = [field](const ExperimentConfig& c) { return QJsonValue(bool(field(c))); };
    s.set = [field](ExperimentConfig& c, const QJsonValue& v) { field(c) = v.toBool(); };
    return s;
}

// A choice among an enum's values; names come from numerics' name function.
template <typename Enum, typename Field, typename NameOf>
Setting choice(const Row& r, Field field, NameOf name,
               std::initializer_list<std::pair<Enum, const char*>> labelled) {
    Setting s = base(r, SettingKind::Choice);
    for (const auto& [value, label] : labelled) {
        s.choices.push_back({nameOf(name(value)), QString::fromUtf8(label), int(value)});
    }
    const auto choices = s.choices;
    s.get = [field, name](const ExperimentConfig& c) { return QJsonValue(nameOf(name(field(c)))); };
    s.set = [field, choices](ExperimentConfig& c, const QJsonValue& v) {
        for (const auto& option : choices) {
            if (option.name == v.toString()) {
                field(c) = Enum(option.value);
            }
        }
    };
    return s;
}

template <typename Field>
Setting path(const Row& r, Field field) {
    Setting s = base(r, SettingKind::Path);
    s.get = [field](const ExperimentConfig& c) {
        return QJsonValue(QString::fromStdString(field(c)));
    };
    s.set = [field](ExperimentConfig& c, const QJsonValue& v) {
        field(c) = v.toString().toStdString();
    };
    return s;
}

Setting& appliesWhen(Setting& s, std::function<bool(const ExperimentConfig&)> when) {
    s.applies = std::move(when);
    return s;
}

// A file's samples read for one path and size are not those of another.
void forgetsSamples(Setting& s) {
    s.set = [set = s.set](ExperimentConfig& c, const QJsonValue& v) {
        set(c, v);
        c.data.samples.reset();
    };
}

// A row of a data set read from a file (its path, or how to read it): set
// only where that data set is chosen, and forgetting samples read before.
Setting& ofDataFile(Setting& s, DataKind kind) {
    s.writtenWhereItDoesNotApply = false;
    forgetsSamples(s);
    return appliesWhen(s, [kind](const ExperimentConfig& c) { return c.data.kind == kind; });
}

// The file's own row: naming it chooses its data set.
Setting& choosesDataFile(Setting& s, DataKind kind) {
    s.impliesName = QStringLiteral("data");
    s.impliesValue = nameOf(dataKindName(kind));
    return ofDataFile(s, kind);
}

// A Text row: a string of the form `form` (e.g. `example`), checked by `fits`.
Setting& asText(Setting& s, const char* form, const char* example, const char* defaultNote,
                std::function<bool(const std::string&)> fits) {
    s.kind = SettingKind::Text;
    s.textForm = QString::fromUtf8(form);
    s.textExample = QString::fromUtf8(example);
    s.defaultNote = QString::fromUtf8(defaultNote);
    s.textFits = [fits = std::move(fits)](const QString& text) {
        return text.isEmpty() || fits(text.toStdString());
    };
    return s;
}

bool isGridData(const ExperimentConfig& c) {
    return c.data.kind == DataKind::Volume4d || c.data.kind == DataKind::Hyper6d ||
           c.data.kind == DataKind::Packet4d;
}
bool modelIs(const ExperimentConfig& c, ModelKind kind) {
    return c.model.kind == kind;
}
bool scheduleIs(const ExperimentConfig& c, std::initializer_list<LrSchedule> kinds) {
    return std::find(kinds.begin(), kinds.end(), c.train.schedule.kind) != kinds.end();
}

constexpr unsigned kSweptInForm = Swept | InForm;
constexpr unsigned kLiveEverywhere = Swept | InForm | Live;

std::vector<Setting> dataRows() {
    std::vector<Setting> rows;
    rows.push_back(choice<DataKind>(
        {"data", "data", "kind", "Data", "Data set", "The data set to fit.", "name", kSweptInForm},
        [](auto& c) -> auto& { return c.data.kind; }, dataKindName,
        {{DataKind::Chirp, "Glitchy chirp (1-D)"},
         {DataKind::Volume4d, "4-D volume (x, y, z, t)"},
         {DataKind::Hyper6d, "6-D hyper-grid (x1…x5, t)"},
         {DataKind::CsvSignal, "1-D signal from a CSV file"},
         {DataKind::Packet1d, "Moving wave packet (x, t)"},
         {DataKind::Packet4d, "Moving wave packet (x, y, z, t)"},
         {DataKind::Image, "Image from a file"},
         {DataKind::Volume, "Volume from a file (NIfTI, .npy)"},
         {DataKind::Audio, "Sound from a file"},
         {DataKind::Table, "Table of points (CSV)"}}));
    auto grid = integer(
        {"grid", "data", "grid", "Data", "Grid size",
         "volume4d, hyper6d, packet4d: points per axis.", "G", kSweptInForm},
        [](auto& c) -> auto& { return c.data.grid; }, 2, 322);
    // The files and the form show the grid in use (0 in the config means the data set's own).
    grid.get = [](const ExperimentConfig& c) { return QJsonValue(effectiveGrid(c.data)); };
    grid.writtenWhereItDoesNotApply = false;
    grid.followsDefaultOf = QStringLiteral("data");
    grid.defaultNote = QStringLiteral("the data set's own, volume4d 20, hyper6d 8, packet4d 12");
    rows.push_back(std::move(appliesWhen(grid, isGridData)));
    auto csv = path(
        {"csv", "data", "csv", "Data", "CSV file",
         "Train on a two-column CSV signal (x,y); implies --data csv.", "file", InForm},
        [](auto& c) -> auto& { return c.data.csvPath; });
    csv.impliesName = QStringLiteral("data");
    csv.impliesValue = nameOf(dataKindName(DataKind::CsvSignal));
    csv.writtenWhereItDoesNotApply = false;
    rows.push_back(std::move(appliesWhen(
        csv, [](const ExperimentConfig& c) { return c.data.kind == DataKind::CsvSignal; })));
    auto picture = path(
        {"image", "data", "image", "Data", "Image file",
         "Fit an image (PNG, JPEG, what Qt reads): pixels on [-1, 1]^2, values in [0, 1], grey "
         "1 output, colour 3; implies --data image.",
         "file", InForm},
        [](auto& c) -> auto& { return c.data.imagePath; });
    rows.push_back(std::move(choosesDataFile(picture, DataKind::Image)));
    auto resize = path(
        {"resize", "data", "resize", "Data", "Resize to",
         "image: resample it to this many pixels first; empty keeps its size.", "WxH", InForm},
        [](auto& c) -> auto& { return c.data.resize; });
    asText(resize, "WIDTHxHEIGHT such as 256x256, or empty", "256x256", "the image's own size",
           [](const std::string& text) { return parseImageSize(text).has_value(); });
    rows.push_back(std::move(ofDataFile(resize, DataKind::Image)));
    auto voxels = path(
        {"volume", "data", "volume", "Data", "Volume file",
         "Fit a volume: NIfTI-1/2 (.nii, .nii.gz) or NumPy (.npy: float32/64, uint8/16, "
         "int16, C order), 3-D (z, y, x) or 4-D: NIfTI's voxel sizes kept (.npy voxels are "
         "cubes), the longest axis on [-1, 1], intensities scaled to [0, 1]; implies --data "
         "volume.",
         "file", InForm},
        [](auto& c) -> auto& { return c.data.volumePath; });
    rows.push_back(std::move(choosesDataFile(voxels, DataKind::Volume)));
    auto fourth = choice<FourthAxis>(
        {"fourth-axis", "data", "fourth_axis", "Data", "4th axis",
         "volume: a 4-D volume's last axis as values per voxel (channels) or as instants "
         "(time, t from 0 to 2).",
         "name", InForm},
        [](auto& c) -> auto& { return c.data.fourthAxis; }, fourthAxisName,
        {{FourthAxis::Channels, "Values per voxel"}, {FourthAxis::Time, "Time"}});
    rows.push_back(std::move(ofDataFile(fourth, DataKind::Volume)));
    auto sound = path(
        {"audio", "data", "audio", "Data", "Audio file",
         "Fit a sound (WAV, FLAC, Ogg, what libsndfile reads): time on [-1, 1] over the part "
         "taken, mono 1 output, stereo 2; implies --data audio.",
         "file", InForm},
        [](auto& c) -> auto& { return c.data.audioPath; });
    rows.push_back(std::move(choosesDataFile(sound, DataKind::Audio)));
    auto seconds = path(
        {"seconds", "data", "seconds", "Data", "Seconds",
         "audio: take this part of it, START:END in seconds; empty takes all of it.", "A:B",
         InForm},
        [](auto& c) -> auto& { return c.data.audioSpan; });
    asText(seconds, "START:END in seconds such as 0.5:2, or empty", "0.5:2", "all of it",
           [](const std::string& text) { return parseSecondsSpan(text).has_value(); });
    rows.push_back(std::move(ofDataFile(seconds, DataKind::Audio)));
    auto table = path(
        {"table", "data", "table", "Data", "Table file",
         "Fit a table of points: a CSV file whose first line names its columns, any number of "
         "inputs and outputs (--inputs, --outputs), one point a row; implies --data table.",
         "file", InForm},
        [](auto& c) -> auto& { return c.data.tablePath; });
    rows.push_back(std::move(choosesDataFile(table, DataKind::Table)));
    const auto columns = [](Setting& s, const char* form, const char* example) -> Setting& {
        asText(s, form, example, "none", [](const std::string& text) {
            const auto names = columnList(text);
            return !names.empty() && std::none_of(names.begin(), names.end(),
                                                  [](const std::string& n) { return n.empty(); });
        });
        return ofDataFile(s, DataKind::Table);
    };
    auto inputs = path(
        {"inputs", "data", "inputs", "Data", "Inputs",
         "table: the columns that are a point's coordinates, comma-separated; "
         "one named t is its time.",
         "x,y", InForm},
        [](auto& c) -> auto& { return c.data.tableInputs; });
    rows.push_back(
        std::move(columns(inputs, "column names separated by commas, such as x,y,t", "x,y")));
    auto outputs = path(
        {"outputs", "data", "outputs", "Data", "Outputs",
         "table: the columns the field fits at each point, comma-separated.", "u,v", InForm},
        [](auto& c) -> auto& { return c.data.tableOutputs; });
    rows.push_back(
        std::move(columns(outputs, "column names separated by commas, such as u,v", "u,v")));
    const auto packet = [](const ExperimentConfig& c) { return isTimeVarying(c.data.kind); };
    auto velocity = real(
        {"velocity", "data", "velocity", "Data", "Velocity",
         "packet1d, packet4d: the packet's drift speed (along x; y gets half "
         "of it in 4-D).",
         "v", kSweptInForm},
        [](auto& c) -> auto& { return c.data.velocity; }, -100.0, 100.0);
    velocity.writtenWhereItDoesNotApply = false;
    rows.push_back(std::move(appliesWhen(velocity, packet)));
    auto times = integer(
        {"times", "data", "times", "Data", "Instants",
         "packet1d, packet4d: instants sampled over t in [0, 2].", "T", kSweptInForm},
        [](auto& c) -> auto& { return c.data.times; }, 1, 1000);
    times.writtenWhereItDoesNotApply = false;
    rows.push_back(std::move(appliesWhen(times, packet)));
    return rows;
}

std::vector<Setting> modelRows() {
    constexpr double kMaxWidth = 1 << 16;
    std::vector<Setting> rows;
    rows.push_back(choice<ModelKind>(
        {"model", "model", "kind", "Model", "Model", "The field model.", "name", kSweptInForm},
        [](auto& c) -> auto& { return c.model.kind; }, modelKindName,
        {{ModelKind::WaveEnsemble, "Quasimoto wave ensemble"},
         {ModelKind::Interference, "Quasimoto interference basis"},
         {ModelKind::Siren, "SIREN"},
         {ModelKind::RandomFourier, "Random Fourier features"}}));
    rows.push_back(choice<WaveKernel>(
        {"kernel", "model", "kernel", "Model", "Kernel",
         "fused: forward and analytic backward in one pass each (on the CPU a whole epoch, loss "
         "and Adam step included, without an autograd graph; RFF keeps its fixed features and "
         "trains its readout from the quadratic form); composed: tensor ops through autograd "
         "(the reference, and the path CUDA's mixed precision takes).",
         "name", kSweptInForm},
        [](auto& c) -> auto& { return c.model.kernel; }, waveKernelName,
        {{WaveKernel::Fused, "Fused kernel"}, {WaveKernel::Composed, "Composed tensor ops"}}));
    const auto width = [&](const char* name, const char* key, const char* label, const char* help,
                           const char* valueName, auto field, ModelKind kind) {
        auto s = integer({name, "model", key, "Model", label, help, valueName, kSweptInForm}, field,
                         1, kMaxWidth);
        rows.push_back(std::move(
            appliesWhen(s, [kind](const ExperimentConfig& c) { return modelIs(c, kind); })));
    };
    width(
        "waves", "waves", "Number of waves", "Wave ensemble: number of waves n.", "n",
        [](auto& c) -> auto& { return c.model.waves; }, ModelKind::WaveEnsemble);
    width(
        "fields", "fields", "Number of fields", "Interference basis: number of fields F.", "F",
        [](auto& c) -> auto& { return c.model.fields; }, ModelKind::Interference);
    width(
        "out-features", "out_features", "Output features",
        "Interference basis: width of the superposition output.", "k",
        [](auto& c) -> auto& { return c.model.outFeatures; }, ModelKind::Interference);
    auto hidden = integer(
        {"hidden", "model", "hidden", "Model", "Hidden width",
         "SIREN, and RFF with hidden layers: hidden width H.", "H", kSweptInForm},
        [](auto& c) -> auto& { return c.model.hidden; }, 1, kMaxWidth);
    rows.push_back(std::move(appliesWhen(hidden, [](const ExperimentConfig& c) {
        return modelIs(c, ModelKind::Siren) ||
               (modelIs(c, ModelKind::RandomFourier) && c.model.rffLayers > 0);
    })));
    auto layers = integer(
        {"layers", "model", "layers", "Model", "Hidden layers",
         "SIREN: hidden H x H sine layers (the reference 1; the SIREN demo's image fit 3).", "L",
         kSweptInForm},
        [](auto& c) -> auto& { return c.model.sirenLayers; }, 1, 64);
    rows.push_back(std::move(appliesWhen(
        layers, [](const ExperimentConfig& c) { return modelIs(c, ModelKind::Siren); })));
    auto w0 = real(
        {"w0", "model", "w0", "Model", "w0", "SIREN: frequency factor of the sine layers.", "w0",
         kSweptInForm},
        [](auto& c) -> auto& { return c.model.w0; }, 0.0, 1e6, true);
    rows.push_back(std::move(
        appliesWhen(w0, [](const ExperimentConfig& c) { return modelIs(c, ModelKind::Siren); })));
    auto firstW0 = optionalNumber(
        {"w0-first", "model", "w0_first", "Model", "First-layer w0",
         "SIREN: the first sine layer's own w0 (the SIREN paper's 3000 for sound, whose "
         "time spans thousands of periods); unset: w0.",
         "w0", kSweptInForm},
        SettingKind::Real, [](auto& c) -> auto& { return c.model.firstW0; }, 0.0, 1e6, "as w0",
        true);
    rows.push_back(std::move(appliesWhen(
        firstW0, [](const ExperimentConfig& c) { return modelIs(c, ModelKind::Siren); })));
    width(
        "features", "features", "Number of features",
        "Random Fourier features: number of frequencies M.", "M",
        [](auto& c) -> auto& { return c.model.features; }, ModelKind::RandomFourier);
    auto scale = real(
        {"scale", "model", "scale", "Model", "Scale",
         "Random Fourier features: standard deviation of the frequencies.", "s", kSweptInForm},
        [](auto& c) -> auto& { return c.model.rffScale; }, 0.0, 1e6, true);
    rows.push_back(std::move(appliesWhen(
        scale, [](const ExperimentConfig& c) { return modelIs(c, ModelKind::RandomFourier); })));
    auto relu = integer(
        {"rff-layers", "model", "rff_layers", "Model", "Hidden ReLU layers",
         "Random Fourier features: hidden ReLU layers of H units between the "
         "features and the output (Fourier Features' MLP has 4 of 256; 0 is the "
         "reference's linear readout, trained by the fused kernel).",
         "L", kSweptInForm},
        [](auto& c) -> auto& { return c.model.rffLayers; }, 0, 16);
    rows.push_back(std::move(appliesWhen(
        relu, [](const ExperimentConfig& c) { return modelIs(c, ModelKind::RandomFourier); })));
    return rows;
}

std::vector<Setting> trainRows() {
    std::vector<Setting> rows;
    auto epochs = integer(
        {"epochs", "train", "epochs", "Training", "Epochs", "Full-batch epochs.", "N",
         kLiveEverywhere | Extent},
        [](auto& c) -> auto& { return c.train.epochs; }, 1);
    epochs.followsDefaultOf = QStringLiteral("data"); // each data set its own, in the form
    rows.push_back(std::move(epochs));
    rows.push_back(real(
        {"lr", "train", "lr", "Training", "Learning rate", "Adam learning rate.", "lr",
         kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.learningRate; }, 0.0, kInf, true));
    rows.push_back(integer(
        {"seed", "train", "seed", "Training", "Seed",
         "Seed of the initial parameters (and of a CSV validation split).", "seed", InForm},
        [](auto& c) -> auto& { return c.train.seed; }, 0, kMaxExactInteger));
    rows.push_back(
        choice<ComputeDevice>({"device", "train", "device", "Training", "Device",
                               "Where the run trains.", "device", kSweptInForm},
                              [](auto& c) -> auto& { return c.train.device; }, deviceName,
                              {{ComputeDevice::Cpu, "CPU"}, {ComputeDevice::Cuda, "CUDA"}}));
    rows.push_back(integer(
        {"threads", "train", "threads", "Training", "Threads", "Intra-op threads for this run.",
         "N", kSweptInForm},
        [](auto& c) -> auto& { return c.train.threads; }, 1, 1024));
    auto batch = integer(
        {"batch", "train", "batch", "Training", "Mini-batch",
         "Points per Adam step (0: all of them, the reference's full batch). An epoch is "
         "still one pass over every point, in an order drawn from the seed and the epoch; its "
         "loss is the mean of its batches' losses as the weights moved.",
         "N", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.batch; }, 0, 1 << 30);
    batch.unsetText = QStringLiteral("all points");
    rows.push_back(std::move(batch));
    rows.push_back(integer(
        {"ranks", "train", "ranks", "Training", "Ranks",
         "Processes that train this run together, each on a contiguous share of the points, "
         "through LibTorch's Gloo process group (the wave ensemble and the interference basis, "
         "on the CPU): `train` starts them here, `srun -n N` makes them Slurm's tasks. The "
         "losses are the same bits for any number.",
         "N", Replayable},
        [](auto& c) -> auto& { return c.train.ranks; }, 1, 1024));
    rows.push_back(toggle(
        {"amp", "train", "amp", "Training", "Mixed precision (AMP)",
         "Mixed precision. CPU: bfloat16 products as autocast makes them, phases, sines and "
         "Adam in float32. The wave ensemble, interference basis and RFF keep their fused "
         "path (the head's operands, output and gradients rounded to bfloat16): about the "
         "float32 time (1.00-1.09x) and the same final loss to 3 digits. SIREN's H x H "
         "layer runs oneDNN's bfloat16 GEMMs: no faster at H = 64 (0.97x), 1.6x faster at "
         "H = 256 on CPUs with bfloat16 dot products (avx512_bf16, AMX; elsewhere no faster "
         "than float32), but it fits worse: best loss ~20x float32's at H = 64 on the chirp, "
         "2e-6 against 3e-14 at H = 256. CUDA: float16 autocast of the composed ops with "
         "dynamic loss scaling.",
         "", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.mixedPrecision; }));
    rows.push_back(toggle(
        {"clip", "train", "clip", "Training", "Clip the gradient norm",
         "Clip the global L2 norm of the gradients to --clip-max-norm "
         "(--clip N still sets both). It changes nothing while the norm stays below "
         "the threshold (the chirp's rarely reaches 1.0), and costs one pass over the "
         "gradient per epoch.",
         "", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.clipGradients; }));
    auto norm = real(
        {"clip-max-norm", "train", "clip_max_norm", "Training", "Clip max norm",
         "The global gradient L2 norm clipping keeps to; implies --clip.", "max-norm",
         kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.clipMaxNorm; }, 0.0, kInf, true);
    norm.impliesName = QStringLiteral("clip");
    norm.impliesValue = true;
    rows.push_back(std::move(
        appliesWhen(norm, [](const ExperimentConfig& c) { return c.train.clipGradients; })));
    rows.push_back(real(
        {"beta1", "train", "beta1", "Optimizer", "β1 (Adam)",
         "Adam: decay of the gradient's running mean.", "b1", kSweptInForm},
        [](auto& c) -> auto& { return c.train.beta1; }, 0.0, 1.0, false, true));
    rows.push_back(real(
        {"beta2", "train", "beta2", "Optimizer", "β2 (Adam)",
         "Adam: decay of the squared gradient's running mean.", "b2", kSweptInForm},
        [](auto& c) -> auto& { return c.train.beta2; }, 0.0, 1.0, false, true));
    rows.push_back(real(
        {"adam-eps", "train", "adam_eps", "Optimizer", "ε (Adam)",
         "Adam: added to the root of the squared mean.", "eps", kSweptInForm},
        [](auto& c) -> auto& { return c.train.adamEps; }, 0.0, 1.0, true));
    return rows;
}

std::vector<Setting> scheduleRows() {
    std::vector<Setting> rows;
    rows.push_back(
        choice<LrSchedule>({"schedule", "train.schedule", "kind", "Schedule", "LR schedule",
                            "How the learning rate moves over the run.", "name", kLiveEverywhere},
                           [](auto& c) -> auto& { return c.train.schedule.kind; }, scheduleName,
                           {{LrSchedule::Constant, "Constant"},
                            {LrSchedule::Step, "Step (× γ every k epochs)"},
                            {LrSchedule::Exponential, "Exponential (× γ each epoch)"},
                            {LrSchedule::Cosine, "Cosine to the floor"},
                            {LrSchedule::Plateau, "Reduce on plateau"}}));
    rows.push_back(integer(
        {"warmup", "train.schedule", "warmup", "Schedule", "Warm-up",
         "Epochs of linear warm-up to the learning rate first (any schedule).", "N",
         kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.schedule.warmupEpochs; }, 0));
    auto gamma = optionalNumber(
        {"gamma", "train.schedule", "gamma", "Schedule", "Factor γ",
         "The schedule's factor: step 0.5, exp 0.999 per epoch, plateau "
         "0.5 unless given.",
         "g", kLiveEverywhere},
        SettingKind::Real, [](auto& c) -> auto& { return c.train.schedule.gamma; }, 0.0, 1.0,
        "the schedule's own", true, true);
    const auto factor = [](LrSchedule kind) {
        ScheduleConfig schedule;
        schedule.kind = kind;
        return QString::number(scheduleGamma(schedule));
    };
    gamma.help = QStringLiteral("The schedule's factor: step %1, exp %2 per epoch, plateau %3 "
                                "unless given.")
                     .arg(factor(LrSchedule::Step), factor(LrSchedule::Exponential),
                          factor(LrSchedule::Plateau));
    rows.push_back(std::move(appliesWhen(gamma, [](const ExperimentConfig& c) {
        return scheduleIs(c, {LrSchedule::Step, LrSchedule::Exponential, LrSchedule::Plateau});
    })));
    auto every = integer(
        {"step-every", "train.schedule", "step_every", "Schedule", "Step every",
         "step: epochs between two factors.", "N", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.schedule.stepEvery; }, 1);
    rows.push_back(std::move(appliesWhen(
        every, [](const ExperimentConfig& c) { return scheduleIs(c, {LrSchedule::Step}); })));
    auto patience = integer(
        {"patience", "train.schedule", "patience", "Schedule", "Plateau patience",
         "plateau: epochs without improvement before the rate is cut.", "N", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.schedule.patience; }, 1);
    rows.push_back(std::move(appliesWhen(
        patience, [](const ExperimentConfig& c) { return scheduleIs(c, {LrSchedule::Plateau}); })));
    rows.push_back(real(
        {"min-lr", "train.schedule", "min_lr", "Schedule", "LR floor",
         "The rate never goes below this; cosine ends here.", "lr", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.schedule.minLr; }, 0.0, kInf));
    return rows;
}

std::vector<Setting> stopRows() {
    std::vector<Setting> rows;
    rows.push_back(optionalNumber(
        {"target-loss", "train.stop", "target_loss", "Stopping", "Target loss",
         "Stop once the loss is at or below this.", "loss", kLiveEverywhere},
        SettingKind::Real, [](auto& c) -> auto& { return c.train.stop.targetLoss; }, 0.0, kInf,
        "none"));
    rows.push_back(integer(
        {"early-stop", "train.stop", "early_stop", "Stopping", "Early stop after",
         "Stop after this many epochs without improvement (0: off).", "P", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.stop.earlyStopPatience; }, 0));
    rows.push_back(real(
        {"min-delta", "train.stop", "min_delta", "Stopping", "Min delta",
         "Improvement means beating the best loss by more than this.", "d", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.stop.minDelta; }, 0.0, kInf));
    rows.push_back(toggle(
        {"restore-best", "train.stop", "restore_best", "Stopping",
         "End with the best epoch's weights", "End with the weights of the best (watched) epoch.",
         "", kSweptInForm},
        [](auto& c) -> auto& { return c.train.stop.restoreBest; }));
    auto share = real(
        {"validation-share", "train", "validation_share", "Stopping", "Validation share",
         "Hold out this share of the points (every k-th of a grid, a seeded random "
         "share of a CSV signal); plateau, early stopping and the best epoch then "
         "watch its loss.",
         "share", kSweptInForm},
        [](auto& c) -> auto& { return c.train.validationShare; }, 0.0, 0.5);
    share.aliases = QStringList{QStringLiteral("val")};
    rows.push_back(std::move(share));
    return rows;
}

std::vector<Setting> averagingRows() {
    std::vector<Setting> rows;
    rows.push_back(optionalNumber(
        {"swa-start", "train.averaging", "start", "Averaging", "Average weights from",
         "Stochastic weight averaging: from this epoch on, average the "
         "weights every --swa-every epochs; the run ends with the "
         "average. Not with --restore-best.",
         "epoch", kLiveEverywhere},
        SettingKind::Integer, [](auto& c) -> auto& { return c.train.averaging.start; }, 0, kInf,
        "off"));
    auto every = integer(
        {"swa-every", "train.averaging", "every", "Averaging", "Average every",
         "Epochs between two weights taken into the average.", "c", kLiveEverywhere},
        [](auto& c) -> auto& { return c.train.averaging.every; }, 1);
    rows.push_back(std::move(appliesWhen(
        every, [](const ExperimentConfig& c) { return c.train.averaging.start.has_value(); })));
    rows.push_back(integer(
        {"checkpoint-every", "train", "checkpoint_every", "Averaging", "Checkpoint every",
         "Keep the run's state in the store every N epochs and at its end, to "
         "resume or fork from (0: none).",
         "N", kLiveEverywhere | Extent},
        [](auto& c) -> auto& { return c.train.checkpointEvery; }, 0));
    rows.push_back(real(
        {"keep-mib", "train", "keep_mib", "Averaging", "Keep parameters up to",
         "Keep the parameters of every epoch while they fit this many MiB, else of as many "
         "evenly spaced epochs as fit, at least 512 (and the checkpoints', the best and the "
         "last): the epoch slider, History and `runs predict` compute from them.",
         "MiB", kSweptInForm},
        [](auto& c) -> auto& { return c.train.keepMib; }, 0.0, 65536.0));
    return rows;
}

std::vector<Setting> makeSettings() {
    std::vector<Setting> all;
    for (auto part :
         {dataRows(), modelRows(), trainRows(), scheduleRows(), stopRows(), averagingRows()}) {
        for (auto& row : part) {
            all.push_back(std::move(row));
        }
    }
    return all;
}

QString number(double value) {
    return QString::number(value, 'g', 10);
}

QString jsonText(const QJsonValue& value) {
    if (value.isString()) {
        return u'\'' + value.toString() + u'\'';
    }
    return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact))
        .mid(1)
        .chopped(1);
}

bool inRange(const Setting& s, double v) {
    const bool aboveMin = s.minOpen ? v > s.min : v >= s.min;
    const bool belowMax = s.maxOpen ? v < s.max : v <= s.max;
    return aboveMin && belowMax;
}

QString expectedKind(const Setting& s) {
    // By SettingKind; a choice names its choices.
    constexpr std::array<const char*, 6> kExpected{"an integer", "a number", "true or false",
                                                   "",           "a string", "a string"};
    return s.kind == SettingKind::Choice ? rangeText(s) : QLatin1String(kExpected[size_t(s.kind)]);
}

// "lie" where an end is excluded: "gamma must lie between 0 and 1 (both excluded)".
QString rangeVerb(const Setting& s) {
    const bool bounded = s.max < kMaxExactInteger;
    return bounded && (s.minOpen || s.maxOpen) ? QStringLiteral("lie ") : QStringLiteral("be ");
}

// Where, what it must be, which quantity it is, and what it was:
// "--waves must be between 1 and 65536, not 0 (number of waves)".
QString mustBe(const Setting& s, const QString& where, const QString& requirement,
               const QString& shown) {
    QString quantity = s.label;
    if (quantity.size() > 1 && quantity[1].isLower()) {
        quantity[0] = quantity[0].toLower();
    }
    QString bare = where.startsWith(QLatin1String("--")) ? where.mid(2) : where.section(u'.', -1);
    bare.replace(u'-', u' ').replace(u'_', u' ');
    const QString context =
        bare.compare(quantity, Qt::CaseInsensitive) == 0 ? QString() : " (" + quantity + u')';
    return QStringLiteral("%1 must %2, not %3%4").arg(where, requirement, shown, context);
}

QString sentence(QString text) {
    if (!text.isEmpty()) {
        text[0] = text[0].toUpper();
    }
    return text.endsWith(u'.') ? text : text + u'.';
}

bool failWith(QString* error, const QString& text) {
    if (error) {
        *error = text;
    }
    return false;
}

// The JSON object a section path names ("train.schedule"), made on the way.
QJsonObject readSection(const QJsonObject& root, const QString& section) {
    QJsonObject object = root;
    for (const auto& part : section.split(u'.')) {
        object = object.value(part).toObject();
    }
    return object;
}

void writeValue(QJsonObject& root, const QStringList& path, const QString& key,
                const QJsonValue& value) {
    if (path.isEmpty()) {
        root.insert(key, value);
        return;
    }
    QJsonObject child = root.value(path.first()).toObject();
    writeValue(child, path.mid(1), key, value);
    root.insert(path.first(), child);
}

// Every section path must hold an object where it is present.
bool checkSections(const QJsonObject& root, QString* error) {
    QStringList seen;
    for (const auto& s : settings()) {
        if (seen.contains(s.section)) {
            continue;
        }
        seen.append(s.section);
        QJsonObject object = root;
        QStringList walked;
        for (const auto& part : s.section.split(u'.')) {
            walked.append(part);
            const auto v = object.value(part);
            if (!v.isUndefined() && !v.isObject()) {
                return failWith(error,
                                QStringLiteral("%1 must be an object").arg(walked.join(u'.')));
            }
            object = v.toObject();
        }
    }
    return true;
}

QString roff(QString text) {
    text.replace(u'\\', QStringLiteral("\\e"));
    text.replace(u'-', QStringLiteral("\\-"));
    if (text.startsWith(u'.') || text.startsWith(u'\'')) {
        text.prepend(QStringLiteral("\\&"));
    }
    return text;
}

} // namespace

const std::vector<Setting>& settings() {
    static const std::vector<Setting> table = makeSettings();
    return table;
}

const Setting* findSetting(const QString& name) {
    for (const auto& s : settings()) {
        if (s.name == name || s.aliases.contains(name)) {
            return &s;
        }
    }
    return nullptr;
}

QString rangeText(const Setting& s) {
    switch (s.kind) {
    case SettingKind::Choice: {
        QStringList names;
        for (const auto& c : s.choices) {
            names.append(c.name);
        }
        return QStringLiteral("one of ") + names.join(QStringLiteral(", "));
    }
    case SettingKind::Switch:
        return QStringLiteral("on or off");
    case SettingKind::Path:
        return QStringLiteral("a file path");
    case SettingKind::Text:
        return s.textForm;
    case SettingKind::Integer:
    case SettingKind::Real:
        break;
    }
    if (s.max >= kMaxExactInteger) {
        return (s.minOpen ? QStringLiteral("greater than %1") : QStringLiteral("at least %1"))
            .arg(number(s.min));
    }
    const QString ends = s.minOpen && s.maxOpen ? QStringLiteral(" (both excluded)")
                         : s.minOpen ? QStringLiteral(" (%1 excluded)").arg(number(s.min))
                         : s.maxOpen ? QStringLiteral(" (%1 excluded)").arg(number(s.max))
                                     : QString();
    return QStringLiteral("between %1 and %2%3").arg(number(s.min), number(s.max), ends);
}

bool checkValue(const Setting& s, const QJsonValue& v, const QString& where, QString* error) {
    const auto wrong = [&](const QString& expected) {
        return failWith(error, mustBe(s, where, expected, jsonText(v)));
    };
    if (v.isNull() && s.optional) {
        return true;
    }
    switch (s.kind) {
    case SettingKind::Integer:
    case SettingKind::Real: {
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(d)) {
            return wrong(QStringLiteral("be ") + expectedKind(s));
        }
        if (s.kind == SettingKind::Integer &&
            (d != std::floor(d) || std::abs(d) > kMaxExactInteger)) {
            return wrong(QStringLiteral("be an integer"));
        }
        return inRange(s, d) || wrong(rangeVerb(s) + rangeText(s));
    }
    case SettingKind::Switch:
        return v.isBool() || wrong(QStringLiteral("be ") + expectedKind(s));
    case SettingKind::Path:
        return v.isString() || wrong(QStringLiteral("be ") + expectedKind(s));
    case SettingKind::Text:
        return (v.isString() && s.textFits(v.toString())) ||
               wrong(QStringLiteral("be ") + s.textForm);
    case SettingKind::Choice:
        for (const auto& c : s.choices) {
            if (v.isString() && c.name == v.toString()) {
                return true;
            }
        }
        return wrong(QStringLiteral("be ") + rangeText(s));
    }
    return false;
}

std::optional<QJsonValue> parseValue(const Setting& s, const QString& typed, const QString& where,
                                     QString* error) {
    const QString text = typed.trimmed();
    const auto wrong = [&](const QString& expected) -> std::optional<QJsonValue> {
        failWith(error, mustBe(s, where, QStringLiteral("be ") + expected, u'\'' + typed + u'\''));
        return std::nullopt;
    };
    if (s.optional && (text.isEmpty() || text == QLatin1String("none") || text == s.unsetText)) {
        return QJsonValue();
    }
    QJsonValue value;
    switch (s.kind) {
    case SettingKind::Integer: {
        bool ok = false;
        const qlonglong i = text.toLongLong(&ok);
        if (!ok) {
            return wrong(QStringLiteral("an integer"));
        }
        value = double(i);
        break;
    }
    case SettingKind::Real: {
        bool ok = false;
        const double d = text.toDouble(&ok);
        if (!ok || !std::isfinite(d)) {
            return wrong(QStringLiteral("a number"));
        }
        value = d;
        break;
    }
    case SettingKind::Switch:
        if (text == QLatin1String("on") || text == QLatin1String("true") || text == u'1') {
            value = true;
        } else if (text == QLatin1String("off") || text == QLatin1String("false") || text == u'0') {
            value = false;
        } else {
            return wrong(QStringLiteral("on or off"));
        }
        break;
    case SettingKind::Choice:
    case SettingKind::Path:
    case SettingKind::Text:
        value = text;
        break;
    }
    if (!checkValue(s, value, where, error)) {
        return std::nullopt;
    }
    return value;
}

bool applyValue(ExperimentConfig& c, const Setting& s, const QJsonValue& value,
                const QString& where, QString* error) {
    if (!checkValue(s, value, where, error)) {
        return false;
    }
    s.set(c, value);
    if (!s.impliesName.isEmpty()) {
        findSetting(s.impliesName)->set(c, s.impliesValue);
    }
    return true;
}

QString valueText(const Setting& s, const QJsonValue& v) {
    if (v.isNull() || v.isUndefined()) {
        return s.unsetText.isEmpty() ? QStringLiteral("none") : s.unsetText;
    }
    if (v.isBool()) {
        return v.toBool() ? QStringLiteral("on") : QStringLiteral("off");
    }
    if (v.isDouble()) {
        return QString::number(v.toDouble(), 'g', 6);
    }
    return v.toString();
}

QString defaultText(const Setting& s) {
    const auto value = s.defaultValue();
    if (s.kind == SettingKind::Path) {
        return {};
    }
    if (value.isNull()) {
        return QStringLiteral("(default: %1)").arg(valueText(s, value));
    }
    if (!s.defaultNote.isEmpty()) {
        return QStringLiteral("(default: %1)").arg(s.defaultNote);
    }
    return QStringLiteral("(default %1)").arg(valueText(s, value));
}

QJsonObject settingsToJson(const ExperimentConfig& c) {
    QJsonObject root;
    for (const auto& s : settings()) {
        const auto value = s.get(c);
        if (value.isNull() || (!s.writtenWhereItDoesNotApply && !s.applies(c))) {
            continue;
        }
        writeValue(root, s.section.split(u'.'), s.key, value);
    }
    // An empty section is still written, as readers expect the three parts.
    for (const char* part : {"data", "model", "train"}) {
        if (!root.contains(QLatin1String(part))) {
            root.insert(QLatin1String(part), QJsonObject{});
        }
    }
    return root;
}

std::optional<ExperimentConfig> settingsFromJson(const QJsonObject& json, QString* error) {
    if (!checkSections(json, error)) {
        return std::nullopt;
    }
    ExperimentConfig c;
    for (const auto& s : settings()) {
        const auto value = readSection(json, s.section).value(s.key);
        if (value.isUndefined() || (value.isNull() && s.optional)) {
            continue;
        }
        // Implications are for flags and axes; a file spells every setting.
        const QString where = s.section + u'.' + s.key;
        if (!checkValue(s, value, where, error)) {
            return std::nullopt;
        }
        s.set(c, value);
    }
    return c;
}

QString settingsManPage() {
    QString out;
    for (const auto& s : settings()) {
        const QString flag = roff(QStringLiteral("--") + s.name);
        out += QStringLiteral(".TP\n");
        if (s.kind == SettingKind::Switch) {
            out += QStringLiteral(".BR %1 \", \" %2\n")
                       .arg(flag, roff(QStringLiteral("--no-") + s.name));
        } else {
            out += QStringLiteral(".BI %1 \" %2\"\n").arg(flag, roff(s.valueName));
        }
        QString text = s.help.endsWith(u'.') ? s.help : s.help + u'.';
        if (s.kind != SettingKind::Path && s.kind != SettingKind::Switch) {
            text += u' ' + sentence(rangeText(s));
        }
        if (const auto d = defaultText(s); !d.isEmpty()) {
            text += u' ' + sentence(d.mid(1).chopped(1));
        }
        if (!s.aliases.isEmpty()) {
            text +=
                QStringLiteral(" Also spelled --%1.").arg(s.aliases.join(QStringLiteral(", --")));
        }
        out += roff(text) + u'\n';
    }
    return out;
}

QString settingsMarkdown() {
    QString out =
        QStringLiteral("| option | file key | meaning | values | default | sweep | live |\n"
                       "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (const auto& s : settings()) {
        const QString flag = s.kind == SettingKind::Switch
                                 ? QStringLiteral("`--%1`, `--no-%1`").arg(s.name)
                                 : QStringLiteral("`--%1 %2`").arg(s.name, s.valueName);
        const QString aliases = s.aliases.isEmpty()
                                    ? QString()
                                    : QStringLiteral(" (or `--%1`)").arg(s.aliases.join("`, `--"));
        const QString values = rangeText(s);
        QString help = s.help;
        help.replace(u'|', QStringLiteral("\\|"));
        out += QStringLiteral("| %1%2 | `%3.%4` | %5 | %6 | %7 | %8 | %9 |\n")
                   .arg(flag, aliases, s.section, s.key, help, values,
                        s.kind == SettingKind::Path ? QString()
                        : s.defaultNote.isEmpty()   ? valueText(s, s.defaultValue())
                                                    : s.defaultNote,
                        s.has(Swept) ? QStringLiteral("yes") : QString(),
                        s.has(Live) ? QStringLiteral("yes") : QString());
    }
    return out;
}

} // namespace dredge
