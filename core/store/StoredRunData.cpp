#include "StoredRunData.h"

#include "DataFingerprint.h"
#include "RunDataRegeneration.h"

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

} // namespace dredge
