#include "SweepProcess.h"

#include <QRegularExpression>

namespace dredge {

SweepProcess::SweepProcess(QString name, QString executable, QStringList arguments,
                           QProcessEnvironment environment, QObject* parent)
    : QObject(parent)
    , name_(std::move(name))
    , executable_(std::move(executable))
    , arguments_(std::move(arguments)) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(environment);
    process_.setProcessEnvironment(env);
    process_.setStandardOutputFile(QProcess::nullDevice()); // the ranking: History shows it
    connect(&process_, &QProcess::readyReadStandardError, this, &SweepProcess::readProgress);
    connect(&process_, &QProcess::finished, this, &SweepProcess::ended);
    connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) { // no finished() follows
            problem_ = process_.errorString();
            state_ = State::Failed;
            Q_EMIT changed();
            Q_EMIT finished();
        }
    });
}

SweepProcess::~SweepProcess() {
    if (process_.state() != QProcess::NotRunning) {
        process_.terminate(); // the window closes: the sweep records its runs as stopped
        if (!process_.waitForFinished(30000)) {
            process_.kill();
            process_.waitForFinished();
        }
    }
}

void SweepProcess::start() {
    process_.start(executable_, QStringList{QStringLiteral("sweep")} + arguments_);
}

void SweepProcess::stop() {
    if (process_.state() != QProcess::NotRunning) {
        process_.terminate();
    }
}

// "sweep ID: 24 runs, 8 at once, into URL" and "[3/24, 2 running] task 5 …",
// as the command prints them.
void SweepProcess::readProgress() {
    static const QRegularExpression planned(QStringLiteral(R"(^sweep \S+: (\d+) runs,)"));
    static const QRegularExpression progress(QStringLiteral(R"(^\[(\d+)/(\d+), (\d+) running\])"));
    partial_ += process_.readAllStandardError();
    qsizetype end = 0;
    while ((end = partial_.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(partial_.left(end)).trimmed();
        partial_.remove(0, end + 1);
        if (const auto m = progress.match(line); m.hasMatch()) {
            done_ = m.captured(1).toInt();
            total_ = m.captured(2).toInt();
            running_ = m.captured(3).toInt();
        } else if (const auto p = planned.match(line); p.hasMatch()) {
            total_ = p.captured(1).toInt();
        }
        if (!line.isEmpty()) {
            problem_ = line;
        }
    }
    Q_EMIT changed();
}

void SweepProcess::ended(int exitCode, QProcess::ExitStatus how) {
    readProgress();
    running_ = 0;
    state_ = how != QProcess::NormalExit ? State::Failed
             : exitCode == 0             ? State::Done
             : exitCode == 130           ? State::Stopped
                                         : State::Failed;
    Q_EMIT changed();
    Q_EMIT finished();
}

} // namespace dredge
