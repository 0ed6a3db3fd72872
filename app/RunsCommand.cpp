#include "RunsCommand.h"

#include "RunExport.h"
#include "RunRecordJson.h"
#include "RunStore.h"

#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
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
    "       dredge-studio runs delete [--force] ID...\n"
    "Every form takes --store URL (default: $DREDGE_STORE, else runs.sqlite in the\n"
    "user's data folder). IDs may be shortened to a unique prefix.\n";

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
    auto runs = store.listRuns(&error);
    if (!runs) {
        return fail(error, 1);
    }
    const QString filter = p.value(QStringLiteral("filter"));
    const bool archived = p.isSet(QStringLiteral("archived"));
    std::vector<RunRecord> shown;
    for (auto& r : *runs) {
        if ((archived || !r.archived) && matchesFilter(r, filter)) {
            shown.push_back(std::move(r));
        }
    }
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray array;
        for (const auto& r : shown) {
            array.append(toJson(r));
        }
        print(QJsonDocument(array).toJson(QJsonDocument::Indented));
    } else {
        printTable(shown);
    }
    return 0;
}

int show(RunStore& store, const QStringList& prefixes) {
    if (prefixes.size() != 1) {
        return fail(QStringLiteral("show takes one run id"), 2);
    }
    QString error;
    const auto ids = resolveAll(store, prefixes, &error);
    const auto record = ids ? store.loadRun(ids->first(), &error) : std::nullopt;
    const auto losses = record ? store.lossHistory(record->id, &error) : std::nullopt;
    const auto validation =
        losses ? store.lossHistory(record->id, &error, LossSeries::Validation) : std::nullopt;
    const auto averaged =
        validation ? store.lossHistory(record->id, &error, LossSeries::Averaged) : std::nullopt;
    const auto snapshots = averaged ? store.snapshots(record->id, &error) : std::nullopt;
    if (!snapshots) {
        return fail(error, ids ? 1 : 2);
    }
    QJsonObject json = toJson(*record, *losses);
    const auto series = [&json](const char* key, const std::vector<double>& values) {
        if (values.empty()) {
            return;
        }
        QJsonArray array;
        for (double loss : values) {
            array.append(std::isfinite(loss) ? QJsonValue(loss) : QJsonValue());
        }
        json.insert(QLatin1String(key), array);
    };
    series("validation_history", *validation);
    series("averaged_history", *averaged); // null before the first average
    QJsonArray epochs;
    for (const auto& s : *snapshots) {
        epochs.append(s.epoch);
    }
    json.insert(QStringLiteral("snapshot_epochs"), epochs);
    print(QJsonDocument(json).toJson(QJsonDocument::Indented));
    return 0;
}

int exportTo(RunStore& store, const QStringList& prefixes, const QCommandLineParser& p) {
    const bool csv = p.isSet(QStringLiteral("csv")), json = p.isSet(QStringLiteral("json"));
    if (prefixes.isEmpty() || csv == json) {
        return fail(QStringLiteral("export takes run ids and one of --csv FILE or --json FILE"), 2);
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

// The verb decides what --json means: a switch for list, a file for export.
QString verbOf(const QStringList& arguments) {
    static const QStringList valued{QStringLiteral("--store"), QStringLiteral("--filter"),
                                    QStringLiteral("--csv")};
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
        {QStringLiteral("force"),
         QStringLiteral("delete: stop a run still training (a train process on this host) "
                        "first.")},
        {QStringLiteral("csv"), QStringLiteral("export: one CSV, long format."),
         QStringLiteral("file")},
        exporting
            ? QCommandLineOption(QStringLiteral("json"), QStringLiteral("export: one JSON file."),
                                 QStringLiteral("file"))
            : QCommandLineOption(QStringLiteral("json"), QStringLiteral("list: print JSON.")),
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
    if (verb != QLatin1String("list") && verb != QLatin1String("show") &&
        verb != QLatin1String("export") && verb != QLatin1String("delete")) {
        return fail(QStringLiteral("unknown command '%1'\n%2").arg(verb, QLatin1String(kUsage)), 2);
    }
    QString error;
    const auto location = parseStoreUrl(chooseStoreUrl(p.value(QStringLiteral("store"))), &error);
    if (!location) {
        return fail(error, 2);
    }
    RunStore store;
    if (!store.open(*location, &error)) {
        // A store on a read-only or full disk can still be looked at.
        QString readError;
        if (verb == QLatin1String("delete") || !store.openForReading(*location, &readError)) {
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
    return remove(store, positional, p.isSet(QStringLiteral("force")));
}

} // namespace dredge
