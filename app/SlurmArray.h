#pragma once
// A sweep as a Slurm job array: one array task per run, at most `jobs` at
// once, each running `dredge-studio train --sweep FILE --task $SLURM_ARRAY_TASK_ID`
// into the shared store (through `srun -n N` for runs of N ranks each). Slurm places the work;
// DREDGE Studio only writes the script and hands it to sbatch.

#include <QString>

namespace dredge {

struct SlurmArray {
    QString jobName;
    QString executable; // absolute path of dredge-studio on the cluster
    QString sweepFile;  // absolute path, readable by every node
    QString sweepId;
    QString storeUrl;
    bool followSymlinks = false; // the store file may be a symbolic link
    int tasks = 0;
    QString indices;   // the array's task ids ("2,3": a sweep going on); empty: 0 … tasks − 1
    int jobs = 0;      // at most this many array tasks at once (0: no limit)
    qint64 budget = 0; // at most this many epochs in all (0: no limit); sweep --budget
    int cpusPerTask = 1;
    int ranksPerRun = 1; // >1: each run on the Slurm tasks of `srun -n N`
    QString partition;   // empty: the cluster's default
    QString timeLimit;   // empty: the partition's default
    QString logFolder;   // where each task's output goes
};

QString slurmArrayScript(const SlurmArray& array);

// `sbatch --parsable SCRIPT`: the job id, or false with sbatch's own words.
bool submitToSlurm(const QString& scriptPath, QString* jobId, QString* error);

} // namespace dredge
