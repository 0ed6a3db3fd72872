#pragma once
// A stored run as JSON: what `runs list --json`, `runs show` and the JSON
// export write. Times are ISO 8601 in UTC; non-finite figures are null.

#include "RunRecord.h"

#include <QJsonObject>
#include <vector>

namespace dredge {

QJsonObject toJson(const RunRecord& record);
// The same with its loss history (every epoch) as "loss_history".
QJsonObject toJson(const RunRecord& record, const std::vector<double>& losses);

} // namespace dredge
