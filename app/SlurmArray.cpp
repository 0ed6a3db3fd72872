#include "SlurmArray.h"

#include <QProcess>
#include <QStringList>

namespace dredge {
namespace {

// Single-quoted for the shell: the paths and URL may hold spaces or $.
QString quoted(QString text) {
    return u'\'' + text.replace(u'\'', QStringLiteral("'\\''")) + u'\'';
}

} // namespace

QString slurmArrayScript(const SlurmArray& a) {
    QStringList lines{
        QStringLiteral("#!/bin/bash"),
        QStringLiteral("# A DREDGE Studio sweep: one array task per run."),
        QStringLiteral("#SBATCH --job-name=%1").arg(a.jobName),
        QStringLiteral("#SBATCH --array=%1%2")
            .arg(a.indices.isEmpty() ? QStringLiteral("0-%1").arg(a.tasks - 1) : a.indices)
            .arg(a.jobs > 0 ? QStringLiteral("%%1").arg(a.jobs) : QString()),
        QStringLiteral("#SBATCH --ntasks=%1").arg(a.ranksPerRun),
        QStringLiteral("#SBATCH --cpus-per-task=%1").arg(a.cpusPerTask),
        QStringLiteral("#SBATCH --output=%1/%x-%A_%a.out").arg(a.logFolder)};
    if (!a.partition.isEmpty()) {
        lines.append(QStringLiteral("#SBATCH --partition=%1").arg(a.partition));
    }
    if (!a.timeLimit.isEmpty()) {
        lines.append(QStringLiteral("#SBATCH --time=%1").arg(a.timeLimit));
    }
    // A run of several ranks: one per Slurm task, which may be on several
    // nodes; one that fails ends the others at once.
    const QString launcher =
        a.ranksPerRun > 1 ? QStringLiteral("srun -n %1 --kill-on-bad-exit=1 ").arg(a.ranksPerRun)
                          : QString();
    const QString train =
        launcher +
        QStringLiteral("%1 train --sweep %2 --task \"$SLURM_ARRAY_TASK_ID\" "
                       "--sweep-id %3 --store %4 --threads %5 --sweep-jobs %6")
            // One call: a socket URL's %2F must not be taken for a marker.
            .arg(quoted(a.executable), quoted(a.sweepFile), a.sweepId, quoted(a.storeUrl),
                 QString::number(a.cpusPerTask), QString::number(a.jobs > 0 ? a.jobs : a.tasks)) +
        (a.followSymlinks ? QStringLiteral(" --follow-symlinks") : QString()) +
        (a.budget > 0 ? QStringLiteral(" --sweep-budget %1").arg(a.budget) : QString());
    // A run killed by a signal other than the stop's (SIGINT/SIGTERM end it
    // as stopped, 130) is trained once more, its dead record kept as failed.
    lines.append(train);
    lines.append(QStringLiteral("status=$?"));
    lines.append(QStringLiteral("if [ \"$status\" -gt 130 ]; then"));
    lines.append(QStringLiteral("    echo \"task $SLURM_ARRAY_TASK_ID: its run was killed (status "
                                "$status); training it again\" >&2"));
    lines.append(QStringLiteral("    ") + train + QStringLiteral(" --after-killed"));
    lines.append(QStringLiteral("    status=$?"));
    lines.append(QStringLiteral("fi"));
    lines.append(QStringLiteral("exit \"$status\""));
    return lines.join(u'\n') + u'\n';
}

bool submitToSlurm(const QString& scriptPath, QString* jobId, QString* error) {
    QProcess sbatch;
    sbatch.start(QStringLiteral("sbatch"), {QStringLiteral("--parsable"), scriptPath});
    if (!sbatch.waitForStarted(10000)) {
        *error = QStringLiteral("cannot run sbatch: %1 (is Slurm installed here?)")
                     .arg(sbatch.errorString());
        return false;
    }
    if (!sbatch.waitForFinished(60000) || sbatch.exitStatus() != QProcess::NormalExit ||
        sbatch.exitCode() != 0) {
        *error = QStringLiteral("sbatch failed: %1")
                     .arg(QString::fromLocal8Bit(sbatch.readAllStandardError()).trimmed());
        return false;
    }
    // --parsable prints "jobid" or "jobid;cluster".
    *jobId = QString::fromLocal8Bit(sbatch.readAllStandardOutput()).trimmed().section(u';', 0, 0);
    return !jobId->isEmpty();
}

} // namespace dredge
