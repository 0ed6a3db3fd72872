#pragma once
// `dredge-studio sweep FILE`: every run of a sweep file, queued in the store
// first. Here: at most --jobs child `train` processes at once, a line per run
// as it ends, then the settings ranked by mean final loss over their seeds.
// With --slurm: a job-array script (one array task per run) handed to sbatch.
// --dry-run prints the runs, one a line. Exit status: 0 every run finished
// (or diverged), 1 a run or the store failed, 2 bad arguments, 130 stopped.

#include <QStringList>

namespace dredge {

int runSweepCommand(const QStringList& arguments);

} // namespace dredge
