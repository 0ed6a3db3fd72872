#include "VersionReport.h"

#include "Sha256.h"
#include "Trainer.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>

namespace dredge {
namespace {

// SQLite reports its own version; asked through a throwaway in-memory database.
QString sqliteVersion() {
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        return QStringLiteral("not installed (Debian: libqt6sql6-sqlite)");
    }
    const QString name = QStringLiteral("version-") + QUuid::createUuid().toString();
    QString version;
    {
        auto db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(QStringLiteral(":memory:"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT sqlite_version()")) && q.next()) {
                version = q.value(0).toString();
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return version.isEmpty() ? QStringLiteral("unknown") : version;
}

} // namespace

VersionInfo versionInfo() {
    VersionInfo info;
    info.app = QStringLiteral(DREDGE_VERSION);
    info.qt = QString::fromLatin1(qVersion());
    info.torch = QString::fromStdString(torchVersion());
    info.openssl = QString::fromLatin1(opensslVersion());
    info.sqlite = sqliteVersion();
    info.cuda = cudaAvailable();
    return info;
}

QString versionReport(const VersionInfo& info) {
    return QStringLiteral("DREDGE Studio %1\n"
                          "Qt %2\n"
                          "LibTorch %3 (%4)\n"
                          "%5\n"
                          "SQLite %6\n")
        .arg(info.app, info.qt, info.torch,
             info.cuda ? QStringLiteral("CUDA available") : QStringLiteral("CPU only"),
             info.openssl, info.sqlite);
}

} // namespace dredge
