#include "DataFingerprint.h"

#include "InputFile.h"

#include "Sha256.h"

#include <QFile>
#include <QtEndian>
#include <cstring>

namespace dredge {
namespace {

void appendFloats(QByteArray& bytes, const std::vector<float>& values) {
    const qsizetype start = bytes.size();
    bytes.resize(start + qsizetype(values.size() * sizeof(float)));
    for (size_t i = 0; i < values.size(); ++i) {
        quint32 bits;
        std::memcpy(&bits, &values[i], sizeof bits);
        qToLittleEndian(bits, bytes.data() + start + qsizetype(i * sizeof bits));
    }
}

} // namespace

QString dataFingerprint(const DataConfig& data, const std::vector<float>& coords,
                        const std::vector<float>& targets) {
    QByteArray bytes;
    if (data.kind == DataKind::CsvSignal) {
        // The file the data came from (CsvSignal checked it is a regular file of
        // at most 1 GiB); if it has gone since, the data's own values.
        QString unread;
        bytes = readInputFile(QString::fromStdString(data.csvPath), qint64(1) << 30,
                              QStringLiteral("CSV signal"), &unread)
                    .value_or(QByteArray());
    }
    if (bytes.isEmpty()) {
        appendFloats(bytes, coords);
        appendFloats(bytes, targets);
    }
    Sha256 sha;
    return QString::fromLatin1(sha.hexDigest(bytes));
}

} // namespace dredge
