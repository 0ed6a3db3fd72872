#include "TrainCommand.h"

#include "AllocatorTuning.h"
#include "CsvSignal.h"
#include "ExperimentJson.h"
#include "ProgressThrottle.h"
#include "RunStore.h"
#include "Sweep.h"
#include "TrainRecording.h"
#include "Trainer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <unistd.h>

namespace dredge {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void onInterrupt(int) {
    interrupted.store(true);
}

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

ExperimentConfig configFrom(const QCommandLineParser& p, const std::optional<SweepTask>& task) {
    ExperimentConfig c = task ? task->config : ExperimentConfig{};
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
                            "chirp, volume4d, hyper6d, csv");
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
    if (const auto problem = validate(c); !problem.empty()) {
        throw BadArguments{QString::fromStdString(problem)};
    }
    return c;
}

// Progress on stderr: a bar redrawn ten times a second on a terminal; otherwise
// a plain line per tenth of the run, and at least every 10 s (logs stay short).
class ProgressPrinter {
public:
    explicit ProgressPrinter(int64_t epochs)
        : terminal_(isatty(STDERR_FILENO) != 0)
        , total_(std::max<int64_t>(1, epochs))
        , throttle_(epochs, 0.1) {
        clock_.start();
    }

    void begin() { throttle_.begin(now()); }
    void epoch(int64_t epoch, double loss) {
        const double now = this->now();
        const bool due = throttle_.add(epoch, loss, now);
        const bool nextTenth = (epoch + 1) * 10 / total_ != epoch * 10 / total_;
        if (terminal_ ? due : (nextTenth || now - lastLine_ >= 10.0)) {
            print(throttle_.take(now), loss);
            lastLine_ = now;
        }
    }
    void finish() {
        if (terminal_) {
            std::fputc('\n', stderr);
        }
    }

private:
    double now() const { return double(clock_.nsecsElapsed()) * 1e-9; }
    void print(const ProgressBatch& b, double loss) {
        const double fraction = double(b.epochsDone) / double(total_);
        const QString eta =
            b.etaSeconds < 0 ? QStringLiteral("?") : QString::number(b.etaSeconds, 'f', 1) + u's';
        if (terminal_) {
            const int width = 30, filled = int(fraction * width);
            std::fprintf(
                stderr, "\r[%s%s] %3d%% epoch %lld/%lld loss %.4g  %.0f epochs/s  ETA %s  ",
                QByteArray(filled, '#').constData(), QByteArray(width - filled, '.').constData(),
                int(fraction * 100), (long long)b.epochsDone, (long long)total_, loss,
                b.epochsPerSecond, qPrintable(eta));
        } else {
            std::fprintf(stderr, "epoch %lld/%lld loss %.6g (%.0f epochs/s, ETA %s)\n",
                         (long long)b.epochsDone, (long long)total_, loss, b.epochsPerSecond,
                         qPrintable(eta));
        }
        std::fflush(stderr);
    }

    bool terminal_;
    int64_t total_;
    ProgressThrottle throttle_;
    QElapsedTimer clock_;
    double lastLine_ = 0.0;
};

void addOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "Train one experiment without a window; the result JSON goes to --out or stdout."));
    p.addHelpOption();
    const auto opt = [&p](const char* name, const char* help, const char* value = nullptr) {
        p.addOption(value ? QCommandLineOption(QLatin1String(name), QLatin1String(help),
                                               QLatin1String(value))
                          : QCommandLineOption(QLatin1String(name), QLatin1String(help)));
    };
    opt("experiment", "Start from the config in an experiment file (flags override it).", "file");
    opt("data", "Data set: chirp (default), volume4d, hyper6d, csv.", "name");
    opt("csv", "Train on a two-column CSV signal (x,y); implies --data csv.", "file");
    opt("grid", "Points per axis: volume4d (default 20), hyper6d (default 8).", "G");
    opt("model", "Model: wave-ensemble (default), interference, siren, rff.", "name");
    opt("waves", "Wave ensemble: number of waves (default 16).", "n");
    opt("kernel",
        "Wave ensemble, interference basis and SIREN: fused (default; CPU) or composed tensor ops.",
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

// The run's record: task --task of a stored sweep is taken from the queue
// where 'sweep' put it; any other run gets a new record.
std::unique_ptr<TrainRecording> recordingFor(const StoreLocation& location,
                                             const ExperimentConfig& config,
                                             const QCommandLineParser& p,
                                             const std::optional<SweepTask>& task,
                                             const QString& sweepName) {
    const QString sweepId = p.value(QStringLiteral("sweep-id"));
    if (task && !sweepId.isEmpty()) {
        RunStore store;
        QString error;
        const auto claimed = store.open(location, &error)
                                 ? store.claimQueuedRun(sweepId, task->index, &error)
                                 : std::nullopt;
        if (claimed) {
            RunRecord record = *claimed;
            record.config = config;
            record.pid = QCoreApplication::applicationPid();
            return std::make_unique<TrainRecording>(location, record, true);
        }
        std::fprintf(stderr, "dredge-studio train: %s; recording a new run\n", qPrintable(error));
    }
    QString name = p.value(QStringLiteral("name"));
    if (name.isEmpty() && task) {
        name = QStringLiteral("%1 #%2: %3").arg(sweepName).arg(task->index).arg(task->label());
    }
    RunRecord record = newRunRecord(config, name.isEmpty() ? describe(config) : name);
    if (task) {
        record.sweepId = sweepId;
        record.sweepTask = task->index;
    }
    return std::make_unique<TrainRecording>(location, record, false);
}

// Before training (`ended` false) and after it.
void warnIfNotStored(const TrainRecording& recording, bool ended = false) {
    if (!recording.problem().isEmpty()) {
        std::fprintf(stderr,
                     ended ? "dredge-studio train: warning: the run is not in the store: %s\n"
                           : "dredge-studio train: warning: %s; training goes on without it\n",
                     qPrintable(recording.problem()));
    }
}

} // namespace

int runTrainCommand(const QStringList& arguments) {
    QCommandLineParser parser;
    addOptions(parser);
    const auto fail = [](const QString& reason) {
        std::fprintf(stderr, "dredge-studio train: %s\n", qPrintable(reason));
        return 2;
    };
    if (!parser.parse(arguments)) {
        return fail(parser.errorText());
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    }
    ExperimentConfig config;
    std::optional<SweepTask> task;
    QString sweepName;
    try {
        task = sweepTaskFrom(parser, &sweepName);
        config = configFrom(parser, task);
    } catch (const BadArguments& e) {
        return fail(e.reason);
    }

    std::unique_ptr<TrainRecording> recording;
    if (!parser.isSet(QStringLiteral("no-store"))) {
        QString error;
        const auto location =
            parseStoreUrl(chooseStoreUrl(parser.value(QStringLiteral("store"))), &error);
        if (!location) {
            return fail(error);
        }
        recording = recordingFor(*location, config, parser, task, sweepName);
        warnIfNotStored(*recording); // a store that cannot open says so before training
        recording->onProblemChange([](const QString& problem) {
            if (problem.isEmpty()) {
                std::fputs("dredge-studio train: the store works again; held writes are going "
                           "in\n",
                           stderr);
            } else {
                std::fprintf(stderr, "dredge-studio train: warning: %s; training goes on\n",
                             qPrintable(problem));
            }
        });
    }

    tuneMallocForTraining();
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    ProgressPrinter printer(config.train.epochs);
    RunSetup setup;
    TrainResult result;
    try {
        result = train(
            config,
            [&](const Trainer& trainer, int64_t epoch, double loss) {
                printer.epoch(epoch, loss);
                const bool stop = interrupted.load();
                if (recording) {
                    recording->epoch(trainer, epoch, loss,
                                     stop || epoch + 1 == config.train.epochs);
                }
                return stop ? EpochVerdict::Stop : EpochVerdict::Continue;
            },
            [&](const Trainer& trainer) {
                setup = trainer.setup();
                if (recording) {
                    recording->ready(trainer);
                }
                std::fprintf(stderr, "training %s on %s: %lld parameters, %lld epochs\n",
                             modelKindName(config.model.kind).data(), setup.dataDescription.c_str(),
                             (long long)setup.parameters, (long long)config.train.epochs);
                printer.begin();
            });
    } catch (const CsvError& e) {
        return fail(QString::fromUtf8(e.what()));
    } catch (const std::invalid_argument& e) {
        return fail(QString::fromUtf8(e.what()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dredge-studio train: failed: %s\n", e.what());
        if (recording) {
            result.status = RunStatus::Failed;
            result.error = e.what();
            recording->finish(result);
            warnIfNotStored(*recording, true);
        }
        return 1;
    }
    printer.finish();
    const bool stored = recording && recording->finish(result);
    if (recording) {
        warnIfNotStored(*recording, true);
    }

    QJsonObject summary = toJson(result, true);
    if (setup.zeroPredictorMse > 0 && std::isfinite(result.finalLoss)) {
        // docs/reference.md §6: a loss means little without the flat-line baseline beside it.
        summary.insert(QStringLiteral("final_relative_mse"),
                       result.finalLoss / setup.zeroPredictorMse);
        summary.insert(QStringLiteral("final_psnr_db"), psnr(result.finalLoss, setup.targetPeak));
    }
    QJsonObject output{{"app", QStringLiteral("dredge-studio")},
                       {"version", QCoreApplication::applicationVersion()},
                       {"config", toJson(config)},
                       {"setup", toJson(setup)},
                       {"result", summary}};
    if (recording) {
        // The id names the run even when the store failed: it is what a later
        // import or a retried write would use.
        output.insert(QStringLiteral("run_id"), recording->runId());
        output.insert(QStringLiteral("store"), recording->url());
        output.insert(QStringLiteral("stored"), stored);
    }
    const QByteArray json = QJsonDocument(output).toJson(QJsonDocument::Indented);
    if (parser.isSet(QStringLiteral("out"))) {
        QSaveFile file(parser.value(QStringLiteral("out")));
        if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
            std::fprintf(stderr, "dredge-studio train: cannot write '%s': %s\n",
                         qPrintable(file.fileName()), qPrintable(file.errorString()));
            return 1;
        }
    } else {
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    }
    std::fprintf(stderr, "%s after %lld epochs: final loss %.6g, best %.6g, %.4f ms/epoch\n",
                 runStatusName(result.status).data(), (long long)result.epochsDone,
                 result.finalLoss, result.bestLoss, result.msPerEpoch);
    switch (result.status) {
    case RunStatus::Finished:
        return 0;
    case RunStatus::Diverged:
        return 3;
    case RunStatus::Stopped:
        return 130;
    case RunStatus::Failed:
        break;
    }
    return 1;
}

} // namespace dredge
