#include "CheckpointBlob.h"

#include <QDataStream>
#include <QIODevice>

namespace dredge {
namespace {

constexpr char kTag[] = "DREDGE-CHECKPOINT";
// 2 added weight averaging's state; version 1 blobs (without it) still read.
constexpr qint32 kVersion = 2;
// More values than any model this app builds: a count beyond it is damage.
constexpr quint64 kMaxValues = quint64(1) << 31;

template <typename T>
void writeVector(QDataStream& out, const std::vector<T>& values) {
    out << quint64(values.size());
    for (const T& v : values) {
        out << v;
    }
}

template <typename T>
bool readVector(QDataStream& in, std::vector<T>& values) {
    quint64 count = 0;
    in >> count;
    if (in.status() != QDataStream::Ok || count > kMaxValues ||
        count * sizeof(T) > quint64(in.device()->bytesAvailable())) {
        return false;
    }
    values.resize(size_t(count));
    for (T& v : values) {
        in >> v;
    }
    return in.status() == QDataStream::Ok;
}

QDataStream& configured(QDataStream& stream) {
    stream.setByteOrder(QDataStream::LittleEndian);
    stream.setFloatingPointPrecision(QDataStream::DoublePrecision);
    return stream;
}

} // namespace

QByteArray encodeCheckpoint(const TrainingCheckpoint& c) {
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    configured(out);
    out.writeRawData(kTag, sizeof kTag - 1);
    out << kVersion << qint64(c.epoch) << qint64(c.steps) << c.stepsUniform;
    writeVector(out, c.parameters);
    writeVector(out, c.expAvg);
    writeVector(out, c.expAvgSq);
    std::vector<qint64> slotSteps(c.slotSteps.begin(), c.slotSteps.end());
    writeVector(out, slotSteps);
    writeVector(out, c.bestParameters);
    out << c.bestLoss << c.lossScale << qint32(c.lossScalerGoodSteps) << qint64(c.skippedSteps);
    writeVector(out, c.averagedParameters);
    out << qint64(c.averagedModels) << c.averagedLoss;
    return bytes;
}

bool decodeCheckpoint(const QByteArray& bytes, TrainingCheckpoint* c, QString* error) {
    QDataStream in(bytes);
    configured(in);
    char tag[sizeof kTag - 1] = {};
    qint32 version = 0;
    if (in.readRawData(tag, sizeof tag) != int(sizeof tag) ||
        QByteArray(tag, sizeof tag) != QByteArray(kTag)) {
        *error = QStringLiteral("not a DREDGE Studio checkpoint");
        return false;
    }
    in >> version;
    if (version < 1 || version > kVersion) {
        *error = QStringLiteral("checkpoint version %1 is not known to this build").arg(version);
        return false;
    }
    qint64 epoch = 0, steps = 0, skipped = 0;
    qint32 goodSteps = 0;
    std::vector<qint64> slotSteps;
    in >> epoch >> steps >> c->stepsUniform;
    const bool ok = readVector(in, c->parameters) && readVector(in, c->expAvg) &&
                    readVector(in, c->expAvgSq) && readVector(in, slotSteps) &&
                    readVector(in, c->bestParameters);
    in >> c->bestLoss >> c->lossScale >> goodSteps >> skipped;
    qint64 averagedModels = 0;
    const bool averagedOk = version < 2 || readVector(in, c->averagedParameters);
    if (version >= 2) {
        in >> averagedModels >> c->averagedLoss;
    }
    c->averagedModels = averagedModels;
    const auto fits = [c](const std::vector<double>& v) {
        return v.empty() || v.size() == c->parameters.size();
    };
    if (!ok || !averagedOk || in.status() != QDataStream::Ok || !in.atEnd() || epoch < 0 ||
        c->expAvg.size() != c->parameters.size() || c->expAvgSq.size() != c->parameters.size() ||
        !fits(c->bestParameters) || !fits(c->averagedParameters) || averagedModels < 0) {
        *error = QStringLiteral("the checkpoint is damaged (cut short or inconsistent)");
        return false;
    }
    c->epoch = epoch;
    c->steps = steps;
    c->slotSteps.assign(slotSteps.begin(), slotSteps.end());
    c->lossScalerGoodSteps = goodSteps;
    c->skippedSteps = skipped;
    return true;
}

} // namespace dredge
