// The settings table, row by row: every setting reaches a config, and comes
// back, through each of the ways in (flag, experiment file, sweep axis, form),
// and refuses a value out of its range on each; the table's ranges agree with
// what the numerics accept; and no setting is spelled out in more than two
// files of the app (the figure the settings issue asks for, printed).

#include "ExperimentFile.h"
#include "ExperimentForm.h"
#include "ExperimentJson.h"
#include "RunStore.h"
#include "Settings.h"
#include "Sweep.h"
#include "TrainArguments.h"

#include <QApplication>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace dredge;

namespace {

QByteArray configJson(const ExperimentConfig& c) {
    return QJsonDocument(toJson(c)).toJson(QJsonDocument::Compact);
}

// A config, as close to the defaults as may be, in which the row applies:
// the defaults, or the defaults with one deciding setting changed (another
// data set or model, clipping on, averaging on, another schedule).
ExperimentConfig contextFor(const Setting& row) {
    ExperimentConfig c;
    if (row.applies(c)) {
        return c;
    }
    for (const auto& other : settings()) {
        std::vector<QJsonValue> candidates;
        for (const auto& choice : other.choices) {
            candidates.push_back(choice.name);
        }
        if (other.kind == SettingKind::Switch) {
            candidates.push_back(true);
        }
        if (other.optional) {
            candidates.push_back(other.min);
        }
        for (const auto& value : candidates) {
            ExperimentConfig candidate;
            other.set(candidate, value);
            if (row.applies(candidate)) {
                // Valid: a file the data set is read from is named.
                candidate.data.imagePath = "/data/picture.png";
                candidate.data.volumePath = "/data/head.npy";
                candidate.data.audioPath = "/data/voice.wav";
                candidate.data.tablePath = "/data/flow.csv";
                candidate.data.tableInputs = "z";
                candidate.data.tableOutputs = "w";
                return candidate;
            }
        }
    }
    qFatal("no config in which setting %s applies", qPrintable(row.name));
}

// A value of the row, other than its default, that the numerics accept in its context.
QJsonValue otherValue(const Setting& row, const ExperimentConfig& context) {
    const QJsonValue now = row.get(context);
    switch (row.kind) {
    case SettingKind::Switch:
        return !now.toBool();
    case SettingKind::Choice:
        for (const auto& choice : row.choices) {
            if (choice.name != now.toString() && choice.name != QLatin1String("csv")) {
                return choice.name; // (a CSV signal would need its file)
            }
        }
        break;
    case SettingKind::Path:
        return QStringLiteral("/data/signal.csv");
    case SettingKind::Text:
        return row.textExample;
    case SettingKind::Integer:
        if (now.isNull()) {
            return row.min;
        }
        return now.toDouble() + 1 <= row.max ? now.toDouble() + 1 : now.toDouble() - 1;
    case SettingKind::Real:
        if (!now.isNull() && now.toDouble() != 0.0) {
            return now.toDouble() * 0.5;
        }
        return std::isinf(row.max) ? row.min + 1e-4 : row.min + (row.max - row.min) / 4;
    }
    return {};
}

// The command-line arguments that set `value`.
QStringList flagFor(const Setting& row, const QJsonValue& value) {
    if (row.kind == SettingKind::Switch) {
        return {(value.toBool() ? QStringLiteral("--") : QStringLiteral("--no-")) + row.name};
    }
    const QString text = value.isDouble() ? QString::number(value.toDouble(), 'g', 17)
                         : value.isNull() ? QStringLiteral("none")
                                          : value.toString();
    return {QStringLiteral("--") + row.name, text};
}

std::optional<ExperimentConfig> fromFlags(const QStringList& flags, const ExperimentConfig& base,
                                          QString* error) {
    QCommandLineParser parser;
    addTrainOptions(parser);
    if (!parser.parse(withCurrentFlagNames(QStringList{QStringLiteral("train")} + flags))) {
        *error = parser.errorText();
        return std::nullopt;
    }
    TrainArguments out;
    if (!readTrainArguments(parser, &out, error, &base)) {
        return std::nullopt;
    }
    return out.config;
}

// A value just outside the row's range, or nothing where every number is in it.
std::optional<QJsonValue> outOfRange(const Setting& row) {
    if (row.kind != SettingKind::Integer && row.kind != SettingKind::Real) {
        return std::nullopt;
    }
    const double step = row.kind == SettingKind::Integer ? 1.0 : std::max(1e-9, row.min * 1e-6);
    return QJsonValue(row.minOpen ? row.min : row.min - step);
}

// Source without its comments: a comment that names a key is not a copy of it.
QString codeOf(const QString& path) {
    QFile file(path);
    file.open(QIODevice::ReadOnly);
    QString text = QString::fromUtf8(file.readAll());
    static const QRegularExpression comments(QStringLiteral("//[^\n]*|/\\*.*?\\*/"),
                                             QRegularExpression::DotMatchesEverythingOption);
    return text.remove(comments);
}

// Words that are a setting's name and also something else, where they mean the other thing.
struct Homonym {
    const char* word;
    const char* file;
    const char* meaning;
};
const Homonym kHomonyms[] = {
    {"grid", "app/SweepCommand.cpp", "the sweep mode \"grid\""},
    {"grid", "core/experiment/Sweep.cpp", "the sweep mode \"grid\""},
    {"grid", "ui/SweepDialog.cpp", "the sweep mode \"grid\""},
    {"scale", "core/experiment/Sweep.cpp", "a range's \"scale\": linear or log"},
    {"scale", "ui/SweepDialog.cpp", "a range's \"scale\": linear or log"},
    {"csv", "app/RunsCommand.cpp", "runs export --csv"},
    {"csv", "core/numerics/ExperimentConfig.cpp", "the data set's name \"csv\""},
    {"csv", "ui/PlotFiles.cpp", "the file suffix"},
    {"velocity", "core/numerics/WaveEnsemble.cpp", "a wave's velocity parameter"},
    {"velocity", "core/numerics/InterferenceBasis.cpp", "a wave's velocity parameter"},
    {"w0", "core/numerics/FusedSineLayer.cpp", "autograd's saved w0"},
    {"outputs", "core/numerics/ScriptedField.cpp", "an exported module's output count"},
    // "seconds" is also the unit other options take and what a span of epochs lasted.
    {"seconds", "app/RunsCommand.cpp", "--timeout's value name"},
    {"seconds", "app/TrainArguments.cpp", "a value name of train's own options"},
    {"seconds", "core/store/RunRecord.cpp", "an epoch span's duration in the store"},
    {"seconds", "core/store/RunRecordJson.cpp", "an epoch span's duration in runs show"},
    // The store's columns keep their schema's names, whatever a flag is called.
    {"seed", "core/store/RunStore.cpp", "the runs table's seed column"},
    {"device", "core/store/RunStore.cpp", "the record's device: where the run trained"},
    {"device", "core/store/RunRecordJson.cpp", "the record's device: where the run trained"},
};

bool isHomonym(const QString& word, const QString& file) {
    for (const auto& h : kHomonyms) {
        if (word == QLatin1String(h.word) && file == QLatin1String(h.file)) {
            return true;
        }
    }
    return false;
}

} // namespace

class TestSettings : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyRowRoundTrips_data() {
        QTest::addColumn<QString>("name");
        for (const auto& row : settings()) {
            QTest::newRow(qPrintable(row.name)) << row.name;
        }
    }
    void everyRowRoundTrips() {
        QFETCH(QString, name);
        const Setting& row = *findSetting(name);
        const ExperimentConfig context = contextFor(row);
        const QJsonValue value = otherValue(row, context);
        QVERIFY2(value != row.get(context), "the test needs a value other than the context's");
        ExperimentConfig expected = context;
        row.set(expected, value);
        QCOMPARE(row.get(expected), value);
        QVERIFY2(validate(expected).empty(), validate(expected).c_str());

        // The command line.
        QString error;
        const auto flagged = fromFlags(flagFor(row, value), context, &error);
        QVERIFY2(flagged, qPrintable(error));
        QCOMPARE(row.get(*flagged), value);

        // An experiment file.
        const auto read = experimentFromJson(toJson(expected), &error);
        QVERIFY2(read, qPrintable(error));
        QCOMPARE(row.get(*read), value);
        QCOMPARE(configJson(*read), configJson(expected));

        // A sweep axis, through a sweep file.
        if (row.has(Swept)) {
            SweepSpec spec;
            spec.base = context;
            spec.axes.push_back({row.name, {value}});
            const auto parsed = sweepFromJson(toJson(spec), &error);
            QVERIFY2(parsed, qPrintable(error));
            const auto tasks = expandSweep(*parsed, &error);
            QVERIFY2(tasks, qPrintable(error));
            QCOMPARE(row.get(tasks->front().config), value);
            QVERIFY(sweepSettings().contains(row.name));
        } else {
            QVERIFY(!sweepSettings().contains(row.name));
        }

        // The form: what it is given comes back whole, shown or not.
        ExperimentForm form;
        form.setConfig(expected);
        QCOMPARE(configJson(form.config()), configJson(expected));
        QCOMPARE(row.get(form.config()), value);
        QCOMPARE(form.fieldWidget(row.name) != nullptr, row.has(InForm));
        if (row.has(InForm)) {
            QCOMPARE(form.fieldWidget(row.name)->isVisibleTo(&form), row.applies(expected));
        }
    }

    // A value out of range is refused on every way in, and the refusal names
    // the setting as that way spells it.
    void everyWayInRefusesAValueOutOfRange_data() { everyRowRoundTrips_data(); }
    void everyWayInRefusesAValueOutOfRange() {
        QFETCH(QString, name);
        const Setting& row = *findSetting(name);
        const auto bad = outOfRange(row);
        if (!bad) {
            QSKIP("every value of this kind is in range");
        }
        const ExperimentConfig context = contextFor(row);
        QString error;
        QVERIFY(!fromFlags(flagFor(row, *bad), context, &error));
        QVERIFY2(error.contains(QStringLiteral("--") + row.name), qPrintable(error));
        auto json = toJson(context);
        QJsonObject section = json;
        const QStringList path = row.section.split(u'.');
        std::vector<QJsonObject> chain;
        for (const auto& part : path) {
            chain.push_back(section);
            section = section.value(part).toObject();
        }
        section.insert(row.key, *bad);
        for (qsizetype i = path.size(); i-- > 0;) {
            chain[size_t(i)].insert(path[i], section);
            section = chain[size_t(i)];
        }
        QVERIFY(!experimentFromJson(section, &error));
        QVERIFY2(error.contains(row.section + u'.' + row.key), qPrintable(error));
        if (row.has(Swept)) {
            ExperimentConfig c = context;
            QVERIFY(!applySetting(c, row.name, *bad, &error));
            QVERIFY2(error.startsWith(row.name), qPrintable(error));
        }
    }

    // The numerics accept every value at a closed end of the table's range:
    // the two never disagree about what may run.
    void theNumericsAcceptTheTablesRange() {
        for (const auto& row : settings()) {
            if (row.kind != SettingKind::Integer && row.kind != SettingKind::Real) {
                continue;
            }
            for (const double end : {row.min, row.max}) {
                const bool open = end == row.min ? row.minOpen : row.maxOpen;
                if (open || std::isinf(end) || end > 1e15) {
                    continue;
                }
                ExperimentConfig c = contextFor(row);
                if (row.name == QLatin1String("min-lr") || row.name == QLatin1String("warmup")) {
                    c.train.learningRate = 1.0; // the floor lies below the rate,
                    c.train.epochs = 2;         // the warm-up within the epochs
                }
                row.set(c, end);
                const auto problem = validate(c);
                QVERIFY2(problem.empty(),
                         qPrintable(row.name + u'=' + QString::number(end) + QStringLiteral(": ") +
                                    QString::fromStdString(problem)));
            }
        }
    }

    // The flag names of before the table still work: --clip N and --val.
    void earlierSpellingsStillWork() {
        QString error;
        const auto clip = fromFlags({"--clip", "0.5"}, {}, &error);
        QVERIFY2(clip, qPrintable(error));
        QVERIFY(clip->train.clipGradients);
        QCOMPARE(clip->train.clipMaxNorm, 0.5);
        const auto equals = fromFlags({"--clip=0.25"}, {}, &error);
        QVERIFY2(equals, qPrintable(error));
        QCOMPARE(equals->train.clipMaxNorm, 0.25);
        const auto switchOnly = fromFlags({"--clip", "--epochs", "10"}, {}, &error);
        QVERIFY2(switchOnly, qPrintable(error));
        QVERIFY(switchOnly->train.clipGradients);
        QCOMPARE(switchOnly->train.epochs, 10);
        const auto val = fromFlags({"--val", "0.2"}, {}, &error);
        QVERIFY2(val, qPrintable(error));
        QCOMPARE(val->train.validationShare, 0.2);
        ExperimentConfig amp;
        amp.train.mixedPrecision = true;
        const auto off = fromFlags({"--no-amp"}, amp, &error);
        QVERIFY2(off, qPrintable(error));
        QVERIFY(!off->train.mixedPrecision);
        QVERIFY(!fromFlags({"--amp", "--no-amp"}, {}, &error));
        QVERIFY2(error.contains("exclude each other"), qPrintable(error));
    }

    // What the version before the table wrote still opens, with the same
    // settings: its experiment file, a `train` result given as --experiment,
    // its sweep file (whose tasks keep their labels) and its store.
    void landedFilesStillOpen() {
        const QString dir = QStringLiteral(DREDGE_SOURCE_DIR "/tests/data/landed/");
        QString error;
        const auto document = openExperiment(dir + "experiment.json", &error);
        QVERIFY2(document, qPrintable(error));
        const auto& c = document->experiment;
        QCOMPARE(c.model.kind, ModelKind::Siren);
        QCOMPARE(c.model.w0, 10.0);
        QCOMPARE(c.model.hidden, 16);
        QVERIFY(c.train.clipGradients);
        QCOMPARE(c.train.clipMaxNorm, 0.5);
        QCOMPARE(c.train.schedule.kind, LrSchedule::Step);
        QCOMPARE(c.train.validationShare, 0.2);
        QCOMPARE(document->runs.size(), size_t(1));
        QCOMPARE(document->runs.front().result.lossHistory.size(), size_t(40));
        const auto fromResult = fromFlags({"--experiment", dir + "train-result.json"}, {}, &error);
        QVERIFY2(fromResult, qPrintable(error));
        QCOMPARE(configJson(*fromResult), configJson(c));

        const auto spec = readSweepFile(dir + "sweep.json", &error);
        QVERIFY2(spec, qPrintable(error));
        const auto tasks = expandSweep(*spec, &error);
        QVERIFY2(tasks, qPrintable(error));
        QCOMPARE(tasks->size(), size_t(4));
        QCOMPARE(tasks->front().config.train.clipMaxNorm, 0.25);
        QCOMPARE(tasks->front().config.train.schedule.stepEvery, int64_t(10));

        QTemporaryDir scratch; // a store may be migrated: open a copy
        QVERIFY(QFile::copy(dir + "runs.sqlite", scratch.filePath("runs.sqlite")));
        QFile::setPermissions(scratch.filePath("runs.sqlite"),
                              QFile::ReadOwner | QFile::WriteOwner);
        RunStore store;
        const auto location = parseStoreUrl("sqlite:" + scratch.filePath("runs.sqlite"), &error);
        QVERIFY2(location && store.open(*location, &error), qPrintable(error));
        const auto runs = store.listRuns(&error);
        QVERIFY2(runs, qPrintable(error));
        QCOMPARE(runs->size(), size_t(5));
        QStringList names;
        for (const auto& run : *runs) {
            names.append(run.name);
            if (run.name == QLatin1String("landed siren")) {
                QCOMPARE(configJson(run.config), configJson(c));
                QCOMPARE(store.lossHistory(run.id, &error)->size(), size_t(40));
                QVERIFY(store.resumePoint(run.id, 20, &error));
                // Its kept predictions still read; it kept no parameters.
                const auto snapshots = store.snapshots(run.id, &error);
                QVERIFY(snapshots && !snapshots->empty());
                QCOMPARE(snapshots->back().epoch, qint64(39));
                QVERIFY(store.parameterFrames(run.id, &error)->empty());
            }
        }
        QVERIFY(names.contains("landed siren"));
        for (const auto& task : *tasks) { // the sweep's runs were named by its labels
            QVERIFY2(names.contains(spec->name + QStringLiteral(" #%1: ").arg(task.index) +
                                    task.label()),
                     qPrintable(task.label()));
        }
    }

    // The figure of the settings issue: the files under app/, core/ and ui/
    // that spell each setting's name or key. At most two: the table, and one
    // widget or command that needs it by name.
    void noSettingIsSpelledInMoreThanTwoFiles() {
        const QString root = QStringLiteral(DREDGE_SOURCE_DIR);
        std::map<QString, QString> code;
        for (const char* dir : {"app", "core", "ui"}) {
            QDirIterator it(root + u'/' + QLatin1String(dir), {"*.cpp", "*.h"}, QDir::Files,
                            QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                code[path.mid(root.size() + 1)] = codeOf(path);
            }
        }
        QVERIFY(code.size() > 50);
        int worst = 0;
        QStringList report;
        for (const auto& row : settings()) {
            QStringList spelled = QStringList{row.name, row.key} + row.aliases;
            spelled.removeDuplicates();
            if (row.key == QLatin1String("kind")) {
                spelled.removeAll(row.key); // data, model and schedule each have a "kind"
            }
            QStringList files;
            for (const auto& [file, text] : code) {
                for (const auto& word : spelled) {
                    if (text.contains(u'"' + word + u'"') && !isHomonym(word, file)) {
                        files.append(file);
                        break;
                    }
                }
            }
            worst = std::max(worst, int(files.size()));
            report.append(QStringLiteral("%1 %2").arg(row.name).arg(files.size()));
            QVERIFY2(files.size() <= 2, qPrintable(row.name + QStringLiteral(": ") +
                                                   files.join(QStringLiteral(", "))));
        }
        qInfo("files spelling each setting (at most 2): %s; the most: %d",
              qPrintable(report.join(QStringLiteral(", "))), worst);
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    TestSettings test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_settings.moc"
