#pragma once
// What a sweep's search found and what it cost, from its stored runs: the
// best mean final loss of the settings complete so far against the epochs
// trained (every run's, pruned and killed ones too), and what mattered
// (ParameterImportance.h). `sweep` prints it as it ends; the window's
// search view draws it, one sweep beside another.

#include "ParameterImportance.h"
#include "RunStore.h"
#include "Sweep.h"

#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace dredge {

struct SearchSummary {
    QString sweepId;
    QString name;
    // What was searched: the file without its name and sample_seed, so that
    // searches of one space with other search seeds share it.
    QString space;
    SweepMode mode = SweepMode::Grid;
    qint64 epochsSpent = 0; // every run of the sweep, as far as each trained
    qint64 epochsFull = 0;  // training every run to its end
    int settingsComplete = 0;
    // Where the best so far improved: epochs trained by then, and the best.
    std::vector<std::pair<qint64, double>> bestSoFar;
    std::vector<AxisImportance> importance; // empty with fewer than 4 settings complete
};

// `runs`: the sweep's records; `tasks`: its tasks, tpe's with their proposed settings.
SearchSummary summarizeSearch(const SweepSpec& spec, const std::vector<RunRecord>& runs,
                              const std::vector<SweepTask>& tasks);
// Each axis's share across the searches of one space (≥ 2 of them with
// shares): the mean over those searches and, as `spread`, its standard
// deviation across their search seeds; one entry per such space.
struct PooledImportance {
    QStringList names; // the searches pooled
    std::vector<AxisImportance> axes;
};
std::vector<PooledImportance> importanceAcrossSearches(const std::vector<SearchSummary>& searches);

// The same for sweep `sweepId` as `store` holds it (its file, runs and proposals).
std::optional<SearchSummary> searchSummary(RunStore& store, const QString& sweepId, QString* error);

} // namespace dredge
