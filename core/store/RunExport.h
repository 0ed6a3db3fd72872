#pragma once
// Stored runs out to files others read: one CSV in long format (run, epoch,
// loss: a row per epoch of every run, what pandas and R want) or one JSON
// array of the runs with their histories. Files are written atomically.

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

namespace dredge {

// The one CSV of losses, long format: `run_id,run_name,epoch,loss`, then the
// extra columns a caller names (the window adds validation and averaged
// losses, the loss plot its x and smoothing). `runs export --csv`, File →
// Export loss history and the loss plot's export all write it.
QByteArray lossCsvHeader(const QList<QByteArray>& extraColumns = {});
// One run's rows from epoch `from` on; `extra(epoch)` gives its extra cells.
QByteArray lossCsvRows(const QString& runId, const QString& runName,
                       const std::vector<double>& losses, size_t from = 0,
                       const std::function<QList<QByteArray>(size_t epoch)>& extra = {});
// A number as the CSV writes it: shortest exact form; nan and inf as pandas reads them.
QByteArray csvNumber(double value);
// A number of a series that may lack the epoch: empty where it does.
QByteArray csvCell(const std::vector<double>& series, size_t epoch);

class RunStore;

enum class ExportFormat { Csv, Json };

bool exportRuns(RunStore& store, const QStringList& ids, const QString& path, ExportFormat format,
                QString* error);

} // namespace dredge
