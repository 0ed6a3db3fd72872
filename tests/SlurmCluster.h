#pragma once
// A throwaway single-node Slurm for tests (Debian's slurm-wlm and munge): a
// slurm.conf in a temporary folder naming this host on 127.0.0.1 with private
// ports (free ones below the ephemeral range), no cgroups (proctrack/linuxproc, task/none), one
// node with this machine's CPUs; munged on a socket in that folder. munged, slurmctld and slurmd
// run as this process's children in the foreground, so stopping them also reaps them. Needs root.
// Clients find it through SLURM_CONF, which start() sets for this process and its children.

#include <QDir>
#include <QFile>
#include <QHostInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <memory>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

class SlurmCluster {
public:
    SlurmCluster() = default;
    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;
    ~SlurmCluster() { stop(); }

    bool start(QString* why) {
        for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "sinfo"}) {
            if (QStandardPaths::findExecutable(QLatin1String(tool)).isEmpty() &&
                !QFile::exists(QStringLiteral("/usr/sbin/") + QLatin1String(tool))) {
                *why = QStringLiteral("%1 is not installed (Debian: slurm-wlm, munge)").arg(tool);
                return false;
            }
        }
        if (geteuid() != 0) {
            *why = QStringLiteral("a test Slurm runs its daemons as root");
            return false;
        }
        if (!QFile::exists(QStringLiteral("/etc/munge/munge.key"))) {
            *why = QStringLiteral("/etc/munge/munge.key is missing (Debian's munge makes it)");
            return false;
        }
        // slurmd double-forks each job's slurmstepd away from itself: as a
        // subreaper this process gets those orphans back and can reap them,
        // where PID 1 of a container may leave them as zombies.
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        QDir(dir_.path()).mkpath(QStringLiteral("state"));
        QDir(dir_.path()).mkpath(QStringLiteral("spool"));
        if (!writeConfig()) {
            *why = QStringLiteral("cannot write slurm.conf");
            return false;
        }
        qputenv("SLURM_CONF", config().toLocal8Bit());
        const QString d = dir_.path();
        if (!launch(munged_, QStringLiteral("munged"),
                    {QStringLiteral("-F"), QStringLiteral("-f"),
                     QStringLiteral("--socket=") + d + QStringLiteral("/munge.socket"),
                     QStringLiteral("--key-file=/etc/munge/munge.key"),
                     QStringLiteral("--log-file=") + d + QStringLiteral("/munged.log"),
                     QStringLiteral("--pid-file=") + d + QStringLiteral("/munged.pid"),
                     QStringLiteral("--seed-file=") + d + QStringLiteral("/munged.seed")},
                    why) ||
            !waitFor([&] { return QFile::exists(d + QStringLiteral("/munge.socket")); }) ||
            !launch(controller_, QStringLiteral("slurmctld"),
                    {QStringLiteral("-D"), QStringLiteral("-f"), config()}, why) ||
            !launch(node_, QStringLiteral("slurmd"),
                    {QStringLiteral("-D"), QStringLiteral("-f"), config()}, why)) {
            if (why->isEmpty()) {
                *why = QStringLiteral("munged did not create its socket");
            }
            stop();
            return false;
        }
        // Ready once the node reports idle to the controller.
        if (!waitFor([&] { return sinfo().contains(QLatin1String("idle")); })) {
            *why = QStringLiteral("the node never became idle: ") + sinfo() + log();
            stop();
            return false;
        }
        return true;
    }

    void stop() {
        // Jobs still finishing keep a slurmstepd that outlives slurmd: let the
        // queue drain (30 s at most) before the daemons go.
        if (node_ && node_->state() == QProcess::Running) {
            waitFor([&] { return squeue().isEmpty(); });
        }
        for (auto* daemon : {&node_, &controller_, &munged_}) {
            if (*daemon && (*daemon)->state() != QProcess::NotRunning) {
                (*daemon)->terminate();
                if (!(*daemon)->waitForFinished(15000)) {
                    (*daemon)->kill();
                    (*daemon)->waitForFinished(5000);
                }
            }
            daemon->reset();
        }
        // The job steps handed to this subreaper: collect those that ended
        // (only zombies are reaped; nothing running is waited for).
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
    }

    QString config() const { return dir_.filePath(QStringLiteral("slurm.conf")); }
    QString log() const {
        QString text;
        for (const char* name : {"slurmctld.log", "slurmd.log", "munged.log"}) {
            QFile f(dir_.filePath(QLatin1String(name)));
            if (f.open(QIODevice::ReadOnly)) {
                text += QStringLiteral("\n== %1 ==\n").arg(QLatin1String(name)) +
                        QString::fromLocal8Bit(f.readAll().right(2000));
            }
        }
        return text;
    }

private:
    // Two free ports side by side below Linux's ephemeral range (from
    // 32768): fixed ports in it were taken now and then by another test's
    // outgoing connection, and slurmd could not listen.
    static int freePortPair() {
        const auto freePort = [](int port) {
            QTcpServer probe;
            return probe.listen(QHostAddress::Any, quint16(port));
        };
        const int start = 20000 + int(::getpid() % 6000) * 2;
        for (int i = 0; i < 6000; i += 2) {
            const int port = 20000 + (start - 20000 + i) % 12000;
            if (freePort(port) && freePort(port + 1)) {
                return port;
            }
        }
        return 46817;
    }

    bool writeConfig() {
        port_ = freePortPair();
        const QString host = QHostInfo::localHostName().section(u'.', 0, 0);
        const QString d = dir_.path();
        QFile f(config());
        if (!f.open(QIODevice::WriteOnly)) {
            return false;
        }
        const QStringList lines{
            QStringLiteral("ClusterName=dredge-test"),
            QStringLiteral("SlurmctldHost=%1(127.0.0.1)").arg(host),
            QStringLiteral("SlurmctldPort=%1").arg(port_),
            QStringLiteral("SlurmdPort=%1").arg(port_ + 1),
            QStringLiteral("AuthType=auth/munge"),
            QStringLiteral("AuthInfo=socket=%1/munge.socket").arg(d),
            QStringLiteral("CredType=cred/munge"),
            QStringLiteral("SlurmUser=root"),
            QStringLiteral("SlurmdUser=root"),
            QStringLiteral("StateSaveLocation=%1/state").arg(d),
            QStringLiteral("SlurmdSpoolDir=%1/spool").arg(d),
            QStringLiteral("SlurmctldPidFile=%1/slurmctld.pid").arg(d),
            QStringLiteral("SlurmdPidFile=%1/slurmd.pid").arg(d),
            QStringLiteral("SlurmctldLogFile=%1/slurmctld.log").arg(d),
            QStringLiteral("SlurmdLogFile=%1/slurmd.log").arg(d),
            QStringLiteral("ProctrackType=proctrack/linuxproc"),
            QStringLiteral("TaskPlugin=task/none"),
            QStringLiteral("SelectType=select/cons_tres"),
            QStringLiteral("SelectTypeParameters=CR_CPU"),
            QStringLiteral("JobAcctGatherType=jobacct_gather/none"),
            QStringLiteral("AccountingStorageType=accounting_storage/none"),
            QStringLiteral("MpiDefault=none"),
            QStringLiteral("ReturnToService=2"),
            QStringLiteral("NodeName=%1 NodeAddr=127.0.0.1 CPUs=%2 State=UNKNOWN")
                .arg(host)
                .arg(QThread::idealThreadCount()),
            QStringLiteral("PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"),
        };
        return f.write((lines.join(u'\n') + u'\n').toUtf8()) > 0;
    }

    bool launch(std::unique_ptr<QProcess>& process, const QString& daemon,
                const QStringList& arguments, QString* why) {
        process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::MergedChannels);
        process->setStandardOutputFile(dir_.filePath(daemon + QStringLiteral(".out")));
        process->start(daemon, arguments);
        if (!process->waitForStarted(10000)) {
            *why = QStringLiteral("%1 did not start: %2").arg(daemon, process->errorString());
            return false;
        }
        return true;
    }

    QString squeue() const {
        QProcess p;
        p.start(QStringLiteral("squeue"), {QStringLiteral("-h")});
        p.waitForFinished(10000);
        return QString::fromLocal8Bit(p.readAllStandardOutput()).trimmed();
    }

    QString sinfo() const {
        QProcess p;
        p.start(QStringLiteral("sinfo"),
                {QStringLiteral("-h"), QStringLiteral("-o"), QStringLiteral("%T")});
        p.waitForFinished(10000);
        return QString::fromLocal8Bit(p.readAllStandardOutput()).trimmed();
    }

    // Asks again for 30 s at most; each pause ends early if a daemon dies.
    template <typename Ready>
    bool waitFor(Ready ready) {
        QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired()) {
            if (ready()) {
                return true;
            }
            for (auto* daemon : {&munged_, &controller_, &node_}) {
                if (*daemon && (*daemon)->state() == QProcess::NotRunning) {
                    return false;
                }
            }
            munged_->waitForFinished(100);
        }
        return false;
    }

    QTemporaryDir dir_;
    int port_ = 0; // slurmctld's; slurmd's is the next
    std::unique_ptr<QProcess> munged_, controller_, node_;
};
