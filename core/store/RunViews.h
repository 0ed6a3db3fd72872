#pragma once
// Read-only JSON views of the run store, one for each reader: `runs list
// --json` and GET /runs, `runs show` and GET /runs/ID, GET /runs/ID/losses.
// Every function returns nothing on a store failure, with why in *error.

#include "RunRecord.h"
#include "SettingChange.h"

#include <QJsonArray>
#include <QJsonObject>
#include <optional>
#include <vector>

namespace dredge {

class RunStore;

// Runs matching every word of `filter` (matchesFilter), newest first;
// archived ones only when asked.
std::optional<std::vector<RunRecord>> listedRuns(RunStore& store, const QString& filter,
                                                 bool archived, QString* error);
QJsonArray runListJson(const std::vector<RunRecord>& runs);

// The journal as `runs show` lists it: applied changes in order, then the
// requests that were refused or never met (a trainer killed before them).
QJsonArray journalJson(const RunJournal& journal, const RunRecord& run);

// Summary: the record, its journal and what it kept (counts, epochs, bytes).
// WithSeries adds the per-epoch arrays (loss, validation, averaged, gradient
// norm) and the kept predictions' epochs.
enum class RunDetail { Summary, WithSeries };
std::optional<QJsonObject> runDetailJson(RunStore& store, const QString& id, RunDetail detail,
                                         QString* error);

// Epochs [from, to) of each per-epoch series the run has (to < 0: its end),
// clamped to what it trained.
std::optional<QJsonObject> lossesJson(RunStore& store, const QString& id, qint64 from, qint64 to,
                                      QString* error);

} // namespace dredge
