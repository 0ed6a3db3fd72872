#include "RunRecord.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "Trainer.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <QUuid>
#include <array>

namespace dredge {
namespace {

constexpr std::array<const char*, 8> kStatusNames = {
    "queued", "running", "finished", "stopped", "diverged", "failed", "interrupted", "pruned"};

// A run's outcome as the trainer says it and as the store keeps it.
constexpr std::array<std::pair<RunStatus, RecordStatus>, 5> kOutcomes{{
    {RunStatus::Finished, RecordStatus::Finished},
    {RunStatus::Stopped, RecordStatus::Stopped},
    {RunStatus::Diverged, RecordStatus::Diverged},
    {RunStatus::Failed, RecordStatus::Failed},
    {RunStatus::Pruned, RecordStatus::Pruned},
}};

// The size that names a model: n waves, F fields, H hidden units, M features.
struct ModelSize {
    ModelKind kind;
    const char* letter;
    int ModelConfig::*count;
};
constexpr std::array<ModelSize, 4> kModelSizes{{
    {ModelKind::WaveEnsemble, "n", &ModelConfig::waves},
    {ModelKind::Interference, "F", &ModelConfig::fields},
    {ModelKind::Siren, "H", &ModelConfig::hidden},
    {ModelKind::RandomFourier, "M", &ModelConfig::features},
}};

} // namespace

QString recordStatusName(RecordStatus status) {
    return QLatin1String(kStatusNames[size_t(status)]);
}

std::optional<RecordStatus> recordStatusFromName(const QString& name) {
    for (size_t i = 0; i < kStatusNames.size(); ++i) {
        if (name == QLatin1String(kStatusNames[i])) {
            return RecordStatus(i);
        }
    }
    return std::nullopt;
}

RecordStatus recordStatusOf(RunStatus outcome) {
    for (const auto& [run, record] : kOutcomes) {
        if (run == outcome) {
            return record;
        }
    }
    return RecordStatus::Failed;
}

RunStatus runStatusOf(RecordStatus status) {
    for (const auto& [run, record] : kOutcomes) {
        if (record == status) {
            return run;
        }
    }
    return RunStatus::Stopped;
}

QString describe(const ExperimentConfig& c) {
    QString text = QString::fromUtf8(modelKindName(c.model.kind).data());
    for (const auto& size : kModelSizes) {
        if (size.kind == c.model.kind) {
            text +=
                QStringLiteral(" %1=%2").arg(QLatin1String(size.letter)).arg(c.model.*size.count);
        }
    }
    text += QStringLiteral(" on ") + QString::fromUtf8(dataKindName(c.data.kind).data());
    if (const int grid = effectiveGrid(c.data); grid > 0) {
        text +=
            QStringLiteral(" grid %1").arg(grid); // runs that differ only in grid differ in name
    }
    if (c.train.mixedPrecision) {
        text += QStringLiteral(", AMP");
    }
    if (c.train.clipGradients) {
        text += QStringLiteral(", clip %1").arg(c.train.clipMaxNorm);
    }
    return text;
}

RunRecord newRunRecord(const ExperimentConfig& config, const QString& name) {
    RunRecord record;
    record.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    record.name = name;
    record.created = QDateTime::currentDateTimeUtc();
    record.config = config;
    record.appVersion = QCoreApplication::applicationVersion();
    if (record.appVersion.isEmpty()) {
        record.appVersion = QStringLiteral(DREDGE_VERSION);
    }
    record.torchVersion = QString::fromStdString(torchVersion());
    record.host = QSysInfo::machineHostName();
    record.device = QString::fromUtf8(deviceName(config.train.device).data());
    record.pid = QCoreApplication::applicationPid();
    return record;
}

bool matchesFilter(const RunRecord& record, const QString& filter) {
    const auto terms = filter.split(u' ', Qt::SkipEmptyParts);
    for (const auto& term : terms) {
        const auto has = [&term](const QString& text) {
            return text.contains(term, Qt::CaseInsensitive);
        };
        const bool match = has(record.name) || has(record.notes) || has(record.tags.join(u' ')) ||
                           has(QString::fromUtf8(dataKindName(record.config.data.kind).data())) ||
                           has(QString::fromUtf8(modelKindName(record.config.model.kind).data())) ||
                           has(recordStatusName(record.status)) ||
                           record.id.startsWith(term, Qt::CaseInsensitive) ||
                           has(record.created.toString(QStringLiteral("yyyy-MM-dd")));
        if (!match) {
            return false;
        }
    }
    return true;
}

QString spansText(const std::vector<EpochSpan>& spans) {
    if (spans.empty()) {
        return {};
    }
    QJsonArray array;
    for (const auto& span : spans) {
        array.append(
            QJsonObject{{QStringLiteral("from"), double(span.firstEpoch)},
                        {QStringLiteral("count"), double(span.epochs)},
                        {QStringLiteral("path"), QString::fromStdString(span.path)},
                        {QStringLiteral("precision"), QString::fromStdString(span.precision)},
                        {QStringLiteral("seconds"), span.seconds}});
    }
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

std::vector<EpochSpan> spansFromText(const QString& text) {
    std::vector<EpochSpan> spans;
    for (const auto& item : QJsonDocument::fromJson(text.toUtf8()).array()) {
        const auto o = item.toObject();
        spans.push_back({qint64(o.value(QStringLiteral("from")).toDouble()),
                         qint64(o.value(QStringLiteral("count")).toDouble()),
                         o.value(QStringLiteral("path")).toString().toStdString(),
                         o.value(QStringLiteral("precision")).toString().toStdString(),
                         o.value(QStringLiteral("seconds")).toDouble()});
    }
    return spans;
}

QString describeSpans(const std::vector<EpochSpan>& spans) {
    QStringList parts;
    for (const auto& span : spans) {
        parts.append(
            QStringLiteral("%1 %2 %3/s")
                .arg(QString::fromStdString(span.path), QString::fromStdString(span.precision))
                .arg(span.epochsPerSecond(), 0, 'f', 0));
    }
    return parts.join(QStringLiteral(" → "));
}

} // namespace dredge
