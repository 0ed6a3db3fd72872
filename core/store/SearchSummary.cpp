#include "SearchSummary.h"

#include "RunGroups.h"
#include "TrialStore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <map>

namespace dredge {
namespace {

// A setting whose every seed trained to the end: its seeds' final losses
// (NaN where one diverged) and when its last seed ended.
struct SettingEnd {
    std::vector<double> losses;
    int finished = 0;
    QDateTime ended;
};

std::map<int, SettingEnd> settingEnds(const SweepSpec& spec, const std::vector<RunRecord>& runs,
                                      const std::vector<SweepTask>& tasks) {
    const size_t seeds = spec.seeds.size();
    std::map<int, SettingEnd> ends;
    for (const auto& r : runs) {
        const bool counts =
            r.status == RecordStatus::Finished || r.status == RecordStatus::Diverged;
        if (!counts || r.sweepTask < 0 || r.sweepTask >= int(tasks.size())) {
            continue;
        }
        auto& end = ends[tasks[size_t(r.sweepTask)].setting];
        end.losses.resize(seeds, std::nan(""));
        end.losses[size_t(r.sweepTask) % seeds] =
            r.status == RecordStatus::Finished ? r.finalLoss : std::nan("");
        ++end.finished;
        end.ended = std::max(end.ended, r.ended);
    }
    for (auto it = ends.begin(); it != ends.end();) {
        it = it->second.finished == int(seeds) ? std::next(it) : ends.erase(it);
    }
    return ends;
}

std::vector<std::pair<qint64, double>> bestSoFarOf(std::vector<RunRecord> runs,
                                                   const std::map<int, SettingEnd>& ends,
                                                   const SweepSpec& spec) {
    std::vector<std::pair<QDateTime, double>> completions; // when, the setting's mean
    for (const auto& [setting, end] : ends) {
        const auto objective =
            spec.mode == SweepMode::Pbt ? spec.population.objective : spec.halving.objective;
        completions.push_back({end.ended, seedObjective(end.losses, objective)});
    }
    std::sort(completions.begin(), completions.end());
    std::sort(runs.begin(), runs.end(),
              [](const RunRecord& a, const RunRecord& b) { return a.ended < b.ended; });
    std::vector<std::pair<qint64, double>> steps;
    qint64 spent = 0;
    double best = INFINITY;
    size_t next = 0;
    for (const auto& r : runs) {
        spent += epochsTrained(r);
        const double before = best;
        for (; next < completions.size() && completions[next].first <= r.ended; ++next) {
            best = std::min(best, completions[next].second);
        }
        if (best < before) {
            steps.push_back({spent, best});
        }
    }
    return steps;
}

} // namespace

SearchSummary summarizeSearch(const SweepSpec& spec, const std::vector<RunRecord>& runs,
                              const std::vector<SweepTask>& tasks) {
    SearchSummary s;
    s.name = spec.name;
    auto space = toJson(spec);
    space.remove(QStringLiteral("name"));
    space.remove(QStringLiteral("sample_seed"));
    s.space = QString::fromUtf8(QJsonDocument(space).toJson(QJsonDocument::Compact));
    s.mode = spec.mode;
    for (const auto& r : runs) {
        s.epochsSpent += epochsTrained(r);
    }
    for (const auto& task : tasks) {
        s.epochsFull += task.config.train.epochs;
    }
    const auto ends = settingEnds(spec, runs, tasks);
    s.settingsComplete = int(ends.size());
    s.bestSoFar = bestSoFarOf(runs, ends, spec);
    // A pbt member's setting changes as it trains: its first one did not
    // make its loss, so no share is credited to it.
    if (ends.size() < 4 || spec.axes.empty() || spec.mode == SweepMode::Pbt) {
        return s;
    }
    std::vector<TriedSetting> tried;
    for (const auto& [setting, end] : ends) {
        const auto task = std::find_if(tasks.begin(), tasks.end(),
                                       [&](const SweepTask& t) { return t.setting == setting; });
        tried.push_back({axisPoint(spec, *task), end.losses});
    }
    std::vector<ImportanceAxis> axes;
    for (const auto& axis : spec.axes) {
        axes.push_back({axis.setting.toStdString(), axis.isRange});
    }
    s.importance = parameterImportance(axes, tried);
    return s;
}

std::vector<PooledImportance> importanceAcrossSearches(const std::vector<SearchSummary>& searches) {
    std::map<QString, std::vector<const SearchSummary*>> bySpace;
    for (const auto& s : searches) {
        if (!s.importance.empty()) {
            bySpace[s.space].push_back(&s);
        }
    }
    std::vector<PooledImportance> pooled;
    for (const auto& [space, group] : bySpace) {
        if (group.size() < 2) {
            continue;
        }
        PooledImportance p;
        for (size_t a = 0; a < group.front()->importance.size(); ++a) {
            std::vector<double> shares;
            for (const auto* s : group) {
                p.names.append(a == 0 ? s->name : QString());
                if (a < s->importance.size() && std::isfinite(s->importance[a].share)) {
                    shares.push_back(s->importance[a].share);
                }
            }
            const auto sp = spread(shares);
            p.axes.push_back({group.front()->importance[a].name, sp.mean, sp.std, sp.n});
        }
        p.names.removeAll(QString());
        pooled.push_back(std::move(p));
    }
    return pooled;
}

std::optional<SearchSummary> searchSummary(RunStore& store, const QString& sweepId,
                                           QString* error) {
    const auto sweep = store.loadSweep(sweepId, error);
    const auto spec = sweep ? parseSweep(sweep->spec, error) : std::nullopt;
    auto tasks = spec ? expandSweep(*spec, error) : std::nullopt;
    if (tasks && spec->mode == SweepMode::Tpe) {
        tasks = withProposedSettings(store, *spec, sweepId, std::move(*tasks), error);
    }
    const auto all = tasks ? store.listRuns(error) : std::nullopt;
    if (!all) {
        return std::nullopt;
    }
    std::vector<RunRecord> runs;
    std::copy_if(all->begin(), all->end(), std::back_inserter(runs),
                 [&](const RunRecord& r) { return r.sweepId == sweepId; });
    auto summary = summarizeSearch(*spec, runs, *tasks);
    summary.sweepId = sweepId;
    return summary;
}

} // namespace dredge
