#pragma once
// Stored runs out to files others read: one CSV in long format (run, epoch,
// loss: a row per epoch of every run, what pandas and R want) or one JSON
// array of the runs with their histories. Files are written atomically.

#include <QString>
#include <QStringList>

namespace dredge {

class RunStore;

enum class ExportFormat { Csv, Json };

bool exportRuns(RunStore& store, const QStringList& ids, const QString& path, ExportFormat format,
                QString* error);

} // namespace dredge
