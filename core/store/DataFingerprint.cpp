#include "DataFingerprint.h"

#include "InputFile.h"
#include "SignalFiles.h"

#include "Sha256.h"

#include <QFile>
#include <QtEndian>
#include <cstring>

namespace dredge {
namespace {

// Hashes each block's floats as little-endian bytes.
void addFloats(Sha256& sha, const FloatBlocks& blocks) {
    QByteArray bytes;
    blocks([&](const float* values, size_t count) {
        bytes.resize(qsizetype(count * sizeof(float)));
        for (size_t i = 0; i < count; ++i) {
            quint32 bits;
            std::memcpy(&bits, &values[i], sizeof bits);
            qToLittleEndian(bits, bytes.data() + qsizetype(i * sizeof bits));
        }
        sha.add(bytes);
    });
}

FloatBlocks oneBlock(const std::vector<float>& values) {
    return [&values](const FloatBlockTaker& take) { take(values.data(), values.size()); };
}

} // namespace

QString dataFingerprint(const DataConfig& data, const FloatBlocks& coords,
                        const FloatBlocks& targets) {
    Sha256 sha;
    if (const auto file = dataSourceFile(data); !file.isEmpty()) {
        // The file the data came from (its reader checked it is a regular
        // file); if it has gone since, the data's own values.
        QString unread;
        const auto bytes =
            readInputFile(file, qint64(1) << 30, QStringLiteral("data file"), &unread)
                .value_or(QByteArray());
        if (!bytes.isEmpty()) {
            return QString::fromLatin1(sha.hexDigest(bytes));
        }
    }
    sha.begin();
    addFloats(sha, coords);
    addFloats(sha, targets);
    return QString::fromLatin1(sha.hexResult());
}

QString dataFingerprint(const DataConfig& data, const std::vector<float>& coords,
                        const std::vector<float>& targets) {
    return dataFingerprint(data, oneBlock(coords), oneBlock(targets));
}

} // namespace dredge
