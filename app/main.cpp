// DREDGE Studio entry point. `dredge-studio` opens the window;
// `dredge-studio train ...` runs an experiment headless (no display needed);
// `dredge-studio serve ...` runs the insight server headless;
// `dredge-studio runs ...` lists, shows, exports and deletes stored runs;
// `dredge-studio sweep FILE` runs a sweep here or as a Slurm job array.

#include "AllocatorTuning.h"
#include "ExperimentForm.h"
#include "MainWindow.h"
#include "RunsCommand.h"
#include "RunsModel.h"
#include "ServeCommand.h"
#include "StoreClient.h"
#include "SweepCommand.h"
#include "TrainCommand.h"
#include "VersionReport.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace {

void describeApplication() {
    QCoreApplication::setApplicationName(QStringLiteral("DREDGE Studio"));
    QCoreApplication::setOrganizationName(QStringLiteral("DREDGE"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DREDGE_VERSION));
}

void addWindowOptions(QCommandLineParser& parser) {
    parser.setApplicationDescription(QStringLiteral(
        "DREDGE Studio: train wave-function neural fields.\n"
        "Subcommands: 'train' (headless run, see train --help), 'serve' (insight server),\n"
        "'runs' (the run store: list, show, export, delete, predict, params;\n"
        "see runs --help),\n"
        "'sweep' (many runs from a sweep file, here or on Slurm; see sweep --help)."));
    parser.addHelpOption();
    parser.addOption({{QStringLiteral("v"), QStringLiteral("version")},
                      QStringLiteral("Print the versions of the app and its libraries.")});
    parser.addOptions({
        {QStringLiteral("open"), QStringLiteral("Open an experiment file."),
         QStringLiteral("file")},
        {QStringLiteral("run"), QStringLiteral("Start the experiment at once.")},
        {QStringLiteral("compare-amp"),
         QStringLiteral("Start the experiment twice at once, AMP off and on, to compare.")},
        {QStringLiteral("serve"), QStringLiteral("Start the insight server on this port."),
         QStringLiteral("port")},
        {QStringLiteral("store"),
         QStringLiteral("Keep runs in this store: sqlite:PATH or postgresql://user@host:port/db "
                        "(default: $DREDGE_STORE, the File → Run store setting, else runs.sqlite "
                        "in the user's data folder)."),
         QStringLiteral("url")},
        {QStringLiteral("follow-symlinks"),
         QStringLiteral("Open a store file that is a symbolic link (refused otherwise).")},
        {QStringLiteral("panel"),
         QStringLiteral("Bring this panel to the front: runs, history, sweeps, groups, "
                        "parallel (below the plots), inspector, server (beside the form), "
                        "gradient (the gradient norm under the loss)."),
         QStringLiteral("name")},
        {QStringLiteral("quit-when-done"),
         QStringLiteral("Print each run's summary and quit once all runs have finished.")},
    });
}

} // namespace

int main(int argc, char* argv[]) {
    // The headless commands: no display, no widgets.
    struct Command {
        const char* name;
        int (*run)(const QStringList& arguments);
    };
    static constexpr Command commands[] = {{"train", dredge::runTrainCommand},
                                           {"runs", dredge::runRunsCommand},
                                           {"sweep", dredge::runSweepCommand},
                                           {"serve", dredge::runServeCommand}};
    for (const auto& command : commands) {
        if (argc > 1 && std::strcmp(argv[1], command.name) == 0) {
            QCoreApplication app(argc, argv);
            describeApplication();
            QStringList arguments = QCoreApplication::arguments();
            arguments.removeAt(1); // the parser sees the program name, then options
            return command.run(arguments);
        }
    }

    // --help and --version are answered before the QApplication exists, so
    // that they work without a display; Qt's own options (-platform …) are
    // only known to QApplication, hence the second, full parse below.
    QCommandLineParser parser;
    addWindowOptions(parser);
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments.append(QString::fromLocal8Bit(argv[i]));
    }
    parser.parse(arguments);
    if (parser.isSet(QStringLiteral("help"))) {
        // No application object names the program yet.
        std::fputs(qPrintable(parser.helpText().replace(QLatin1String("<executable_name>"),
                                                        QLatin1String("dredge-studio"))),
                   stdout);
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        QCoreApplication app(argc, argv);
        describeApplication();
        std::fputs(qPrintable(dredge::versionReport(dredge::versionInfo())), stdout);
        return 0;
    }

    QApplication app(argc, argv);
    describeApplication();
    parser.process(app);

    dredge::tuneMallocForTraining();
    dredge::MainWindow window(true, parser.value(QStringLiteral("store")),
                              parser.isSet(QStringLiteral("follow-symlinks")));
    window.show();
    if (parser.isSet(QStringLiteral("open"))) {
        const auto error = window.openExperimentFrom(parser.value(QStringLiteral("open")));
        if (!error.isEmpty()) {
            std::fprintf(stderr, "dredge-studio: %s\n", qPrintable(error));
        }
    }
    if (parser.isSet(QStringLiteral("panel"))) {
        const auto error = window.raisePanel(parser.value(QStringLiteral("panel")));
        if (!error.isEmpty()) {
            std::fprintf(stderr, "dredge-studio: %s\n", qPrintable(error));
        }
    }
    if (parser.isSet(QStringLiteral("serve"))) {
        window.startServer(quint16(parser.value(QStringLiteral("serve")).toUInt()));
    }
    if (parser.isSet(QStringLiteral("compare-amp"))) {
        window.compareAmp();
    } else if (parser.isSet(QStringLiteral("run"))) {
        window.startRun();
    }
    int exitStatus = 0; // 1 when --quit-when-done ends with runs not in the store
    if (parser.isSet(QStringLiteral("quit-when-done"))) {
        QObject::connect(
            window.runs(), &dredge::RunsModel::runChanged, &app, [&window, &exitStatus] {
                const auto& entries = window.runs()->entries();
                const bool allDone =
                    !entries.empty() && std::all_of(entries.begin(), entries.end(),
                                                    [](const auto& e) { return e->ended(); });
                if (!allDone) {
                    return;
                }
                for (const auto& e : entries) {
                    const auto& r = e->record;
                    std::printf("%s: %s after %lld epochs, final loss %.6g, %.4f ms/epoch\n",
                                qPrintable(r.name), qPrintable(dredge::recordStatusName(r.status)),
                                (long long)r.epochsDone, r.finalLoss, r.msPerEpoch);
                }
                std::fflush(stdout);
                // Said, not hidden: a damaged or unwritable store kept the runs in memory only.
                auto* store = window.store();
                if (store && (!store->flush() || store->hasProblem())) {
                    std::fprintf(stderr, "dredge-studio: the runs are not in the store: %s\n",
                                 qPrintable(store->problemText()));
                    exitStatus = 1;
                }
                QTimer::singleShot(0, &window, &QWidget::close);
            });
    }
    const int status = QApplication::exec();
    return status != 0 ? status : exitStatus;
}
