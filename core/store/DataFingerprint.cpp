#include "DataFingerprint.h"

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
        QFile file(QString::fromStdString(data.csvPath));
        if (file.open(QIODevice::ReadOnly)) {
            bytes = file.readAll();
        }
    }
    if (bytes.isEmpty()) {
        appendFloats(bytes, coords);
        appendFloats(bytes, targets);
    }
    Sha256 sha;
    return QString::fromLatin1(sha.hexDigest(bytes));
}

} // namespace dredge
