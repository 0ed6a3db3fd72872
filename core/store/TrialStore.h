#pragma once
// A tpe sweep's settings, proposed through the store (RunStore::trialSetting):
// what the sweep's runs and rung results say of each trial, and the pending
// task with its trial's setting, proposed now by whichever process asks first.

#include "RunStore.h"
#include "Sweep.h"

#include <optional>
#include <vector>

namespace dredge {

// Each proposed trial's setting and outcome, in trial order. A trial has
// ended when each of its seeds did; its reach is the rung its runs were
// pruned at, else the epochs, and its value the seeds' objective there
// (at a rung: their watched losses there; at the end: each run's best
// watched loss, validation where there is a split). A diverged or failed
// run counts as worst.
std::vector<TrialOutcome> trialOutcomes(const SweepSpec& spec,
                                        const RunStore::SweepProgress& progress);

// `task` (pending, of the tpe sweep `sweepId` in `store`) with its trial's
// setting: the one already proposed, or one proposed now and kept.
std::optional<SweepTask> proposeTrialTask(RunStore& store, const SweepSpec& spec,
                                          const QString& sweepId, const SweepTask& task,
                                          QString* error);

// `tasks` with every trial proposed so far given its setting (the rest stay
// pending): to name and rank a tpe sweep's runs.
std::optional<std::vector<SweepTask>> withProposedSettings(RunStore& store, const SweepSpec& spec,
                                                           const QString& sweepId,
                                                           std::vector<SweepTask> tasks,
                                                           QString* error);

} // namespace dredge
