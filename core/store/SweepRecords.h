#pragma once
// A sweep's records before anything trains: the sweep itself (its file, its
// size) and one queued run per task, named "NAME #i: lr=0.003 seed=1" and
// tagged "sweep". `sweep` (the command) and the window queue them alike.

#include "RunRecord.h"
#include "Sweep.h"

#include <map>
#include <vector>

namespace dredge {

SweepRecord newSweepRecord(const SweepSpec& spec, int tasks);
// Its queued runs carry `sweep`'s mode as a tag when it is adaptive (asha,
// hyperband, tpe: their rungs and proposals are the `sweep` command's).
RunRecord queuedRun(const SweepRecord& sweep, const SweepTask& task);
bool isAdaptiveMode(const QString& mode);

// A sweep whose queued runs no process trains now, to go on with here: its
// tasks in task order and their queued records by task.
struct QueuedSweep {
    QString sweepId;
    QString name; // as its runs were named: "NAME #i: …"
    std::vector<SweepTask> tasks;
    std::map<int, RunRecord> records;
};
// Among `runs` (a store's list), the sweeps `host` queued that have queued
// runs and none running: those some other process trains are its own, and
// adaptive ones are left to `sweep FILE`, which goes on with them.
std::vector<QueuedSweep> queuedSweeps(const std::vector<RunRecord>& runs, const QString& host);

} // namespace dredge
