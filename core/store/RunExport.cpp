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

} // namespace

QByteArray csvNumber(double value) {
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value > 0 ? "inf" : "-inf";
    }
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

QByteArray csvCell(const std::vector<double>& series, size_t epoch) {
    return epoch < series.size() ? csvNumber(series[epoch]) : QByteArray();
}

QByteArray lossCsvHeader(const QList<QByteArray>& extraColumns) {
    QByteArray header = "run_id,run_name,epoch,loss";
    for (const auto& column : extraColumns) {
        header += ',' + column;
    }
    return header + '\n';
}

QByteArray lossCsvRows(const QString& runId, const QString& runName,
                       const std::vector<double>& losses, size_t from,
                       const std::function<QList<QByteArray>(size_t)>& extra) {
    QByteArray rows;
    const QByteArray prefix = runId.toUtf8() + ',' + csvField(runName) + ',';
    for (size_t epoch = from; epoch < losses.size(); ++epoch) {
        rows += prefix + QByteArray::number(qulonglong(epoch)) + ',' + csvNumber(losses[epoch]);
        if (extra) {
            for (const auto& cell : extra(epoch)) {
                rows += ',' + cell;
            }
        }
        rows += '\n';
    }
    return rows;
}

bool exportRuns(RunStore& store, const QStringList& ids, const QString& path, ExportFormat format,
                QString* error) {
    QByteArray bytes = format == ExportFormat::Csv ? lossCsvHeader() : QByteArray();
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
        bytes += lossCsvRows(record->id, record->name, *losses);
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
