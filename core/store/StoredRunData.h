#pragma once
// The points a stored run trained on, made again from its config (the data
// sets are deterministic; a CSV signal is read from its file again) and
// accepted only when they are the data it trained on: same fingerprint. The
// window's replay and `runs predict` both take a stored run's data here.

#include "RunMetaTypes.h"
#include "RunRecord.h"

#include <QString>
#include <optional>

namespace dredge {

// Nothing, with why, when the config makes no data (a CSV file gone) or the
// data made differs from what the run trained on (a CSV file changed).
std::optional<RunData> storedRunData(const RunRecord& record, QString* error);

// A stored run's data from its file found at `path` (moved or renamed): the
// data made from there, with record's config naming `path`, only when it is
// what the run trained on (same fingerprint, so the same bytes). Nothing,
// with why, otherwise; record is then unchanged.
std::optional<RunData> relocatedRunData(RunRecord& record, const QString& path, QString* error);

} // namespace dredge
