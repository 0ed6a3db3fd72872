#include "StoredRunData.h"

#include "DataFingerprint.h"
#include "RunDataRegeneration.h"
#include "SignalFiles.h"

namespace dredge {

std::optional<RunData> storedRunData(const RunRecord& record, QString* error) {
    std::string why;
    auto data = regenerateRunData(record.config, &why);
    if (!data) {
        *error = QStringLiteral("the data of run %1 cannot be made again: %2")
                     .arg(record.id.left(8), QString::fromStdString(why));
        return std::nullopt;
    }
    if (dataFingerprint(record.config.data, data->coords, data->targets) !=
        record.dataFingerprint) {
        *error = QStringLiteral("the data of run %1 is not what it trained on (its file "
                                "changed since)")
                     .arg(record.id.left(8));
        return std::nullopt;
    }
    return data;
}

std::optional<RunData> relocatedRunData(RunRecord& record, const QString& path, QString* error) {
    RunRecord moved = record;
    if (dataSourceFile(moved.config.data).isEmpty()) {
        *error = QStringLiteral("run %1 trained on data made, not read from a file")
                     .arg(record.id.left(8));
        return std::nullopt;
    }
    // The run's own options (columns, size, span) stay; only the path moves.
    setDataSourceFile(moved.config.data, path);
    moved.config.data.samples.reset();
    QString problem;
    auto made = storedRunData(moved, &problem);
    if (!made) {
        *error = QStringLiteral("%1 is not the file run %2 trained on: %3")
                     .arg(path, record.id.left(8), problem);
        return std::nullopt;
    }
    record = std::move(moved);
    return made;
}

} // namespace dredge
