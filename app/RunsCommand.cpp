#include "RunsCommand.h"

#include "FieldEvaluator.h"
#include "FieldSignal.h"

#include "KeptModel.h"
#include "ParameterReplay.h"
#include "PointsFile.h"
#include "RunExport.h"
#include "RunRecordJson.h"
#include "RunRequests.h"
#include "RunStore.h"
#include "RunViews.h"
#include "StoredRunData.h"

#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QSysInfo>
#include <QThread>
#include <cmath>
#include <csignal>
#include <cstdio>

namespace dredge {
namespace {

constexpr const char* kUsage =
    "usage: dredge-studio runs list [--filter TEXT] [--archived] [--json]\n"
    "       dredge-studio runs show ID\n"
    "       dredge-studio runs export ID... (--csv FILE | --json FILE)\n"
    "       dredge-studio runs export ID[@EPOCH] --torchscript FILE.pt [--int8]\n"
    "       dredge-studio runs export ID[@EPOCH] --png FILE.png [--scale K | --size WxH]\n"
    "       dredge-studio runs export ID[@EPOCH] --wav FILE.wav [--rate HZ]\n"
    "       dredge-studio runs export ID[@EPOCH] --npy FILE.npy [--scale K]\n"
    "       dredge-studio runs delete [--force] ID...\n"
    "       dredge-studio runs predict ID[@EPOCH] [--points FILE.csv] --out FILE.csv\n"
    "       dredge-studio runs params ID[@EPOCH] [--json]\n"
    "       dredge-studio runs set ID KEY=VALUE... [--no-wait] [--timeout S]\n"
    "       dredge-studio runs pause|resume|stop ID [--no-wait] [--timeout S]\n"
    "Every form takes --store URL (default: $DREDGE_STORE, else runs.sqlite in the\n"
    "user's data folder). IDs may be shortened to a unique prefix. @EPOCH counts\n"
    "epochs done (@0: the initial parameters); without it, the model the run ended\n"
    "with. set, pause, resume and stop reach a run training in any process that\n"
    "writes to the store, at its next epoch boundary (live settings: see train\n"
    "--help's list); they wait for its answer.\n";

int fail(const QString& reason, int status) {
    std::fprintf(stderr, "dredge-studio runs: %s\n", qPrintable(reason));
    return status;
}

void print(const QByteArray& bytes) {
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
}

QString figure(double value) {
    return std::isfinite(value) ? QString::number(value, 'g', 4) : QStringLiteral("-");
}

// One line a run, newest first: what a terminal shows.
void printTable(const std::vector<RunRecord>& runs) {
    std::printf("%-8s  %-16s  %-11s  %-9s  %-13s  %11s  %10s  %s\n", "ID", "CREATED (UTC)",
                "STATUS", "DATA", "MODEL", "EPOCHS", "FINAL", "NAME");
    for (const auto& r : runs) {
        const QString epochs = QStringLiteral("%1/%2").arg(r.epochsDone).arg(r.config.train.epochs);
        std::printf("%-8s  %-16s  %-11s  %-9s  %-13s  %11s  %10s  %s%s\n", qPrintable(r.id.left(8)),
                    qPrintable(r.created.toString(QStringLiteral("yyyy-MM-dd HH:mm"))),
                    qPrintable(recordStatusName(r.status)), dataKindName(r.config.data.kind).data(),
                    modelKindName(r.config.model.kind).data(), qPrintable(epochs),
                    qPrintable(figure(r.finalLoss)), r.starred ? "* " : "", qPrintable(r.name));
    }
}

// Full ids for the given prefixes, or why one does not name a single run.
std::optional<QStringList> resolveAll(RunStore& store, const QStringList& prefixes,
                                      QString* error) {
    QStringList ids;
    for (const auto& prefix : prefixes) {
        const auto id = store.resolveId(prefix, error);
        if (!id) {
            return std::nullopt;
        }
        ids.append(*id);
    }
    return ids;
}

int list(RunStore& store, const QCommandLineParser& p) {
    QString error;
    const auto shown = listedRuns(store, p.value(QStringLiteral("filter")),
                                  p.isSet(QStringLiteral("archived")), &error);
    if (!shown) {
        return fail(error, 1);
    }
    if (p.isSet(QStringLiteral("json"))) {
        print(QJsonDocument(runListJson(*shown)).toJson(QJsonDocument::Indented));
    } else {
        printTable(*shown);
    }
    return 0;
}

int show(RunStore& store, const QStringList& prefixes) {
    if (prefixes.size() != 1) {
        return fail(QStringLiteral("show takes one run id"), 2);
    }
    QString error;
    const auto ids = resolveAll(store, prefixes, &error);
    const auto json =
        ids ? runDetailJson(store, ids->first(), RunDetail::WithSeries, &error) : std::nullopt;
    if (!json) {
        return fail(error, ids ? 1 : 2);
    }
    print(QJsonDocument(*json).toJson(QJsonDocument::Indented));
    return 0;
}

bool writeOut(const QString& path, const QByteArray& bytes, QString* error);

// The model a RUN[@EPOCH] kept, or nothing with the reason printed and the
// exit status in *status (1: the store or the parameters; 2: the request).
std::optional<KeptModel> keptModelOrSaid(RunStore& store, const QString& spec, int* status) {
    QString error;
    KeptFailure why{};
    auto model = loadKeptModel(store, spec, &error, &why);
    if (!model) {
        *status = fail(error, why == KeptFailure::Store || why == KeptFailure::FitsNoModel ? 1 : 2);
    }
    return model;
}

// `runs export RUN[@EPOCH] --torchscript FILE.pt [--int8]`: the model at that
// epoch as a TorchScript module.
int exportModel(RunStore& store, const QStringList& specs, const QCommandLineParser& p) {
    const auto precision =
        p.isSet(QStringLiteral("int8")) ? ScriptPrecision::Int8 : ScriptPrecision::Float32;
    if (specs.size() != 1) {
        return fail(QStringLiteral("export --torchscript takes one RUN or RUN@EPOCH"), 2);
    }
    QString error;
    int status = 0;
    const auto model = keptModelOrSaid(store, specs.first(), &status);
    if (!model) {
        return status;
    }
    const auto bytes = torchScriptBytes(*model, precision, &error);
    const QString path = p.value(QStringLiteral("torchscript"));
    if (!bytes || !writeOut(path, *bytes, &error)) {
        return fail(error, 1);
    }
    std::fprintf(stderr, "%s\n",
                 qPrintable(exportSummary(model->kept, path, precision, bytes->size())));
    return 0;
}

// `runs export RUN[@EPOCH] --png FILE.png [--scale K | --size WxH]` (an
// image run), `--wav FILE.wav [--rate HZ]` (a sound run) or `--npy FILE.npy
// [--scale K]` (a volume run): the field sampled afresh (exportField).
std::optional<FieldExport> fieldExportOf(const QCommandLineParser& p) {
    FieldExport request;
    request.file = p.isSet(QStringLiteral("png"))   ? FieldFile::Png
                   : p.isSet(QStringLiteral("wav")) ? FieldFile::Wav
                                                    : FieldFile::Npy;
    bool number = true;
    if (p.isSet(QStringLiteral("rate"))) {
        request.rate = p.value(QStringLiteral("rate")).toInt(&number);
    }
    if (number && p.isSet(QStringLiteral("scale"))) {
        request.scale = p.value(QStringLiteral("scale")).toDouble(&number);
    }
    if (number && p.isSet(QStringLiteral("size"))) {
        const auto size = parseImageSize(p.value(QStringLiteral("size")).toStdString());
        number = size.has_value();
        request.size = size ? QSize(size->first, size->second) : QSize();
    }
    if (!number || request.rate < 0 || !(request.scale > 0.0)) {
        return std::nullopt;
    }
    return request;
}

int exportSampled(RunStore& store, const QStringList& specs, const QCommandLineParser& p) {
    const auto request = fieldExportOf(p);
    if (specs.size() != 1 || !request ||
        (p.isSet(QStringLiteral("scale")) && p.isSet(QStringLiteral("size")))) {
        return fail(QStringLiteral("export --png, --wav or --npy takes one RUN or RUN@EPOCH; "
                                   "--scale is a number above 0 (not with --size), --size "
                                   "WIDTHxHEIGHT as 1024x1024, --rate a whole number of Hz"),
                    2);
    }
    int status = 0;
    const auto model = keptModelOrSaid(store, specs.first(), &status);
    if (!model) {
        return status;
    }
    const QString path = p.value(request->file == FieldFile::Png   ? QStringLiteral("png")
                                 : request->file == FieldFile::Wav ? QStringLiteral("wav")
                                                                   : QStringLiteral("npy"));
    QString error;
    bool refused = false;
    const auto written = exportField(*model, *request, path, &error, &refused);
    if (!written) {
        return fail(error, refused ? 2 : 1);
    }
    std::fprintf(stderr, "%s\n", qPrintable(*written));
    return 0;
}

int exportTo(RunStore& store, const QStringList& prefixes, const QCommandLineParser& p) {
    const bool csv = p.isSet(QStringLiteral("csv")), json = p.isSet(QStringLiteral("json"));
    const bool script = p.isSet(QStringLiteral("torchscript"));
    const bool png = p.isSet(QStringLiteral("png"));
    const bool wav = p.isSet(QStringLiteral("wav")), npy = p.isSet(QStringLiteral("npy"));
    if (p.isSet(QStringLiteral("int8")) && !script) {
        return fail(QStringLiteral("--int8 goes with --torchscript FILE.pt"), 2);
    }
    if ((p.isSet(QStringLiteral("scale")) && !png && !npy) ||
        (p.isSet(QStringLiteral("size")) && !png)) {
        return fail(QStringLiteral("--scale goes with --png or --npy, --size with --png"), 2);
    }
    if (p.isSet(QStringLiteral("rate")) && !wav) {
        return fail(QStringLiteral("--rate goes with --wav FILE.wav"), 2);
    }
    if (prefixes.isEmpty() ||
        int(csv) + int(json) + int(script) + int(png) + int(wav) + int(npy) != 1) {
        return fail(QStringLiteral("export takes run ids and one of --csv FILE, --json FILE, "
                                   "--torchscript FILE.pt, --png FILE.png, --wav FILE.wav or "
                                   "--npy FILE.npy"),
                    2);
    }
    if (script) {
        return exportModel(store, prefixes, p);
    }
    if (png || wav || npy) {
        return exportSampled(store, prefixes, p);
    }
    QString error;
    const auto ids = resolveAll(store, prefixes, &error);
    if (!ids) {
        return fail(error, 2);
    }
    const QString path = p.value(csv ? QStringLiteral("csv") : QStringLiteral("json"));
    if (!exportRuns(store, *ids, path, csv ? ExportFormat::Csv : ExportFormat::Json, &error)) {
        return fail(error, 1);
    }
    std::fprintf(stderr, "exported %lld runs to %s\n", (long long)ids->size(), qPrintable(path));
    return 0;
}

// Whether `pid` on this host is a `dredge-studio train` process (a window's
// runs are stopped in the window: its process is never signalled from here).
bool isTrainProcess(qint64 pid) {
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!cmdline.open(QIODevice::ReadOnly)) {
        return false;
    }
    const auto words = cmdline.readAll().split('\0');
    return words.size() > 1 && words[0].endsWith("dredge-studio") && words[1] == "train";
}

// A run still training may not be deleted under its trainer, which would then
// lose the whole run ("FOREIGN KEY constraint failed"). With --force, a
// `train` process on this host is stopped first (SIGTERM: it records the run
// as stopped) and the deletion waits for that; a run training elsewhere is
// deleted as asked, with a warning.
bool stopIfTraining(RunStore& store, const QString& id, bool force, QString* error) {
    const auto record = store.loadRun(id, error);
    if (!record) {
        return false;
    }
    if (record->status != RecordStatus::Running) {
        return true;
    }
    const bool here = record->host == QSysInfo::machineHostName();
    if (!force) {
        *error = QStringLiteral("run %1 is training (process %2 on %3): stop it first, or "
                                "'runs delete --force' stops a train process on this host")
                     .arg(id.left(8))
                     .arg(record->pid)
                     .arg(record->host);
        return false;
    }
    if (!here) {
        std::fprintf(stderr,
                     "dredge-studio runs: warning: run %s trains on %s; deleting it "
                     "there stops only its recording\n",
                     qPrintable(id.left(8)), qPrintable(record->host));
        return true;
    }
    if (!isTrainProcess(record->pid)) {
        *error = QStringLiteral("run %1 trains in a window (process %2): stop it there")
                     .arg(id.left(8))
                     .arg(record->pid);
        return false;
    }
    ::kill(pid_t(record->pid), SIGTERM);
    QDeadlineTimer deadline(60'000);
    while (!deadline.hasExpired()) {
        const auto now = store.loadRun(id, error);
        if (!now || now->status != RecordStatus::Running) {
            return bool(now);
        }
        QThread::msleep(100); // the trainer writes its end within an epoch and a batch
    }
    *error = QStringLiteral("run %1 did not stop within 60 s").arg(id.left(8));
    return false;
}

int remove(RunStore& store, const QStringList& prefixes, bool force) {
    if (prefixes.isEmpty()) {
        return fail(QStringLiteral("delete takes run ids"), 2);
    }
    QString error;
    const auto ids = resolveAll(store, prefixes, &error);
    if (!ids) {
        return fail(error, 2);
    }
    for (const auto& id : *ids) {
        if (!stopIfTraining(store, id, force, &error)) {
            return fail(error, 1); // nothing deleted
        }
    }
    if (!store.beginWrite(&error) || !store.deleteRuns(*ids, &error) || !store.commit(&error)) {
        store.rollback();
        return fail(error, 1);
    }
    for (const auto& id : *ids) {
        std::printf("deleted %s\n", qPrintable(id));
    }
    return 0;
}

// The kept model of RUN[@EPOCH]; a substituted epoch is said on standard error.
std::optional<KeptModel> loadModel(RunStore& store, const QStringList& specs, const QString& verb,
                                   QString* error) {
    if (specs.size() != 1) {
        *error = QStringLiteral("%1 takes one RUN or RUN@EPOCH").arg(verb);
        return std::nullopt;
    }
    auto model = loadKeptModel(store, specs.first(), error);
    if (model) {
        if (const auto note = model->kept.substitution(); !note.isEmpty()) {
            std::fprintf(stderr, "dredge-studio runs: %s\n", qPrintable(note));
        }
    }
    return model;
}

// Rows of coordinates, time where there is one, then the named columns.
QByteArray pointsCsv(int dims, const QStringList& coordNames, const std::vector<float>& coords,
                     const std::vector<float>& time,
                     const std::vector<std::pair<QString, const std::vector<float>*>>& columns) {
    QStringList header = coordNames;
    if (!time.empty()) {
        header << QStringLiteral("t");
    }
    for (const auto& [name, values] : columns) {
        const int width = int(values->size() * size_t(dims) / coords.size());
        for (int c = 0; c < width; ++c) {
            header << (width == 1 ? name : QStringLiteral("%1%2").arg(name).arg(c + 1));
        }
    }
    QByteArray out = header.join(u',').toUtf8() + '\n';
    const size_t n = coords.size() / size_t(dims);
    const auto number = [&out](float v) { out += QByteArray::number(double(v), 'g', 9); };
    for (size_t i = 0; i < n; ++i) {
        for (int d = 0; d < dims; ++d) {
            number(coords[i * size_t(dims) + size_t(d)]);
            out += d + 1 < dims || !time.empty() || !columns.empty() ? "," : "";
        }
        if (!time.empty()) {
            number(time[i]);
            out += columns.empty() ? "" : ",";
        }
        for (size_t c = 0; c < columns.size(); ++c) {
            const auto& values = *columns[c].second;
            const size_t width = values.size() / n;
            for (size_t k = 0; k < width; ++k) {
                number(values[i * width + k]);
                out += c + 1 < columns.size() || k + 1 < width ? "," : "";
            }
        }
        out += '\n';
    }
    return out;
}

bool writeOut(const QString& path, const QByteArray& bytes, QString* error) {
    if (path == QLatin1String("-")) {
        print(bytes);
        return true;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

// `runs predict`: the model at a kept epoch, on the run's own points (with
// their targets, and the MSE there said) or on the user's.
int predict(RunStore& store, const QStringList& specs, const QCommandLineParser& p) {
    const QString out = p.value(QStringLiteral("out"));
    if (out.isEmpty()) {
        return fail(QStringLiteral("predict takes --out FILE.csv (- for standard output)"), 2);
    }
    QString error;
    auto model = loadModel(store, specs, QStringLiteral("predict"), &error);
    if (!model) {
        return fail(error, 2);
    }
    const auto& record = model->kept.record;
    const int dims = model->evaluator->dims();
    std::vector<float> coords, time, targets;
    QStringList names = coordinateNames(dims);
    if (p.isSet(QStringLiteral("points"))) {
        auto table = readPointsFile(p.value(QStringLiteral("points")), dims, &error);
        if (!table) {
            return fail(error, 2);
        }
        coords = std::move(table->coords);
        time = std::move(table->time);
        names = table->columns;
    } else {
        auto data = storedRunData(record, &error);
        if (!data) {
            return fail(error + QStringLiteral("; --points FILE.csv predicts at your own points"),
                        1);
        }
        coords = std::move(data->coords);
        time = std::move(data->time);
        targets = std::move(data->targets);
    }
    std::vector<float> predicted;
    try {
        predicted = model->evaluator->predict(coords, time);
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()), 1);
    }
    std::vector<std::pair<QString, const std::vector<float>*>> columns;
    if (!targets.empty()) {
        columns.emplace_back(QStringLiteral("target"), &targets);
    }
    columns.emplace_back(QStringLiteral("prediction"), &predicted);
    if (!writeOut(out, pointsCsv(dims, names, coords, time, columns), &error)) {
        return fail(error, 1);
    }
    const auto& kept = model->kept;
    std::fprintf(stderr, "%zu points predicted by run %s at %s\n", coords.size() / size_t(dims),
                 qPrintable(record.id.left(8)), qPrintable(kept.frameName()));
    if (!targets.empty()) {
        std::printf("MSE %.9g", meanSquaredError(predicted, targets));
        const auto& losses = store.lossHistory(record.id, &error);
        if (!kept.isEnd() && losses && kept.epoch() < int64_t(losses->size())) {
            std::printf(" (the run's loss at epoch %lld: %.9g)", (long long)kept.epoch(),
                        (*losses)[size_t(kept.epoch())]);
        }
        std::printf("\n");
    }
    return 0;
}

// `runs params`: the kept parameters at an epoch, tensor by tensor: figures
// per tensor in a terminal, every value with --json.
int params(RunStore& store, const QStringList& specs, bool json) {
    QString error;
    const auto model = loadModel(store, specs, QStringLiteral("params"), &error);
    if (!model) {
        return fail(error, 2);
    }
    const auto& kept = model->kept;
    const auto& layout = model->evaluator->layout();
    if (!json) {
        std::printf("run %s (%s) at %s: %lld parameters\n", qPrintable(kept.record.id.left(8)),
                    modelKindName(kept.record.config.model.kind).data(),
                    qPrintable(kept.frameName()), (long long)kept.frames.width);
        std::printf("%-22s %-10s %12s %12s %12s %12s\n", "TENSOR", "SHAPE", "MEAN", "RMS", "MIN",
                    "MAX");
    }
    QJsonArray tensors;
    for (const auto& slot : layout) {
        const float* v = kept.values() + slot.offset;
        QStringList shape;
        QJsonArray shapeJson, values;
        for (auto s : slot.shape) {
            shape << QString::number(s);
            shapeJson.append(qint64(s));
        }
        double sum = 0, squares = 0, low = v[0], high = v[0];
        for (int64_t i = 0; i < slot.count; ++i) {
            sum += v[i];
            squares += double(v[i]) * v[i];
            low = std::min(low, double(v[i]));
            high = std::max(high, double(v[i]));
            values.append(double(v[i]));
        }
        const double n = double(std::max<int64_t>(1, slot.count));
        if (!json) {
            std::printf("%-22s %-10s %12.5g %12.5g %12.5g %12.5g\n", slot.name.c_str(),
                        qPrintable(shape.join(u'x')), sum / n, std::sqrt(squares / n), low, high);
        }
        tensors.append(QJsonObject{{QStringLiteral("name"), QString::fromStdString(slot.name)},
                                   {QStringLiteral("shape"), shapeJson},
                                   {QStringLiteral("values"), values}});
    }
    if (json) {
        QJsonObject out{{QStringLiteral("run"), kept.record.id},
                        {QStringLiteral("model"),
                         QString::fromUtf8(modelKindName(kept.record.config.model.kind).data())},
                        {QStringLiteral("epoch"), qint64(kept.epoch())},
                        {QStringLiteral("end_model"), kept.isEnd()},
                        {QStringLiteral("parameter_count"), qint64(kept.frames.width)},
                        {QStringLiteral("tensors"), tensors}};
        if (kept.asked >= 0) {
            out.insert(QStringLiteral("asked_epoch"), qint64(kept.asked));
        }
        print(QJsonDocument(out).toJson(QJsonDocument::Indented));
    }
    return 0;
}

// The verb decides what --json means: a switch for list, a file for export.
QString verbOf(const QStringList& arguments) {
    static const QStringList valued{
        QStringLiteral("--store"),       QStringLiteral("--filter"), QStringLiteral("--csv"),
        QStringLiteral("--points"),      QStringLiteral("--out"),    QStringLiteral("--timeout"),
        QStringLiteral("--torchscript"), QStringLiteral("--png"),    QStringLiteral("--scale"),
        QStringLiteral("--size"),        QStringLiteral("--wav"),    QStringLiteral("--npy"),
        QStringLiteral("--rate")};
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        if (valued.contains(arguments[i])) {
            ++i;
        } else if (!arguments[i].startsWith(u'-')) {
            return arguments[i];
        }
    }
    return {};
}

} // namespace

int runRunsCommand(const QStringList& arguments) {
    const bool exporting = verbOf(arguments) == QLatin1String("export");
    QCommandLineParser p;
    p.addHelpOption();
    p.addOptions({
        {QStringLiteral("store"), QStringLiteral("The run store (sqlite:PATH or postgresql://…)."),
         QStringLiteral("url")},
        {QStringLiteral("filter"), QStringLiteral("list: only runs matching every word."),
         QStringLiteral("text")},
        {QStringLiteral("archived"), QStringLiteral("list: archived runs too.")},
        {QStringLiteral("follow-symlinks"),
         QStringLiteral("Open a store file that is a symbolic link (refused otherwise).")},
        {QStringLiteral("force"),
         QStringLiteral("delete: stop a run still training (a train process on this host) "
                        "first.")},
        {QStringLiteral("csv"), QStringLiteral("export: one CSV, long format."),
         QStringLiteral("file")},
        {QStringLiteral("torchscript"),
         QStringLiteral("export: the model at RUN[@EPOCH] as a TorchScript module "
                        "(forward(x [N, D], t [N]) -> [N, C]), for torch.jit.load."),
         QStringLiteral("file")},
        {QStringLiteral("int8"),
         QStringLiteral("export --torchscript: INT8 linear layers (dynamic quantisation).")},
        {QStringLiteral("png"),
         QStringLiteral("export: an image run's field at RUN[@EPOCH] drawn as a PNG."),
         QStringLiteral("file")},
        {QStringLiteral("scale"),
         QStringLiteral("export --png, --npy: this many times the size the run trained at "
                        "(default 1)."),
         QStringLiteral("K")},
        {QStringLiteral("wav"),
         QStringLiteral("export: a sound run's field at RUN[@EPOCH] sampled as a 16-bit WAV."),
         QStringLiteral("file")},
        {QStringLiteral("rate"),
         QStringLiteral("export --wav: this many samples a second (default: its file's)."),
         QStringLiteral("Hz")},
        {QStringLiteral("npy"),
         QStringLiteral("export: a volume run's field at RUN[@EPOCH] as a NumPy array (float32, "
                        "z, y, x, values on the scale it fitted)."),
         QStringLiteral("file")},
        {QStringLiteral("size"), QStringLiteral("export --png: this many pixels instead."),
         QStringLiteral("WxH")},
        {QStringLiteral("points"),
         QStringLiteral("predict: predict at these points (CSV: D coordinates, optionally t) "
                        "instead of the run's own."),
         QStringLiteral("file")},
        {QStringLiteral("out"),
         QStringLiteral("predict: the CSV to write (- for standard output)."),
         QStringLiteral("file")},
        {QStringLiteral("no-wait"),
         QStringLiteral("set, pause, resume, stop: store the request and return.")},
        {QStringLiteral("timeout"),
         QStringLiteral("set, pause, resume, stop: seconds to wait for the run's answer "
                        "(default 10)."),
         QStringLiteral("seconds")},
        exporting
            ? QCommandLineOption(QStringLiteral("json"), QStringLiteral("export: one JSON file."),
                                 QStringLiteral("file"))
            : QCommandLineOption(QStringLiteral("json"),
                                 QStringLiteral("list, params: print JSON.")),
    });
    if (!p.parse(arguments)) {
        return fail(p.errorText(), 2);
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    QStringList positional = p.positionalArguments();
    if (positional.isEmpty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const QString verb = positional.takeFirst();
    static const QStringList verbs{QStringLiteral("list"),    QStringLiteral("show"),
                                   QStringLiteral("export"),  QStringLiteral("delete"),
                                   QStringLiteral("predict"), QStringLiteral("params")};
    if (!verbs.contains(verb) && !isRequestVerb(verb)) {
        return fail(QStringLiteral("unknown command '%1'\n%2").arg(verb, QLatin1String(kUsage)), 2);
    }
    QString error;
    auto location = parseStoreUrl(chooseStoreUrl(p.value(QStringLiteral("store"))), &error);
    if (!location) {
        return fail(error, 2);
    }
    location->followSymlinks = p.isSet(QStringLiteral("follow-symlinks"));
    RunStore store;
    if (!store.open(*location, &error)) {
        // A store on a read-only or full disk can still be looked at.
        QString readError;
        if (verb == QLatin1String("delete") || isRequestVerb(verb) ||
            !store.openForReading(*location, &readError)) {
            return fail(error, 1);
        }
        std::fprintf(stderr, "dredge-studio runs: warning: %s; reading it only\n",
                     qPrintable(error));
    }
    if (verb == QLatin1String("list")) {
        if (!positional.isEmpty()) {
            return fail(QStringLiteral("unexpected argument '%1'").arg(positional.first()), 2);
        }
        return list(store, p);
    }
    if (verb == QLatin1String("show")) {
        return show(store, positional);
    }
    if (verb == QLatin1String("export")) {
        return exportTo(store, positional, p);
    }
    if (verb == QLatin1String("predict")) {
        return predict(store, positional, p);
    }
    if (verb == QLatin1String("params")) {
        return params(store, positional, p.isSet(QStringLiteral("json")));
    }
    if (isRequestVerb(verb)) {
        return requestChange(store, verb, positional, p);
    }
    return remove(store, positional, p.isSet(QStringLiteral("force")));
}

} // namespace dredge
