#include "InputFile.h"

#include <QFile>
#include <QLocale>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace dredge {

std::optional<QByteArray> readInputFile(const QString& path, qint64 maxBytes, const QString& what,
                                        QString* error) {
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0) {
        *error = QStringLiteral("cannot open %1 '%2': %3")
                     .arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
        return std::nullopt;
    }
    if (S_ISDIR(info.st_mode)) {
        *error = QStringLiteral("'%1' is a folder; the %2 must be a file").arg(path, what);
        return std::nullopt;
    }
    if (!S_ISREG(info.st_mode)) {
        *error = QStringLiteral("'%1' is not a regular file (a device, FIFO or socket); the %2 "
                                "must be a file")
                     .arg(path, what);
        return std::nullopt;
    }
    const QLocale locale;
    if (qint64(info.st_size) > maxBytes) {
        *error = QStringLiteral("'%1' is %2; the %3 may be at most %4")
                     .arg(path, locale.formattedDataSize(qint64(info.st_size)), what,
                          locale.formattedDataSize(maxBytes));
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1 '%2': %3").arg(what, path, file.errorString());
        return std::nullopt;
    }
    QByteArray bytes = file.read(maxBytes + 1); // a file that grew since: still bounded
    if (bytes.size() > maxBytes) {
        *error = QStringLiteral("'%1' is larger than %2, the most the %3 may be")
                     .arg(path, locale.formattedDataSize(maxBytes), what);
        return std::nullopt;
    }
    return bytes;
}

} // namespace dredge
