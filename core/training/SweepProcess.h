#pragma once
// An adaptive sweep (asha, hyperband, tpe, pbt) started from the window: the
// `dredge-studio sweep FILE` command as a child process, the same one a
// shell runs, since its decisions go through the store and its runs are
// processes of their own. The window shows its progress from the lines the
// command prints and its runs from the store (History), and stops it as
// Ctrl+C does: its running runs are recorded as stopped, the others stay
// queued for `sweep FILE` (or this) to go on with.

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace dredge {

class SweepProcess : public QObject {
    Q_OBJECT
public:
    enum class State { Running, Done, Stopped, Failed };

    // `arguments`: after `sweep`: the file, --store, --jobs, …;
    // `environment`: added to this process's (PGPASSWORD for a store's).
    SweepProcess(QString name, QString executable, QStringList arguments,
                 QProcessEnvironment environment, QObject* parent = nullptr);
    ~SweepProcess() override;

    void start();
    // SIGTERM, as Ctrl+C: the sweep ends its running runs as stopped.
    void stop();

    const QString& name() const { return name_; }
    int done() const { return done_; }
    int total() const { return total_; }
    int running() const { return running_; }
    State state() const { return state_; }
    // Why it failed: the command's last line on standard error.
    const QString& problem() const { return problem_; }

Q_SIGNALS:
    void changed();
    void finished();

private:
    void readProgress();
    void ended(int exitCode, QProcess::ExitStatus how);

    QString name_;
    QString executable_;
    QStringList arguments_;
    QProcess process_;
    QByteArray partial_; // a line not yet ended
    int done_ = 0, total_ = 0, running_ = 0;
    State state_ = State::Running;
    QString problem_;
};

} // namespace dredge
