#pragma once
// A small tmpfs for the store faults only a real file system shows (full,
// read-only). Needs root (mount); unmounted by the destructor.

#include "StoreLocation.h"

#include <QDir>
#include <QProcess>

class SmallFileSystem {
public:
    explicit SmallFileSystem(const QString& path, const QString& size)
        : path_(path) {
        QDir().mkpath(path);
        mounted_ =
            QProcess::execute(QStringLiteral("mount"),
                              {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                               QStringLiteral("size=") + size, QStringLiteral("tmpfs"), path}) == 0;
    }
    ~SmallFileSystem() {
        if (mounted_) {
            QProcess::execute(QStringLiteral("umount"), {path_});
        }
    }
    bool mounted() const { return mounted_; }
    // An SQLite store on it.
    dredge::StoreLocation store() const {
        dredge::StoreLocation location;
        location.path = path_ + QStringLiteral("/runs.sqlite");
        return location;
    }
    bool setReadOnly(bool on) {
        return QProcess::execute(QStringLiteral("mount"),
                                 {QStringLiteral("-o"),
                                  on ? QStringLiteral("remount,ro") : QStringLiteral("remount,rw"),
                                  path_}) == 0;
    }

private:
    QString path_;
    bool mounted_ = false;
};
