#pragma once
// Where the run store lives: an embedded SQLite file (the default, in the
// user's data folder) or a PostgreSQL database shared by a team or a cluster.
// Written as a URL: `sqlite:PATH` or `postgresql://user[:password]@host[:port]/db`
// (host may be a Unix-socket folder, percent-encoded or as `?host=/dir`).

#include <QString>
#include <optional>

namespace dredge {

struct StoreLocation {
    enum class Backend { Sqlite, PostgreSql };
    Backend backend = Backend::Sqlite;
    QString path; // SQLite: the database file
    // SQLite: open the file even when `path` is a symbolic link (an empty
    // link target was overwritten with a database); --follow-symlinks.
    bool followSymlinks = false;
    // PostgreSQL: the connection (empty host: libpq's default socket).
    QString host;
    int port = -1; // -1: libpq's default
    QString user;
    QString password;
    QString database;

    // The URL again, without the password: for messages and the GUI.
    QString display() const;
};

std::optional<StoreLocation> parseStoreUrl(const QString& url, QString* error);

// `runs.sqlite` in the user's data folder (QStandardPaths::AppDataLocation).
QString defaultStoreUrl();

// The store a command or the window uses: --store when given, else
// $DREDGE_STORE, else the window's setting (`configured`), else the default.
QString chooseStoreUrl(const QString& explicitUrl, const QString& configured = {});

} // namespace dredge
