#pragma once
// A sweep's records before anything trains: the sweep itself (its file, its
// size) and one queued run per task, named "NAME #i: lr=0.003 seed=1" and
// tagged "sweep". `sweep` (the command) and the window queue them alike.

#include "RunRecord.h"
#include "Sweep.h"

#include <vector>

namespace dredge {

SweepRecord newSweepRecord(const SweepSpec& spec, int tasks);
RunRecord queuedRun(const SweepRecord& sweep, const SweepTask& task);

} // namespace dredge
