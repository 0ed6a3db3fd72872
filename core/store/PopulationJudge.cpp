#include "PopulationJudge.h"

#include "RungJudge.h"
#include "Settings.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QThread>
#include <algorithm>

namespace dredge {

PopulationJudge::PopulationJudge(const StoreLocation& store, const SweepSpec& spec, QString sweepId,
                                 PopulationEntry run, int64_t epochs, int jobs,
                                 std::function<void()> flush)
    : location_(store)
    , spec_(spec)
    , sweepId_(std::move(sweepId))
    , run_(std::move(run))
    , boundaries_(generationEpochs(spec.population.interval, epochs))
    , jobs_(jobs)
    , flush_(std::move(flush)) {}

bool PopulationJudge::waitForOthers(int64_t epoch) {
    QElapsedTimer sinceBeat, sinceSweep;
    sinceBeat.start();
    sinceSweep.start();
    for (;;) {
        const auto waiting = store_.boundaryWaitsFor(sweepId_, epoch, jobs_, &problem_);
        if (!waiting || *waiting == 0) {
            return waiting.has_value();
        }
        if (cancelled_ && cancelled_()) {
            return false;
        }
        // Others see this run alive, and a run whose process died stops
        // being waited for once it is marked interrupted.
        if (sinceBeat.elapsed() > 30'000) {
            store_.recordProgress(run_.runId, epoch, QDateTime::currentDateTimeUtc(), nullptr);
            sinceBeat.restart();
        }
        if (sinceSweep.elapsed() > 60'000) {
            store_.markInterruptedRuns(nullptr);
            sinceSweep.restart();
        }
        QThread::msleep(50);
    }
}

std::optional<PopulationExploit> PopulationJudge::exploitAfter(int64_t epochsDone, double loss) {
    if (!judgedAt(boundaries_, epochsDone, store_, location_, &problem_)) {
        return std::nullopt;
    }
    if (flush_) {
        flush_(); // a member copied from this run reads its checkpoint and losses here
    }
    run_.loss = loss;
    if (!store_.arriveAtBoundary(sweepId_, epochsDone, run_, &problem_) ||
        !waitForOthers(epochsDone)) {
        return std::nullopt;
    }
    const auto answer = store_.stepAtBoundary(
        sweepId_, epochsDone, run_.runId,
        [this, epochsDone](auto& entries) { decideBoundary(spec_, entries, epochsDone); },
        &problem_);
    if (!answer || answer->step.source < 0) {
        return std::nullopt;
    }
    run_.setting = answer->step.setting;
    if (answer->sourceRunId.isEmpty()) {
        problem_ = QStringLiteral("member %1 has no run with this seed at epoch %2")
                       .arg(answer->step.source)
                       .arg(epochsDone);
        return std::nullopt;
    }
    const QString objective = spec_.population.objective == SeedObjective::Median
                                  ? QStringLiteral("median")
                                  : QStringLiteral("mean");
    return PopulationExploit{
        epochsDone, answer->step.source, answer->sourceRunId, answer->step.setting,
        QStringLiteral("member %1's %2 loss at epoch %3 was in the bottom %4 % of the population: "
                       "it goes on from member %5's checkpoint there (run %6), explored")
            .arg(run_.member)
            .arg(objective)
            .arg(epochsDone)
            .arg(100.0 * spec_.population.quantile, 0, 'g', 3)
            .arg(answer->step.source)
            .arg(answer->sourceRunId.left(8))};
}

RunJournal exploreChanges(const SweepSpec& spec, const ExperimentConfig& copied,
                          const std::vector<QJsonValue>& setting, int64_t epoch) {
    RunJournal changes;
    for (size_t a = 0; a < spec.axes.size() && a < setting.size(); ++a) {
        const auto* s = findSetting(spec.axes[a].setting);
        if (!s || !isLiveAxis(s->name) || s->get(copied) == setting[a]) {
            continue;
        }
        SettingChange change;
        change.setting = s->name;
        change.value = setting[a];
        change.source = ChangeSource::Sweep;
        change.requested = QDateTime::currentDateTimeUtc();
        change.epoch = epoch;
        changes.push_back(std::move(change));
    }
    return changes;
}

} // namespace dredge
