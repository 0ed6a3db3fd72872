// DREDGE Studio entry point. `dredge-studio` opens the window;
// `dredge-studio train ...` runs an experiment headless (no display needed);
// `dredge-studio serve ...` runs the insight server headless.

#include "AllocatorTuning.h"
#include "MainWindow.h"
#include "ServeCommand.h"
#include "TrainCommand.h"

#include <QApplication>
#include <QCoreApplication>
#include <cstring>
#include <memory>

namespace {

void describeApplication() {
    QCoreApplication::setApplicationName(QStringLiteral("DREDGE Studio"));
    QCoreApplication::setOrganizationName(QStringLiteral("DREDGE"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DREDGE_VERSION));
}

} // namespace

int main(int argc, char* argv[]) {
    const char* command = argc > 1 ? argv[1] : "";
    if (std::strcmp(command, "train") == 0) {
        QCoreApplication app(argc, argv);
        describeApplication();
        QStringList arguments = QCoreApplication::arguments();
        arguments.removeAt(1); // "train": the parser sees the program name, then options
        return dredge::runTrainCommand(arguments);
    }

    if (std::strcmp(command, "serve") == 0) {
        QCoreApplication app(argc, argv);
        describeApplication();
        QStringList arguments = QCoreApplication::arguments();
        arguments.removeAt(1);
        return dredge::runServeCommand(arguments);
    }

    QApplication app(argc, argv);
    describeApplication();
    dredge::tuneMallocForTraining();
    dredge::MainWindow window;
    window.show();
    return QApplication::exec();
}
