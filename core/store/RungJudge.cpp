#include "RungJudge.h"

#include <algorithm>

namespace dredge {

RungJudge::RungJudge(const StoreLocation& store, RunStore::RungArrival run,
                     const SuccessiveHalving& halving, int64_t epochs)
    : location_(store)
    , run_(std::move(run))
    , halving_(halving)
    , rungs_(rungEpochs(halving, epochs)) {}

bool judgedAt(const std::vector<int64_t>& epochs, int64_t epochsDone, RunStore& store,
              const StoreLocation& location, QString* problem) {
    problem->clear(); // said once, where it was met
    return std::binary_search(epochs.begin(), epochs.end(), epochsDone) &&
           (store.isOpen() || store.open(location, problem));
}

std::optional<QString> RungJudge::prunedAfter(int64_t epochsDone, double loss) {
    if (!judgedAt(rungs_, epochsDone, store_, location_, &problem_)) {
        return std::nullopt;
    }
    run_.rung = epochsDone;
    run_.loss = loss;
    const auto promoted = store_.reachRung(run_, halving_, &problem_);
    if (!promoted || *promoted) {
        return std::nullopt;
    }
    return QStringLiteral("pruned at the rung of %1 epochs: its setting's %2 loss there was not "
                          "among the best 1/%3 of the settings that reached it")
        .arg(epochsDone)
        .arg(halving_.objective == SeedObjective::Median ? QStringLiteral("median")
                                                         : QStringLiteral("mean"))
        .arg(halving_.reduction, 0, 'g', 4);
}

} // namespace dredge
