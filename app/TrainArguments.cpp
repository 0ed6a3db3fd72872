#include "TrainArguments.h"

#include "ExperimentJson.h"

#include <QFile>
#include <QJsonDocument>
#include <limits>

namespace dredge {
namespace {

struct BadArguments {
    QString reason;
};

template <typename Int>
Int parseInteger(const QCommandLineParser& p, const QString& name, Int fallback) {
    if (!p.isSet(name)) {
        return fallback;
    }
    bool ok = false;
    const qlonglong value = p.value(name).toLongLong(&ok);
    if (!ok || value < qlonglong(std::numeric_limits<Int>::min()) ||
        value > qlonglong(std::numeric_limits<Int>::max())) {
        throw BadArguments{
            QStringLiteral("--%1 must be an integer, not '%2'").arg(name, p.value(name))};
    }
    return Int(value);
}

double parseReal(const QCommandLineParser& p, const QString& name, double fallback) {
    if (!p.isSet(name)) {
        return fallback;
    }
    bool ok = false;
    const double value = p.value(name).toDouble(&ok);
    if (!ok) {
        throw BadArguments{
            QStringLiteral("--%1 must be a number, not '%2'").arg(name, p.value(name))};
    }
    return value;
}

template <typename Enum, typename Parse>
Enum parseName(const QCommandLineParser& p, const QString& name, Enum fallback, Parse parse,
               const char* choices) {
    if (!p.isSet(name)) {
        return fallback;
    }
    if (const auto value = parse(p.value(name).toStdString())) {
        return *value;
    }
    throw BadArguments{QStringLiteral("unknown --%1 '%2' (choose %3)")
                           .arg(name, p.value(name), QLatin1String(choices))};
}

// Task --task of the sweep file --sweep, or none without --sweep.
std::optional<SweepTask> sweepTaskFrom(const QCommandLineParser& p, QString* sweepName) {
    if (!p.isSet(QStringLiteral("sweep"))) {
        if (p.isSet(QStringLiteral("task")) || p.isSet(QStringLiteral("sweep-id"))) {
            throw BadArguments{QStringLiteral("--task and --sweep-id go with --sweep")};
        }
        return std::nullopt;
    }
    if (p.isSet(QStringLiteral("experiment"))) {
        throw BadArguments{QStringLiteral("--sweep and --experiment exclude each other")};
    }
    QString error;
    const auto spec = readSweepFile(p.value(QStringLiteral("sweep")), &error);
    const auto tasks = spec ? expandSweep(*spec, &error) : std::nullopt;
    if (!tasks) {
        throw BadArguments{error};
    }
    const int task = parseInteger<int>(p, QStringLiteral("task"), -1);
    if (task < 0 || task >= int(tasks->size())) {
        throw BadArguments{QStringLiteral("--task must name one of the sweep's %1 runs (0 to %2)")
                               .arg(tasks->size())
                               .arg(tasks->size() - 1)};
    }
    *sweepName = spec->name;
    return (*tasks)[size_t(task)];
}

ExperimentConfig configFrom(const QCommandLineParser& p, const std::optional<SweepTask>& task,
                            const ExperimentConfig* base) {
    ExperimentConfig c = task ? task->config : base ? *base : ExperimentConfig{};
    if (p.isSet(QStringLiteral("experiment"))) {
        QFile file(p.value(QStringLiteral("experiment")));
        if (!file.open(QIODevice::ReadOnly)) {
            throw BadArguments{QStringLiteral("cannot open experiment '%1'").arg(file.fileName())};
        }
        QJsonParseError parseError;
        const auto doc = QJsonDocument::fromJson(file.readAll(), &parseError);
        QString error;
        auto json = doc.object();
        // An experiment file wraps the config; a bare config works too.
        if (json.contains(QStringLiteral("experiment"))) {
            json = json.value(QStringLiteral("experiment")).toObject();
        }
        const auto loaded = doc.isObject() ? experimentFromJson(json, &error) : std::nullopt;
        if (!loaded) {
            throw BadArguments{
                QStringLiteral("experiment '%1': %2")
                    .arg(file.fileName(), doc.isObject() ? error : parseError.errorString())};
        }
        c = *loaded;
    }
    c.data.kind = parseName(p, QStringLiteral("data"), c.data.kind, dataKindFromName,
                            "chirp, volume4d, hyper6d, csv, packet1d, packet4d");
    c.data.velocity = parseReal(p, QStringLiteral("velocity"), c.data.velocity);
    c.data.times = parseInteger<int>(p, QStringLiteral("times"), c.data.times);
    if (p.isSet(QStringLiteral("csv"))) {
        c.data.kind = DataKind::CsvSignal;
        c.data.csvPath = p.value(QStringLiteral("csv")).toStdString();
    }
    c.data.grid = parseInteger<int>(p, QStringLiteral("grid"), c.data.grid);
    c.model.kind = parseName(p, QStringLiteral("model"), c.model.kind, modelKindFromName,
                             "wave-ensemble, interference, siren, rff");
    c.model.kernel = parseName(p, QStringLiteral("kernel"), c.model.kernel, waveKernelFromName,
                               "fused, composed");
    c.model.waves = parseInteger<int>(p, QStringLiteral("waves"), c.model.waves);
    c.model.fields = parseInteger<int>(p, QStringLiteral("fields"), c.model.fields);
    c.model.outFeatures = parseInteger<int>(p, QStringLiteral("out-features"), c.model.outFeatures);
    c.model.hidden = parseInteger<int>(p, QStringLiteral("hidden"), c.model.hidden);
    c.model.w0 = parseReal(p, QStringLiteral("w0"), c.model.w0);
    c.model.features = parseInteger<int>(p, QStringLiteral("features"), c.model.features);
    c.model.rffScale = parseReal(p, QStringLiteral("scale"), c.model.rffScale);
    c.train.epochs = parseInteger<qint64>(p, QStringLiteral("epochs"), c.train.epochs);
    c.train.learningRate = parseReal(p, QStringLiteral("lr"), c.train.learningRate);
    c.train.seed = quint64(parseInteger<qint64>(p, QStringLiteral("seed"), qint64(c.train.seed)));
    if (p.isSet(QStringLiteral("seed")) && p.value(QStringLiteral("seed")).startsWith(u'-')) {
        throw BadArguments{QStringLiteral("--seed must not be negative")};
    }
    c.train.mixedPrecision = c.train.mixedPrecision || p.isSet(QStringLiteral("amp"));
    if (p.isSet(QStringLiteral("clip"))) {
        c.train.clipGradients = true;
        c.train.clipMaxNorm = parseReal(p, QStringLiteral("clip"), c.train.clipMaxNorm);
    }
    c.train.device =
        parseName(p, QStringLiteral("device"), c.train.device, deviceFromName, "cpu, cuda");
    c.train.threads = parseInteger<int>(p, QStringLiteral("threads"), c.train.threads);
    auto& sc = c.train.schedule;
    sc.kind = parseName(p, QStringLiteral("schedule"), sc.kind, scheduleFromName,
                        "constant, step, exp, cosine, plateau");
    sc.warmupEpochs = parseInteger<qint64>(p, QStringLiteral("warmup"), sc.warmupEpochs);
    if (p.isSet(QStringLiteral("gamma"))) {
        sc.gamma = parseReal(p, QStringLiteral("gamma"), 0.0);
    }
    sc.stepEvery = parseInteger<qint64>(p, QStringLiteral("step-every"), sc.stepEvery);
    sc.patience = parseInteger<qint64>(p, QStringLiteral("patience"), sc.patience);
    sc.minLr = parseReal(p, QStringLiteral("min-lr"), sc.minLr);
    auto& st = c.train.stop;
    if (p.isSet(QStringLiteral("target-loss"))) {
        st.targetLoss = parseReal(p, QStringLiteral("target-loss"), 0.0);
    }
    st.earlyStopPatience =
        parseInteger<qint64>(p, QStringLiteral("early-stop"), st.earlyStopPatience);
    st.minDelta = parseReal(p, QStringLiteral("min-delta"), st.minDelta);
    st.restoreBest = st.restoreBest || p.isSet(QStringLiteral("restore-best"));
    c.train.checkpointEvery =
        parseInteger<qint64>(p, QStringLiteral("checkpoint-every"), c.train.checkpointEvery);
    c.train.validationShare = parseReal(p, QStringLiteral("val"), c.train.validationShare);
    auto& av = c.train.averaging;
    if (p.isSet(QStringLiteral("swa-start"))) {
        av.start = parseInteger<qint64>(p, QStringLiteral("swa-start"), 0);
    }
    av.every = parseInteger<qint64>(p, QStringLiteral("swa-every"), av.every);
    if (const auto problem = validate(c); !problem.empty()) {
        throw BadArguments{QString::fromStdString(problem)};
    }
    return c;
}

} // namespace

void addTrainOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "Train one experiment without a window; the result JSON goes to --out or stdout."));
    p.addHelpOption();
    const auto opt = [&p](const char* name, const QString& help, const char* value = nullptr) {
        p.addOption(value ? QCommandLineOption(QLatin1String(name), help, QLatin1String(value))
                          : QCommandLineOption(QLatin1String(name), help));
    };
    opt("experiment", "Start from the config in an experiment file (flags override it).", "file");
    opt("data", "Data set: chirp (default), volume4d, hyper6d, csv, packet1d, packet4d.", "name");
    opt("csv", "Train on a two-column CSV signal (x,y); implies --data csv.", "file");
    opt("grid", "Points per axis: volume4d (default 20), hyper6d (default 8), packet4d (12).", "G");
    const DataConfig dataDefaults;
    opt("velocity",
        QStringLiteral("packet1d, packet4d: the packet's drift speed (default %1).")
            .arg(dataDefaults.velocity),
        "v");
    opt("times",
        QStringLiteral("packet1d, packet4d: instants sampled over t in [0, 2] (default %1).")
            .arg(dataDefaults.times),
        "T");
    opt("model", "Model: wave-ensemble (default), interference, siren, rff.", "name");
    opt("waves", "Wave ensemble: number of waves (default 16).", "n");
    opt("kernel",
        "Wave ensemble, interference basis and SIREN: fused (default; CPU) or composed tensor ops; "
        "RFF: fused keeps its fixed features between epochs, composed recomputes them.",
        "name");
    opt("fields", "Interference: number of fields (default 8).", "F");
    opt("out-features", "Interference: output features (default 1).", "k");
    opt("hidden", "SIREN: hidden width (default 64).", "H");
    opt("w0", "SIREN: sine frequency factor (default 30).", "w0");
    opt("features", "RFF: number of frequencies (default 128).", "M");
    opt("scale", "RFF: frequency scale (default 5).", "s");
    opt("epochs", "Epochs (default 2000).", "N");
    opt("lr", "Adam learning rate (default 1e-3).", "lr");
    opt("seed", "Random seed (default 0).", "seed");
    opt("amp", "Mixed precision: bfloat16 autocast on CPU, float16 + loss scaling on CUDA.");
    opt("clip", "Clip the global gradient L2 norm to this value.", "max-norm");
    opt("device", "cpu (default) or cuda.", "device");
    opt("threads", "Intra-op threads (default 1).", "N");
    // The defaults in these texts come from the config itself.
    const TrainConfig defaults;
    opt("schedule",
        QStringLiteral("Learning-rate schedule: constant (default), step, exp, cosine, plateau."),
        "name");
    opt("warmup",
        QStringLiteral("Epochs of linear warm-up to the learning rate first (default %1).")
            .arg(defaults.schedule.warmupEpochs),
        "N");
    opt("gamma",
        QStringLiteral("Schedule factor: step (default 0.5), exp per epoch (default 0.999), "
                       "plateau (default 0.5)."),
        "g");
    opt("step-every",
        QStringLiteral("step: epochs between two factors (default %1).")
            .arg(defaults.schedule.stepEvery),
        "N");
    opt("patience",
        QStringLiteral("plateau: epochs without improvement before a cut (default %1).")
            .arg(defaults.schedule.patience),
        "N");
    opt("min-lr",
        QStringLiteral("Learning-rate floor, and cosine's end (default %1).")
            .arg(defaults.schedule.minLr),
        "lr");
    opt("target-loss", QStringLiteral("Stop once the loss is at or below this."), "loss");
    opt("early-stop", QStringLiteral("Stop after this many epochs without improvement."), "P");
    opt("min-delta",
        QStringLiteral("Improvement means the loss falls below the best by more than this "
                       "(default %1).")
            .arg(defaults.stop.minDelta),
        "d");
    opt("restore-best", QStringLiteral("End with the weights of the best epoch."));
    opt("val",
        QStringLiteral("Hold out this share of the points for validation (e.g. 0.1; default %1: "
                       "none); plateau, early stopping and restore-best then watch its loss.")
            .arg(defaults.validationShare),
        "share");
    opt("swa-start",
        QStringLiteral("Stochastic weight averaging: from this epoch on, average the weights "
                       "every --swa-every epochs; the run ends with the average."),
        "epoch");
    opt("swa-every",
        QStringLiteral("Epochs between two weights taken into the average (default %1).")
            .arg(defaults.averaging.every),
        "c");
    opt("checkpoint-every",
        QStringLiteral("Keep a checkpoint in the store every N epochs and at the end, to resume "
                       "or fork from (default %1: none).")
            .arg(defaults.checkpointEvery),
        "N");
    opt("resume",
        QStringLiteral("Go on from a stored run's checkpoint (the latest, or the last at or "
                       "before EPOCH) as a new run linked to it; its training settings may "
                       "change (--lr, --schedule, --amp, --clip, --epochs, ...)."),
        "run[@epoch]");
    opt("out", "Write the result JSON to this file instead of stdout.", "file");
    opt("name", "The run's name in the store (default: its settings in a few words).", "text");
    opt("store",
        "Record the run into this store: sqlite:PATH or postgresql://user@host:port/db "
        "(default: $DREDGE_STORE, else runs.sqlite in the user's data folder).",
        "url");
    opt("no-store", "Do not record the run.");
    opt("sweep", "Train one run of this sweep file (with --task; flags override it).", "file");
    opt("task", "Which run of the sweep: 0 to runs - 1.", "i");
    opt("sweep-id",
        "The stored sweep whose queued run --task this is (written by 'sweep' and its Slurm "
        "scripts): the run is taken from the queue.",
        "id");
}

bool readTrainArguments(const QCommandLineParser& parser, TrainArguments* out, QString* error,
                        const ExperimentConfig* base) {
    try {
        out->task = sweepTaskFrom(parser, &out->sweepName);
        out->config = configFrom(parser, out->task, base);
    } catch (const BadArguments& e) {
        *error = e.reason;
        return false;
    }
    return true;
}

} // namespace dredge
