#include "RungJudge.h"

#include <algorithm>

namespace dredge {

RungJudge::RungJudge(const StoreLocation& store, RunStore::RungArrival run,
                     const SuccessiveHalving& halving, int64_t epochs)
    : location_(store)
    , run_(std::move(run))
    , halving_(halving)
    , rungs_(rungEpochs(halving, epochs)) {}

std::optional<QString> RungJudge::prunedAfter(int64_t epochsDone, double loss) {
    problem_.clear(); // said once, at the rung it was met
    if (!std::binary_search(rungs_.begin(), rungs_.end(), epochsDone)) {
        return std::nullopt;
    }
    if (!store_.isOpen() && !store_.open(location_, &problem_)) {
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
