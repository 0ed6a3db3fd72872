#include "RunRecord.h"

#include "Trainer.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <QUuid>
#include <array>

namespace dredge {
namespace {

constexpr std::array<const char*, 7> kStatusNames = {"queued",   "running", "finished",   "stopped",
                                                     "diverged", "failed",  "interrupted"};

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
    switch (outcome) {
    case RunStatus::Finished:
        return RecordStatus::Finished;
    case RunStatus::Stopped:
        return RecordStatus::Stopped;
    case RunStatus::Diverged:
        return RecordStatus::Diverged;
    case RunStatus::Failed:
        break;
    }
    return RecordStatus::Failed;
}

QString describe(const ExperimentConfig& c) {
    QString model = QString::fromUtf8(modelKindName(c.model.kind).data());
    switch (c.model.kind) {
    case ModelKind::WaveEnsemble:
        model += QStringLiteral(" n=%1").arg(c.model.waves);
        break;
    case ModelKind::Interference:
        model += QStringLiteral(" F=%1").arg(c.model.fields);
        break;
    case ModelKind::Siren:
        model += QStringLiteral(" H=%1").arg(c.model.hidden);
        break;
    case ModelKind::RandomFourier:
        model += QStringLiteral(" M=%1").arg(c.model.features);
        break;
    }
    QString text =
        model + QStringLiteral(" on ") + QString::fromUtf8(dataKindName(c.data.kind).data());
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

} // namespace dredge
