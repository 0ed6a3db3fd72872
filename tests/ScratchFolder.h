#pragma once
// A temporary folder for one test class, removed with it, that hands out
// paths no earlier test of the class has used: each store a test opens is a
// new, empty one.

#include <QFile>
#include <QString>
#include <QTemporaryDir>

class ScratchFolder {
public:
    QString filePath(const QString& name) const { return dir_.filePath(name); }
    QString path() const { return dir_.path(); }

    // `pattern` holds %1, replaced by a number no earlier call used.
    QString freshFile(const QString& pattern) { return dir_.filePath(pattern.arg(++serial_)); }
    // A file `name` holding `bytes`; its path, or empty when it cannot be written.
    QString fileWith(const QString& name, const QByteArray& bytes) const {
        QFile file(filePath(name));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size()
                   ? file.fileName()
                   : QString();
    }
    QString freshStore() {
        return QStringLiteral("sqlite:") + freshFile(QStringLiteral("store%1.sqlite"));
    }

private:
    QTemporaryDir dir_;
    int serial_ = 0;
};
