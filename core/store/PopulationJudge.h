#pragma once
// One run of a pbt sweep, as it trains: at each boundary it arrives in the
// store, waits there for the sweep's other training runs to arrive, and
// takes its member's step (RunStore::stepAtBoundary), so every process and
// Slurm task of the sweep takes part in one population with no
// coordinator. A store that fails lets the run go on: it costs a step,
// never a result.

#include "RunStore.h"
#include "StoreLocation.h"
#include "Sweep.h"

#include <QString>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace dredge {

// Where a member goes on after its run ended at a boundary: from the
// checkpoint of `sourceRunId` (member `source`, the same seed) at `epoch`,
// in `setting`.
struct PopulationExploit {
    int64_t epoch = 0;
    int source = -1;
    QString sourceRunId;
    std::vector<QJsonValue> setting;
    QString reason; // why the run ended there, for its record
};

class PopulationJudge {
public:
    // `run`: its member, seed index, run id and the member's setting now
    // (the loss is filled in at each boundary). `jobs`: how many of the
    // sweep's runs train at once (0: unknown; queued runs are not waited
    // for). `flush` puts what the run recorded so far into the store before
    // it arrives: a member copied from it reads its checkpoint and losses
    // there.
    PopulationJudge(const StoreLocation& store, const SweepSpec& spec, QString sweepId,
                    PopulationEntry run, int64_t epochs, int jobs, std::function<void()> flush);
    // While waiting at a boundary: whether to stop waiting (the run is
    // being stopped); it then goes on, undecided, and stops at once.
    void setCancelled(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

    // After `epochsDone` epochs whose watched loss was `loss`: where the
    // member goes on when it copies another (the run ends there), or
    // nullopt to go on.
    std::optional<PopulationExploit> exploitAfter(int64_t epochsDone, double loss);
    // Why the last boundary could not be decided (the run went on), or empty.
    const QString& problem() const { return problem_; }

private:
    // Until no other training run of the sweep is below `epoch`; false when
    // cancelled or the store failed.
    bool waitForOthers(int64_t epoch);

    StoreLocation location_;
    RunStore store_;
    const SweepSpec& spec_;
    QString sweepId_;
    PopulationEntry run_;
    std::vector<int64_t> boundaries_;
    int jobs_;
    std::function<void()> flush_;
    std::function<bool()> cancelled_;
    QString problem_;
};

// The changes that take a run forked from a member (config `copied`) to the
// member's explored `setting`, at `epoch`: one per live axis whose value
// differs, for the fork's journal.
RunJournal exploreChanges(const SweepSpec& spec, const ExperimentConfig& copied,
                          const std::vector<QJsonValue>& setting, int64_t epoch);

} // namespace dredge
