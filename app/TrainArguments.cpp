#include "TrainArguments.h"

#include "InputFile.h"

#include "ExperimentFile.h"
#include "ExperimentJson.h"
#include "Settings.h"

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

// Task --task of the sweep file --sweep, or none without --sweep.
std::optional<SweepTask> sweepTaskFrom(const QCommandLineParser& p, QString* sweepName,
                                       std::optional<SuccessiveHalving>* halving,
                                       std::optional<SweepSpec>* sweep) {
    if (!p.isSet(QStringLiteral("sweep"))) {
        if (p.isSet(QStringLiteral("task")) || p.isSet(QStringLiteral("sweep-id")) ||
            p.isSet(QStringLiteral("sweep-jobs")) || p.isSet(QStringLiteral("sweep-budget"))) {
            throw BadArguments{QStringLiteral(
                "--task, --sweep-id, --sweep-jobs and --sweep-budget go with --sweep")};
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
    *halving = halvingOf(*spec, (*tasks)[size_t(task)]);
    *sweep = spec;
    return (*tasks)[size_t(task)];
}

// What --experiment names: an experiment file (its format and version
// checked), a `train` result (its "config"), or a bare config.
ExperimentConfig experimentFrom(const QString& path) {
    QString why;
    const auto read = readInputFile(path, qint64(512) << 20, QStringLiteral("experiment"), &why);
    if (!read) {
        throw BadArguments{why};
    }
    const QByteArray& bytes = *read;
    QJsonParseError parseError;
    const auto doc = QJsonDocument::fromJson(bytes, &parseError);
    const auto root = doc.object();
    QString error;
    std::optional<ExperimentConfig> loaded;
    if (!doc.isObject()) {
        error = doc.isNull() ? parseError.errorString()
                             : QStringLiteral("the top level is not a JSON object");
    } else if (root.contains(QStringLiteral("format"))) {
        const auto document = parseExperiment(bytes, &error);
        loaded = document ? std::optional(document->experiment) : std::nullopt;
    } else {
        const char* wrapper = root.contains(QStringLiteral("experiment")) ? "experiment"
                              : root.contains(QStringLiteral("config"))   ? "config"
                                                                          : nullptr;
        const auto config = wrapper ? root.value(QLatin1String(wrapper)) : QJsonValue(root);
        loaded = config.isObject() ? experimentFromJson(config.toObject(), &error) : std::nullopt;
        if (!config.isObject()) {
            error = QStringLiteral("\"%1\" is not a JSON object").arg(QLatin1String(wrapper));
        }
    }
    if (!loaded) {
        throw BadArguments{QStringLiteral("experiment '%1': %2").arg(path, error)};
    }
    return *loaded;
}

// Every setting's flag, in the table's order: a switch's --name and
// --no-name, any other --name VALUE.
void applyFlags(const QCommandLineParser& p, ExperimentConfig& c) {
    for (const auto& s : settings()) {
        QString error;
        const QString flag = QStringLiteral("--") + s.name;
        if (s.kind == SettingKind::Switch) {
            const QString off = QStringLiteral("no-") + s.name;
            if (p.isSet(s.name) && p.isSet(off)) {
                throw BadArguments{QStringLiteral("%1 and --%2 exclude each other").arg(flag, off)};
            }
            if (p.isSet(s.name) || p.isSet(off)) {
                applyValue(c, s, p.isSet(s.name), flag, &error);
            }
            continue;
        }
        if (!p.isSet(s.name)) {
            continue;
        }
        const auto value = parseValue(s, p.value(s.name), flag, &error);
        if (!value && s.kind == SettingKind::Choice) {
            throw BadArguments{QStringLiteral("unknown %1 '%2' (choose %3)")
                                   .arg(flag, p.value(s.name), rangeText(s).mid(7))};
        }
        if (!value || !applyValue(c, s, *value, flag, &error)) {
            throw BadArguments{error};
        }
    }
}

ExperimentConfig configFrom(const QCommandLineParser& p, const std::optional<SweepTask>& task,
                            const ExperimentConfig* base) {
    ExperimentConfig c = task ? task->config : base ? *base : ExperimentConfig{};
    if (p.isSet(QStringLiteral("experiment"))) {
        c = experimentFrom(p.value(QStringLiteral("experiment")));
    }
    applyFlags(p, c);
    if (const auto problem = validate(c); !problem.empty()) {
        throw BadArguments{QString::fromStdString(problem)};
    }
    return c;
}

QString optionHelp(const Setting& s) {
    QString help = s.help;
    if (s.kind == SettingKind::Choice) {
        help += u' ' + rangeText(s).replace(0, 1, QStringLiteral("O")) + u'.';
    }
    if (const auto d = defaultText(s); !d.isEmpty()) {
        help += u' ' + d;
    }
    return help;
}

} // namespace

QStringList withCurrentFlagNames(QStringList arguments) {
    // Before the settings table --clip took the norm: --clip N still means
    // --clip --clip-max-norm N.
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        bool number = false;
        if (arguments[i].startsWith(QLatin1String("--clip="))) {
            const QString norm = arguments[i].mid(7);
            arguments[i] = QStringLiteral("--clip");
            arguments.insert(i + 1, QStringLiteral("--clip-max-norm=") + norm);
        } else if (arguments[i] == QLatin1String("--clip") && i + 1 < arguments.size() &&
                   (arguments[i + 1].toDouble(&number), number)) {
            arguments.insert(i + 1, QStringLiteral("--clip-max-norm"));
            i += 2;
        }
    }
    return arguments;
}

namespace {

// train's options that are not settings: where the run starts, where it goes.
struct RunOption {
    const char* name;
    const char* help;
    const char* valueName; // null for a switch
};
constexpr RunOption kRunOptions[] = {
    {"resume",
     "Go on from a stored run's checkpoint (the latest, or the last at or before EPOCH) as a new "
     "run linked to it; its training settings may change (--lr, --schedule, --amp, --clip, "
     "--epochs, ...).",
     "run[@epoch]"},
    {"replay",
     "Train a stored, ended run again from its config and journal (its live changes and its "
     "stop, at the same epochs) as a new run linked to it; on the CPU its losses are the "
     "original's, bit for bit, and the result says whether they are.",
     "run"},
    {"out", "Write the result JSON to this file instead of stdout.", "file"},
    {"name", "The run's name in the store (default: its settings in a few words).", "text"},
    {"store",
     "Record the run into this store: sqlite:PATH or postgresql://user@host:port/db (default: "
     "$DREDGE_STORE, else runs.sqlite in the user's data folder); runs set, pause, resume and "
     "stop reach the run through it.",
     "url"},
    {"no-store", "Do not record the run.", nullptr},
    {"rank-timeout",
     "With --ranks: how long a rank waits for another before the run fails as lost (default "
     "300 s).",
     "seconds"},
    {"follow-symlinks", "Open a store file that is a symbolic link (refused otherwise).", nullptr},
    {"allow-large",
     "Start the run even when its estimated memory is over half of this machine's (refused "
     "otherwise, with the estimate).",
     nullptr},
    {"sweep", "Train one run of this sweep file (with --task; flags override it).", "file"},
    {"task", "Which run of the sweep: 0 to runs - 1.", "i"},
    {"sweep-id",
     "The stored sweep whose queued run --task this is (written by 'sweep' and its Slurm "
     "scripts): the run is taken from the queue.",
     "id"},
    {"sweep-jobs",
     "With --sweep-id: how many of the sweep's runs train at once (a pbt run waits at a "
     "boundary for queued runs that start meanwhile).",
     "J"},
    {"sweep-budget",
     "With --sweep-id: at most E epochs for the whole sweep; a task whose epochs do not fit "
     "stays queued (what 'sweep --slurm --budget' passes).",
     "E"},
    {"after-killed",
     "With --sweep-id: the task's last process was killed (its Slurm script says so); its "
     "record, still running, ends as failed with its history kept, and this process trains the "
     "task again.",
     nullptr},
};

void addOption(QCommandLineParser& p, const RunOption& o) {
    const QString name = QLatin1String(o.name);
    const QString help = QString::fromUtf8(o.help);
    p.addOption(o.valueName ? QCommandLineOption(name, help, QLatin1String(o.valueName))
                            : QCommandLineOption(name, help));
}

} // namespace

void addTrainOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "Train one experiment without a window; the result JSON goes to --out or stdout."));
    p.addHelpOption();
    addOption(p, {"experiment", "Start from the config in an experiment file (flags override it).",
                  "file"});
    for (const auto& s : settings()) {
        const QStringList names = QStringList{s.name} + s.aliases;
        if (s.kind == SettingKind::Switch) {
            p.addOption(QCommandLineOption(names, optionHelp(s)));
            p.addOption(QCommandLineOption(QStringList{QStringLiteral("no-") + s.name},
                                           QStringLiteral("Turn --%1 off.").arg(s.name)));
        } else {
            p.addOption(QCommandLineOption(names, optionHelp(s), s.valueName));
        }
    }
    for (const auto& option : kRunOptions) {
        addOption(p, option);
    }
}

bool readTrainArguments(const QCommandLineParser& parser, TrainArguments* out, QString* error,
                        const ExperimentConfig* base) {
    try {
        out->task = sweepTaskFrom(parser, &out->sweepName, &out->halving, &out->sweep);
        out->config = configFrom(parser, out->task, base);
    } catch (const BadArguments& e) {
        *error = e.reason;
        return false;
    }
    return true;
}

bool takeProposedTask(const QCommandLineParser& parser, TrainArguments* run, SweepTask proposed,
                      QString* error) {
    try {
        run->config = configFrom(parser, proposed, nullptr);
        run->halving = halvingOf(*run->sweep, proposed);
        run->task = std::move(proposed);
    } catch (const BadArguments& e) {
        *error = e.reason;
        return false;
    }
    return true;
}

bool takeForkedConfig(const QCommandLineParser& parser, TrainArguments* run,
                      const ExperimentConfig& parent, QString* error) {
    try {
        run->config = configFrom(parser, std::nullopt, &parent);
    } catch (const BadArguments& e) {
        *error = e.reason;
        return false;
    }
    return true;
}

} // namespace dredge
