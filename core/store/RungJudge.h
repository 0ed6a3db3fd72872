#pragma once
// One run of a halving sweep (asha, hyperband), as it trains: at each rung the store decides
// whether it goes on (RunStore::reachRung), so every process and Slurm task
// of the sweep takes part in one search with no coordinator. A store that
// fails lets the run go on: it costs epochs, never a result.

#include "RunStore.h"
#include "StoreLocation.h"
#include "SuccessiveHalving.h"

#include <QString>
#include <cstdint>
#include <optional>
#include <vector>

namespace dredge {

// Whether a training run's judge asks the store after `epochsDone` epochs:
// it is one of `epochs` and `store` is open (opened from `location` the
// first time; why not into *problem, and the run goes on).
bool judgedAt(const std::vector<int64_t>& epochs, int64_t epochsDone, RunStore& store,
              const StoreLocation& location, QString* problem);

class RungJudge {
public:
    // `run`: its sweep, bracket, run and setting (the rung and loss are
    // filled in at each rung).
    RungJudge(const StoreLocation& store, RunStore::RungArrival run,
              const SuccessiveHalving& halving, int64_t epochs);

    // After `epochsDone` epochs whose watched loss (validation with a split)
    // was `loss`: why the run ends there, or nullopt to go on.
    std::optional<QString> prunedAfter(int64_t epochsDone, double loss);
    // Why the decision of the last prunedAfter() could not be taken (the
    // run went on), or empty: empty again after the next call.
    const QString& problem() const { return problem_; }
    const std::vector<int64_t>& rungs() const { return rungs_; }

private:
    StoreLocation location_;
    RunStore store_;
    RunStore::RungArrival run_;
    SuccessiveHalving halving_;
    std::vector<int64_t> rungs_;
    QString problem_;
};

} // namespace dredge
