#include "RunExport.h"

#include "RunRecordJson.h"
#include "RunStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSaveFile>

namespace dredge {
namespace {

QByteArray csvField(QString text) {
    return '"' + text.replace(u'"', QStringLiteral("\"\"")).toUtf8() + '"';
}

// Shortest exact form, as the app shows it; nan and inf as pandas reads them.
QByteArray csvNumber(double value) {
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value > 0 ? "inf" : "-inf";
    }
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

} // namespace

bool exportRuns(RunStore& store, const QStringList& ids, const QString& path, ExportFormat format,
                QString* error) {
    QByteArray bytes =
        format == ExportFormat::Csv ? QByteArray("run_id,run_name,epoch,loss\n") : QByteArray();
    QJsonArray runs;
    for (const auto& id : ids) {
        const auto record = store.loadRun(id, error);
        const auto losses = record ? store.lossHistory(id, error) : std::nullopt;
        if (!losses) {
            return false;
        }
        if (format == ExportFormat::Json) {
            runs.append(toJson(*record, *losses));
            continue;
        }
        const QByteArray prefix = record->id.toUtf8() + ',' + csvField(record->name) + ',';
        for (size_t epoch = 0; epoch < losses->size(); ++epoch) {
            bytes += prefix + QByteArray::number(qulonglong(epoch)) + ',' +
                     csvNumber((*losses)[epoch]) + '\n';
        }
    }
    if (format == ExportFormat::Json) {
        bytes = QJsonDocument(runs).toJson(QJsonDocument::Indented);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        if (error) {
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        }
        return false;
    }
    return true;
}

} // namespace dredge
