#pragma once
// `dredge-studio` run as a user runs it from a shell, for the suites that test
// its commands: a real process, its exit status, stdout and stderr. The suite
// defines DREDGE_STUDIO_EXE (tests/CMakeLists.txt).

#include <QProcess>
#include <QStringList>

struct StudioOutcome {
    int exitCode = -1; // -1: it crashed or did not end within 3 minutes
    QByteArray out, err;
};

// storeUrl: DREDGE_STORE for the process (empty: the suite's own);
// workingFolder: where it starts (empty: here).
inline StudioOutcome runStudioProcess(const QStringList& arguments, const QString& storeUrl = {},
                                      const QString& workingFolder = {}) {
    QProcess process;
    if (!storeUrl.isEmpty()) {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_STORE"), storeUrl);
        process.setProcessEnvironment(environment);
    }
    if (!workingFolder.isEmpty()) {
        process.setWorkingDirectory(workingFolder);
    }
    process.start(QStringLiteral(DREDGE_STUDIO_EXE), arguments);
    if (!process.waitForFinished(180000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}
