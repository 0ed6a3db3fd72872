#pragma once
// A throwaway PostgreSQL cluster for tests (Debian's `postgresql` package):
// initdb into a temporary folder, then a server that listens on a Unix socket
// in that folder only (no TCP), trust authentication. Run as the `postgres`
// user when the tests run as root (initdb refuses root). Stopped and removed
// by the destructor; nothing is left running or enabled.

#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QUrl>
#include <algorithm>
#include <unistd.h>

class PostgresServer {
public:
    PostgresServer() = default;
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;
    ~PostgresServer() { stop(); }

    // Returns false with the reason when the server cannot start here.
    bool start(QString* why) {
        bin_ = binaryFolder();
        if (bin_.isEmpty()) {
            *why = QStringLiteral("PostgreSQL is not installed (Debian: postgresql)");
            return false;
        }
        if (!dir_.isValid()) {
            *why = QStringLiteral("no temporary folder");
            return false;
        }
        data_ = dir_.filePath(QStringLiteral("data"));
        if (geteuid() == 0) {
            // The server runs as postgres: it must own the folder and reach it.
            QFile::setPermissions(dir_.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                   QFileDevice::ExeOwner | QFileDevice::ExeOther |
                                                   QFileDevice::ReadOther);
            if (QProcess::execute(QStringLiteral("chown"),
                                  {QStringLiteral("postgres:postgres"), dir_.path()}) != 0) {
                *why = QStringLiteral("cannot hand the cluster's folder to the postgres user");
                return false;
            }
        }
        QString output;
        if (!run(QStringLiteral("initdb"),
                 {QStringLiteral("-D"), data_, QStringLiteral("-A"), QStringLiteral("trust"),
                  QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("--no-sync")},
                 &output)) {
            *why = QStringLiteral("initdb failed: ") + output;
            return false;
        }
        return launch(why);
    }

    // Starts the server again on the same cluster after stop(): what a store
    // sees when its database comes back.
    bool restart(QString* why) { return !running_ && launch(why); }

    // Stops the server at once (as a crash or an administrator would).
    void stop() {
        if (running_) {
            QString ignored;
            run(QStringLiteral("pg_ctl"),
                {QStringLiteral("-D"), data_, QStringLiteral("-m"), QStringLiteral("immediate"),
                 QStringLiteral("-w"), QStringLiteral("stop")},
                &ignored);
            if (!server_.waitForFinished(10000)) {
                server_.kill();
                server_.waitForFinished(10000);
            }
            running_ = false;
        }
    }

    // The store URL of the cluster's default database.
    QString url() const {
        // Concatenated: the encoded folder's %2F would be taken for arg() markers.
        return QStringLiteral("postgresql://postgres@") +
               QString::fromUtf8(QUrl::toPercentEncoding(dir_.path())) + u':' +
               QString::number(kPort) + QStringLiteral("/postgres");
    }

private:
    // The server runs as this process's child (not daemonised by pg_ctl), so
    // that stopping it also reaps it: no orphan is left behind.
    bool launch(QString* why) {
        QString output;
        server_.setProcessChannelMode(QProcess::MergedChannels);
        server_.setStandardOutputFile(dir_.filePath(QStringLiteral("server.log")),
                                      QIODevice::Append);
        startTool(server_, QStringLiteral("postgres"),
                  {QStringLiteral("-D"), data_, QStringLiteral("-k"), dir_.path(),
                   QStringLiteral("-p"), QString::number(kPort), QStringLiteral("-c"),
                   QStringLiteral("listen_addresses="), QStringLiteral("-c"),
                   QStringLiteral("fsync=off")});
        running_ = server_.waitForStarted(10000);
        if (!running_ || !waitUntilReady(&output)) {
            QFile log(dir_.filePath(QStringLiteral("server.log")));
            log.open(QIODevice::ReadOnly);
            *why = QStringLiteral("the server did not start: ") + output + u' ' +
                   QString::fromLocal8Bit(log.readAll()).trimmed();
            stop();
            return false;
        }
        return true;
    }

    static constexpr int kPort = 54329; // names the socket file; no TCP port is opened

    static QString binaryFolder() {
        const QDir root(QStringLiteral("/usr/lib/postgresql"));
        auto versions = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        std::sort(versions.begin(), versions.end(),
                  [](const QString& a, const QString& b) { return a.toInt() < b.toInt(); });
        for (auto it = versions.crbegin(); it != versions.crend(); ++it) {
            const QString bin = root.filePath(*it + QStringLiteral("/bin"));
            if (QFile::exists(bin + QStringLiteral("/initdb"))) {
                return bin;
            }
        }
        return {};
    }

    // The server accepts connections once its socket exists and startup is
    // done; pg_isready answers at once before that, so ask again, for 30 s at
    // most, while the server process lives.
    bool waitUntilReady(QString* output) {
        QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired() && server_.state() == QProcess::Running) {
            if (run(QStringLiteral("pg_isready"),
                    {QStringLiteral("-h"), dir_.path(), QStringLiteral("-p"),
                     QString::number(kPort)},
                    output)) {
                return true;
            }
            server_.waitForFinished(50); // a pause that ends early if the server dies
        }
        return false;
    }

    // Starts a PostgreSQL tool as the postgres user when this is root.
    void startTool(QProcess& process, const QString& tool, const QStringList& arguments) const {
        const QString program = bin_ + u'/' + tool;
        if (geteuid() == 0) {
            process.start(QStringLiteral("runuser"),
                          QStringList{QStringLiteral("-u"), QStringLiteral("postgres"),
                                      QStringLiteral("--"), program} +
                              arguments);
        } else {
            process.start(program, arguments);
        }
    }

    bool run(const QString& tool, const QStringList& arguments, QString* output) const {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        startTool(process, tool, arguments);
        const bool done = process.waitForFinished(60000);
        *output = QString::fromLocal8Bit(process.readAll()).trimmed();
        return done && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    }

    QTemporaryDir dir_;
    QProcess server_;
    QString bin_;
    QString data_;
    bool running_ = false;
};
