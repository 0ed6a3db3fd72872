#include "SweepCommand.h"

#include "RankedEpochs.h"
#include "RunGroups.h"
#include "RunStore.h"
#include "SearchSummary.h"
#include "SlurmArray.h"
#include "Sweep.h"
#include "SweepQueue.h"
#include "SweepRecords.h"
#include "TrainCommand.h"
#include "TrialStore.h"
#include "UnixSignalQuitter.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sys/prctl.h>
#include <unistd.h>

namespace dredge {
namespace {

int fail(const QString& reason, int status) {
    std::fprintf(stderr, "dredge-studio sweep: %s\n", qPrintable(reason));
    return status;
}

void addOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "Run every run of a sweep file (format dredge-sweep): here, at most --jobs at once, or "
        "as a Slurm job array with --slurm. Runs are recorded into the store, queued first. An "
        "asha or hyperband sweep ends runs at its rungs as pruned, decided through the store."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The sweep file."));
    p.addOptions({
        {QStringLiteral("jobs"),
         QStringLiteral("Runs at once (default: cores / threads per run; Slurm: no limit)."),
         QStringLiteral("J")},
        {QStringLiteral("store"),
         QStringLiteral("The run store (default: $DREDGE_STORE, else runs.sqlite in the user's "
                        "data folder). A cluster needs one every node reaches: PostgreSQL."),
         QStringLiteral("url")},
        {QStringLiteral("dry-run"), QStringLiteral("Print the runs it would start, one a line.")},
        {QStringLiteral("follow-symlinks"),
         QStringLiteral("Open a store file that is a symbolic link (refused otherwise); its "
                        "runs are told so too.")},
        {QStringLiteral("new"),
         QStringLiteral("Queue the sweep afresh even when an unfinished one of the same file is "
                        "in the store (by default that one goes on).")},
        {QStringLiteral("oversubscribe"),
         QStringLiteral("Allow --jobs × threads above the cores (capped at the cores otherwise).")},
        {QStringLiteral("budget"),
         QStringLiteral("At most E epochs in all, counting what the sweep's runs trained before "
                        "(a run starts only if its epochs fit; the rest stay queued, and the "
                        "sweep goes on when started again with a larger budget)."),
         QStringLiteral("E")},
        {QStringLiteral("slurm"), QStringLiteral("Submit the sweep as a Slurm job array.")},
        {QStringLiteral("partition"), QStringLiteral("Slurm partition."), QStringLiteral("P")},
        {QStringLiteral("time"), QStringLiteral("Slurm time limit per run."), QStringLiteral("T")},
        {QStringLiteral("cpus-per-task"),
         QStringLiteral("CPUs per array task, used as the run's threads (default: the sweep's)."),
         QStringLiteral("C")},
        {QStringLiteral("ranks-per-run"),
         QStringLiteral("Processes that train each run together (data-parallel; the same "
                        "losses as one): here `train --ranks N`, on Slurm `srun -n N` in each "
                        "array task, across nodes."),
         QStringLiteral("N")},
        {QStringLiteral("slurm-script-only"),
         QStringLiteral("Write the job-array script without submitting it.")},
        {QStringLiteral("script"),
         QStringLiteral("Where the job-array script goes (default: NAME-ID.sbatch here)."),
         QStringLiteral("file")},
    });
}

// The sweep and its runs, queued, in one transaction: the History panel shows
// them at once, and each run is taken from the queue by the process that
// trains it.
bool enqueue(RunStore& store, const SweepSpec& spec, const std::vector<SweepTask>& tasks,
             SweepRecord* sweep, QString* error) {
    *sweep = newSweepRecord(spec, int(tasks.size()));
    if (!store.beginWrite(error) || !store.insertSweep(*sweep, error)) {
        store.rollback();
        return false;
    }
    for (const auto& task : tasks) {
        if (!store.insertRun(queuedRun(*sweep, task), error)) {
            store.rollback();
            return false;
        }
    }
    return store.commit(error);
}

// An unfinished sweep of the same file in the store (stopped or killed
// before its end): it goes on with the tasks still queued; those that ran
// keep their records. nullopt: the store failed; false: none.
std::optional<bool> findUnfinished(RunStore& store, const SweepSpec& spec,
                                   const std::vector<SweepTask>& tasks, SweepRecord* sweep,
                                   std::vector<SweepTask>* queued, QString* error) {
    const auto found = store.unfinishedSweep(newSweepRecord(spec, int(tasks.size())).spec, error);
    const auto runs = found && *found ? store.listRuns(error) : std::nullopt;
    if (!found || (*found && !runs)) {
        return std::nullopt;
    }
    if (!*found) {
        return false;
    }
    *sweep = **found;
    std::set<int> waiting;
    for (const auto& r : *runs) {
        if (r.sweepId == sweep->id && r.status == RecordStatus::Queued) {
            waiting.insert(r.sweepTask);
        }
    }
    queued->clear();
    std::copy_if(tasks.begin(), tasks.end(), std::back_inserter(*queued),
                 [&](const SweepTask& t) { return waiting.count(t.index) > 0; });
    return true;
}

// Jobs × threads above the cores would only slow every run: capped, unless asked.
int cappedJobs(int jobs, int threads, bool oversubscribe) {
    const int cores = std::max(1, QThread::idealThreadCount());
    if (oversubscribe || jobs * threads <= cores) {
        return jobs;
    }
    const int capped = std::max(1, cores / threads);
    std::fprintf(stderr,
                 "dredge-studio sweep: warning: %d jobs × %d threads is more than the %d cores: "
                 "%d at once (--oversubscribe runs them all)\n",
                 jobs, threads, cores, capped);
    return capped;
}

// The sweep's tasks as child `train` processes, scheduled by the same
// SweepQueue as the window's in-process runs (at most `jobs` at once). A
// task's run id in the queue is its index + 1.
class ProcessSweep {
public:
    ProcessSweep(QString executable, QStringList common, const SweepSpec& spec,
                 std::vector<SweepTask> tasks, int jobs)
        : executable_(std::move(executable))
        , common_(std::move(common))
        , queue_(spec.name, std::move(tasks), jobs,
                 [this](const SweepTask& task) { return start(task); }) {
        QObject::connect(&queue_, &SweepQueue::finished, qApp, &QCoreApplication::quit,
                         Qt::QueuedConnection);
        clock_.start();
    }
    ~ProcessSweep() { stopAll(); }

    void begin() { queue_.begin(); }
    int failed() const { return failed_; }
    // At most `budget` epochs in all: a run starts only when the epochs the
    // sweep's ended runs trained (`spent`, from the store) and the whole
    // epochs of those running leave room for all of its own.
    void limitEpochs(qint64 budget, std::function<qint64()> spent) {
        queue_.setGate([this, budget, spent = std::move(spent)](const SweepTask& task) {
            qint64 reserved = 0;
            for (const auto& [id, epochs] : reserved_) {
                reserved += epochs;
            }
            const bool fits = spent() + reserved + task.config.train.epochs <= budget;
            budgetHeld_ = budgetHeld_ || !fits;
            return fits;
        });
    }
    // How a killed run's task goes back to the store's queue (true: it did).
    void requeueWith(std::function<bool(const SweepTask&)> requeue) {
        requeue_ = std::move(requeue);
    }
    // Whether the budget held back a run (it stays queued).
    bool budgetHeld() const { return budgetHeld_ && queue_.queued() + queue_.cancelled() > 0; }
    // Stops the running tasks (each records itself as stopped); the rest stay
    // queued in the store. Works on a copy: each process's end erases it.
    void stopAll() {
        stopping_ = true;
        queue_.cancel();
        const auto running = processes_;
        for (const auto& [id, process] : running) {
            process->terminate();
        }
        for (const auto& [id, process] : running) {
            if (!process->waitForFinished(30000)) {
                process->kill();
                process->waitForFinished();
            }
        }
    }

private:
    int start(const SweepTask& task) {
        auto* p = new QProcess;
        // Each run's progress would interleave: the queue reports instead.
        p->setStandardOutputFile(QProcess::nullDevice());
        p->setStandardErrorFile(QProcess::nullDevice());
        const int id = task.index + 1;
        QObject::connect(
            p, &QProcess::finished, p, [this, p, id, task](int code, QProcess::ExitStatus how) {
                const bool again = how == QProcess::CrashExit && requeueKilled(task);
                ended(p, id, task.index, how == QProcess::NormalExit ? code : -1, again);
            });
        // A process that cannot start never sends finished: without this
        // its slot would stay taken and the sweep wait for ever.
        QObject::connect(p, &QProcess::errorOccurred, p,
                         [this, p, id, index = task.index](QProcess::ProcessError e) {
                             if (e == QProcess::FailedToStart) {
                                 std::fprintf(stderr, "task %d could not start: %s\n", index,
                                              qPrintable(p->errorString()));
                                 ended(p, id, index, -1);
                             }
                         });
        processes_.emplace(id, p);
        reserved_.emplace(id, task.config.train.epochs);
        // The children die with the sweep, however it ends: after `kill -9`
        // they went on training to the end. SIGTERM lets each record its run
        // as stopped; a parent already gone before the child could ask ends it.
        const pid_t sweepPid = ::getpid();
        p->setChildProcessModifier([sweepPid] {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != sweepPid) {
                ::raise(SIGTERM);
            }
        });
        p->start(executable_,
                 common_ + QStringList{QStringLiteral("--task"), QString::number(task.index)});
        // The window's Sweeps panel follows a sweep by these lines.
        std::fprintf(stderr, "[%d/%d, %d running] task %d started\n", queue_.done(), queue_.total(),
                     int(processes_.size()), task.index);
        return id;
    }

    // A run whose process was killed (a signal, out of memory) is trained
    // again once: its record ends as failed, its history kept, and a fresh
    // queued run takes the task. A second death leaves it failed.
    bool requeueKilled(const SweepTask& task) {
        if (stopping_ || !requeue_ || ++retries_[task.index] > 1 || !requeue_(task)) {
            return false;
        }
        queue_.requeue(task);
        return true;
    }

    void ended(QProcess* p, int id, int task, int code, bool requeued = false) {
        // Finished, diverged and pruned runs are results; anything else failed or was stopped.
        const auto outcome = outcomeOfExitCode(code).value_or(RunStatus::Failed);
        if (outcome != RunStatus::Finished && outcome != RunStatus::Diverged &&
            outcome != RunStatus::Pruned && !requeued) {
            ++failed_;
        }
        std::fprintf(stderr, "[%d/%d, %d running] task %d %s (%.1f s)\n", queue_.done() + 1,
                     queue_.total(), queue_.running() - 1, task,
                     requeued ? "killed, queued again" : runStatusName(outcome).data(),
                     double(clock_.elapsed()) * 1e-3);
        processes_.erase(id);
        reserved_.erase(id);
        p->deleteLater();
        queue_.runEnded(id);
    }

    QString executable_;
    QStringList common_;
    SweepQueue queue_;
    std::map<int, QProcess*> processes_; // by run id, while they run
    std::map<int, qint64> reserved_;     // by run id: the epochs each may still train
    int failed_ = 0;
    bool budgetHeld_ = false;
    bool stopping_ = false;
    std::map<int, int> retries_; // by task
    std::function<bool(const SweepTask&)> requeue_;
    QElapsedTimer clock_;
};

// --budget E: 0 without it; else E, or why not in *error.
qint64 budgetOf(const QCommandLineParser& p, QString* error) {
    if (!p.isSet(QStringLiteral("budget"))) {
        return 0;
    }
    bool ok = false;
    const qint64 budget = p.value(QStringLiteral("budget")).toLongLong(&ok);
    if (!ok || budget < 1) {
        *error = QStringLiteral("--budget must be a whole number of epochs from 1, not '%1'")
                     .arg(p.value(QStringLiteral("budget")));
    }
    return budget;
}

// A population trains side by side: a budget that cannot train every
// member to its end would leave members unstarted, so it is refused.
QString populationBudgetProblem(const SweepSpec& spec, const std::vector<SweepTask>& tasks,
                                qint64 budget) {
    qint64 whole = 0;
    for (const auto& task : tasks) {
        whole += task.config.train.epochs;
    }
    if (budget >= whole) {
        return {};
    }
    const qint64 perMember = whole / std::max(1, spec.population.population);
    return QStringLiteral("\"population\" %1 is larger than --budget %2 allows: its %1 members × "
                          "%3 seeds train %4 epochs (at most %5 members fit)")
        .arg(spec.population.population)
        .arg(budget)
        .arg(spec.seeds.size())
        .arg(whole)
        .arg(perMember > 0 ? budget / perMember : 0);
}

// A killed run's task back in the store's queue (ProcessSweep::requeueWith).
bool requeueKilled(RunStore& store, const SweepRecord& sweep, const SweepTask& task) {
    QString error;
    const bool requeued = store.requeueTask(
        sweep.id, task.index, queuedRun(sweep, task),
        QStringLiteral("its process was killed before the run ended; the task was queued again"),
        &error);
    if (!requeued) {
        std::fprintf(stderr, "dredge-studio sweep: task %d cannot be queued again: %s\n",
                     task.index, qPrintable(error));
    }
    return requeued;
}

// The epochs the sweep's ended runs trained, as the store has them.
qint64 epochsSpent(RunStore& store, const QString& sweepId) {
    QString error;
    const auto runs = store.listRuns(&error);
    qint64 spent = 0;
    for (const auto& r : runs ? *runs : std::vector<RunRecord>{}) {
        spent += r.sweepId == sweepId && isEnded(r.status) ? epochsTrained(r) : 0;
    }
    return spent;
}

// A pbt member's line: where it ended, in what setting, and whom it copied.
struct MemberRow {
    int member = 0;
    std::vector<double> finals; // its seeds' last runs' final losses
    QString setting;
    QStringList steps; // "from member 1 at 180"
};

// How each member of a pbt sweep ended, best mean final loss first, with
// its lineage from the store's boundaries.
void printPopulation(RunStore& store, const SweepSpec& spec, const QString& sweepId,
                     const std::vector<SweepTask>& tasks, const std::vector<RunRecord>& runs) {
    QString error;
    const auto boundaries = store.populationEntries(sweepId, &error);
    std::map<int, MemberRow> members;
    for (const auto& task : tasks) {
        members[task.setting] = {task.setting, {}, task.groupLabel(), {}};
    }
    int exploits = 0;
    for (const auto& [epoch, entries] : boundaries ? *boundaries : decltype(*boundaries){}) {
        std::set<int> decided;
        for (const auto& e : entries) {
            auto found = members.find(e.member);
            if (found == members.end() || !decided.insert(e.member).second) {
                continue; // one line per member's step, not per seed
            }
            if (const auto t = proposedTask(spec, tasks[size_t(e.member) * spec.seeds.size()],
                                            e.setting, &error)) {
                found->second.setting = t->groupLabel();
            }
            if (e.source >= 0) {
                ++exploits;
                found->second.steps.append(
                    QStringLiteral("from member %1 at %2").arg(e.source).arg(epoch));
            }
        }
    }
    qint64 spent = 0, planned = 0;
    for (const auto& r : runs) {
        spent += epochsTrained(r);
        const bool last = r.status == RecordStatus::Finished || r.status == RecordStatus::Diverged;
        if (last && r.sweepTask >= 0 && size_t(r.sweepTask) < tasks.size()) {
            members[tasks[size_t(r.sweepTask)].setting].finals.push_back(r.finalLoss);
        }
    }
    for (const auto& task : tasks) {
        planned += task.config.train.epochs;
    }
    std::vector<std::pair<Spread, MemberRow>> rows;
    for (auto& [member, row] : members) {
        rows.emplace_back(spread(row.finals), row);
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        const double x = a.first.mean, y = b.first.mean;
        return std::isfinite(x) && (!std::isfinite(y) || x < y);
    });
    std::printf("population of %d members × %zu seeds: %d exploit steps, %lld epochs trained of "
                "the %lld planned\n",
                spec.population.population, spec.seeds.size(), exploits, (long long)spent,
                (long long)planned);
    std::printf("%-4s %-6s %-24s %-32s %s\n", "RANK", "MEMBER", "FINAL LOSS (mean ± std)",
                "SETTING AT THE END", "COPIED");
    int rank = 0;
    for (const auto& [stat, row] : rows) {
        std::printf(
            "%-4d %-6d %-24s %-32s %s\n", ++rank, row.member,
            qPrintable(
                QStringLiteral("%1 ± %2").arg(stat.mean, 0, 'g', 4).arg(stat.std, 0, 'g', 2)),
            qPrintable(row.setting),
            row.steps.isEmpty() ? "-" : qPrintable(row.steps.join(QStringLiteral(", "))));
    }
}

// Where the best so far improved against the epochs trained, and what
// mattered: each axis's share of the variance of log10 final loss.
void printSearch(const SearchSummary& search) {
    if (search.settingsComplete >= 2) {
        QStringList steps;
        for (const auto& [epochs, best] : search.bestSoFar) {
            steps.append(QStringLiteral("%1 after %2").arg(best, 0, 'g', 4).arg(epochs));
        }
        std::printf("best so far (mean final loss of the settings complete) against epochs "
                    "trained:\n  %s\n",
                    qPrintable(steps.join(QStringLiteral(", "))));
    }
    if (search.importance.empty()) {
        return;
    }
    std::printf("what mattered (share of the variance of log10 final loss across %d settings "
                "that each setting explains alone; mean ± std over seeds):\n",
                search.settingsComplete);
    for (const auto& a : search.importance) {
        std::printf("  %-12s %5.1f %% ± %.1f %%\n", a.name.c_str(), 100.0 * a.share,
                    100.0 * a.spread);
    }
}

// The sweep's groups (settings without the seed), best mean final loss first.
void printRanking(RunStore& store, const SweepSpec& spec, const QString& sweepId,
                  const std::vector<SweepTask>& fileTasks) {
    QString error;
    // A tpe sweep's settings are in the store, proposed as it ran.
    const auto proposed = spec.mode == SweepMode::Tpe
                              ? withProposedSettings(store, spec, sweepId, fileTasks, &error)
                              : std::optional(fileTasks);
    auto all = proposed ? store.listRuns(&error) : std::nullopt;
    const auto& tasks = proposed ? *proposed : fileTasks;
    if (!all) {
        std::fprintf(stderr, "dredge-studio sweep: %s\n", qPrintable(error));
        return;
    }
    if (spec.mode == SweepMode::Pbt) { // settings change as it trains: ranked by member
        std::vector<RunRecord> members;
        std::copy_if(all->begin(), all->end(), std::back_inserter(members),
                     [&](const RunRecord& r) { return r.sweepId == sweepId; });
        printPopulation(store, spec, sweepId, tasks, members);
        return;
    }
    // Pruned runs stopped early: their losses are not comparable with the
    // finished runs', so they are counted, not ranked.
    std::vector<RunRecord> runs, sweepRuns;
    std::set<int> prunedTasks;
    qint64 epochsSpent = 0;
    for (const auto& r : *all) {
        if (r.sweepId != sweepId) {
            continue;
        }
        epochsSpent += epochsTrained(r);
        sweepRuns.push_back(r);
        if (r.status == RecordStatus::Pruned) {
            prunedTasks.insert(r.sweepTask);
        } else if (r.status != RecordStatus::Interrupted) { // a killed run's task ran again
            runs.push_back(r);
        }
    }
    std::sort(runs.begin(), runs.end(),
              [](const RunRecord& a, const RunRecord& b) { return a.sweepTask < b.sweepTask; });
    struct Row {
        QString label;
        GroupSummary summary;
    };
    std::vector<Row> rows;
    for (const auto& group : groupBySettings(runs)) {
        const int task = runs[group.members.front()].sweepTask;
        rows.push_back(
            {task >= 0 && task < int(tasks.size()) ? tasks[size_t(task)].groupLabel() : QString(),
             summarize(runs, group)});
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        const double x = a.summary.finalLoss.mean, y = b.summary.finalLoss.mean;
        return std::isfinite(x) && (!std::isfinite(y) || x < y);
    });
    if (!prunedTasks.empty()) {
        qint64 full = 0;
        for (const auto& task : tasks) {
            full += task.config.train.epochs;
        }
        std::printf("%zu runs pruned at a rung; %lld epochs trained of the %lld that training "
                    "every run to its end takes (%.0f %%)\n",
                    prunedTasks.size(), (long long)epochsSpent, (long long)full,
                    full > 0 ? 100.0 * double(epochsSpent) / double(full) : 0.0);
    }
    std::printf("%-4s %-3s %-24s %-24s %-10s %s\n", "RANK", "N", "FINAL LOSS (mean ± std)",
                "BEST LOSS (mean ± std)", "MS/EPOCH", "SETTINGS");
    int rank = 0;
    for (const auto& row : rows) {
        const auto& s = row.summary;
        std::printf("%-4d %-3d %-24s %-24s %-10.4f %s\n", ++rank, s.finalLoss.n,
                    qPrintable(QStringLiteral("%1 ± %2")
                                   .arg(s.finalLoss.mean, 0, 'g', 4)
                                   .arg(s.finalLoss.std, 0, 'g', 2)),
                    qPrintable(QStringLiteral("%1 ± %2")
                                   .arg(s.bestLoss.mean, 0, 'g', 4)
                                   .arg(s.bestLoss.std, 0, 'g', 2)),
                    s.msPerEpoch.mean, qPrintable(row.label));
    }
    printSearch(summarizeSearch(spec, sweepRuns, tasks));
}

// A halving sweep's rungs, by bracket (one in asha), for --dry-run; a
// tpe or pbt sweep's plan.
void printHalving(const SweepSpec& spec, const std::vector<SweepTask>& tasks) {
    if (spec.mode == SweepMode::Pbt) {
        const auto& p = spec.population;
        QStringList factors, at;
        for (const double f : p.factors) {
            factors.append(QString::number(f));
        }
        for (const auto e : generationEpochs(p.interval, spec.base.train.epochs)) {
            at.append(QString::number(e));
        }
        std::printf("population of %d members × %zu seeds; at epochs %s a member whose %s loss "
                    "is in the bottom %g %% goes on from a member of the top %g %% (its "
                    "checkpoint, each seed from the same seed), live settings × %s or a "
                    "neighbouring listed value\n",
                    p.population, spec.seeds.size(), qPrintable(at.join(QStringLiteral(", "))),
                    p.objective == SeedObjective::Median ? "median" : "mean", 100.0 * p.quantile,
                    100.0 * p.quantile, qPrintable(factors.join(QStringLiteral(" or "))));
    }
    if (spec.mode == SweepMode::Tpe) {
        std::printf("%d trials × %zu seeds; the first %d settings drawn at random, then each "
                    "proposed from the results before it (TPE: the best %g share against the "
                    "rest, %d candidates)\n",
                    spec.trials, spec.seeds.size(), spec.parzen.startup, spec.parzen.gamma,
                    spec.parzen.candidates);
    }
    if (!halvesRuns(spec)) {
        return;
    }
    std::map<int, std::set<QString>> settings; // by bracket
    for (const auto& task : tasks) {
        settings[task.bracket].insert(task.groupLabel());
    }
    for (const auto& [bracket, members] : settings) {
        QStringList rungs;
        for (const auto rung :
             rungEpochs(bracketHalving(spec.halving, bracket), spec.base.train.epochs)) {
            rungs.append(QString::number(rung));
        }
        const QString where = rungs.isEmpty()
                                  ? QStringLiteral("no rung, trained to the end")
                                  : QStringLiteral("rungs at ") + rungs.join(QStringLiteral(", "));
        std::printf("%s%zu settings: %s of %lld epochs\n",
                    spec.mode == SweepMode::Hyperband
                        ? qPrintable(QStringLiteral("bracket %1, ").arg(bracket))
                        : "",
                    members.size(), qPrintable(where), (long long)spec.base.train.epochs);
    }
    std::printf("a setting goes on from a rung if its %s loss there is among the best 1/%g of "
                "its bracket's so far\n",
                spec.halving.objective == SeedObjective::Median ? "median" : "mean",
                spec.halving.reduction);
}

int submitArray(const QCommandLineParser& p, const SweepSpec& spec, const SweepRecord& sweep,
                const QString& storeUrl, const QString& sweepFile, int cpus, int ranks,
                qint64 budget, const std::vector<SweepTask>* goingOn) {
    SlurmArray array;
    array.jobName = QStringLiteral("dredge-") + QString(spec.name).replace(u' ', u'-');
    array.executable = QCoreApplication::applicationFilePath();
    array.sweepFile = QFileInfo(sweepFile).absoluteFilePath();
    array.sweepId = sweep.id;
    array.storeUrl = storeUrl;
    array.followSymlinks = p.isSet(QStringLiteral("follow-symlinks"));
    array.tasks = sweep.tasks;
    array.jobs = p.isSet(QStringLiteral("jobs")) ? p.value(QStringLiteral("jobs")).toInt() : 0;
    array.cpusPerTask = cpus;
    array.ranksPerRun = ranks;
    array.budget = budget; // each task asks the store whether its epochs fit
    if (goingOn) {         // an unfinished sweep: an array task for each run still queued
        QStringList indices;
        for (const auto& task : *goingOn) {
            indices.append(QString::number(task.index));
        }
        array.indices = indices.join(u',');
    }
    array.partition = p.value(QStringLiteral("partition"));
    array.timeLimit = p.value(QStringLiteral("time"));
    array.logFolder = QDir::currentPath();
    const QString path = p.isSet(QStringLiteral("script"))
                             ? p.value(QStringLiteral("script"))
                             : QStringLiteral("%1-%2.sbatch").arg(array.jobName, sweep.id.left(8));
    QFile script(path);
    const QByteArray text = slurmArrayScript(array).toUtf8();
    if (!script.open(QIODevice::WriteOnly) || script.write(text) != text.size()) {
        return fail(QStringLiteral("cannot write %1: %2").arg(path, script.errorString()), 1);
    }
    script.close();
    std::printf("sweep %s: %d runs queued in %s\nwrote %s\n", qPrintable(sweep.id),
                goingOn ? int(goingOn->size()) : sweep.tasks, qPrintable(storeUrl),
                qPrintable(path));
    if (p.isSet(QStringLiteral("slurm-script-only"))) {
        return 0;
    }
    QString jobId, error;
    if (!submitToSlurm(path, &jobId, &error)) {
        return fail(error + QStringLiteral(" (the runs stay queued; submit %1 by hand)").arg(path),
                    1);
    }
    std::printf("submitted job %s\n", qPrintable(jobId));
    return 0;
}

} // namespace

int runSweepCommand(const QStringList& arguments) {
    QCommandLineParser p;
    addOptions(p);
    if (!p.parse(arguments)) {
        return fail(p.errorText(), 2);
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(p.helpText()), stdout);
        return 0;
    }
    if (p.positionalArguments().size() != 1) {
        return fail(QStringLiteral("give one sweep file (see --help)"), 2);
    }
    const QString file = p.positionalArguments().first();
    QString error;
    const auto spec = readSweepFile(file, &error);
    const auto tasks = spec ? expandSweep(*spec, &error) : std::nullopt;
    if (!tasks) {
        return fail(error, 2);
    }
    const int threads = p.isSet(QStringLiteral("cpus-per-task"))
                            ? p.value(QStringLiteral("cpus-per-task")).toInt()
                            : std::max(1, spec->base.train.threads);
    bool ranksOk = true;
    const int ranks = p.isSet(QStringLiteral("ranks-per-run"))
                          ? p.value(QStringLiteral("ranks-per-run")).toInt(&ranksOk)
                          : 1;
    bool jobsOk = true;
    int jobs = p.isSet(QStringLiteral("jobs"))
                   ? p.value(QStringLiteral("jobs")).toInt(&jobsOk)
                   : std::max(1, QThread::idealThreadCount() / (threads * std::max(1, ranks)));
    QString budgetError;
    const qint64 budget = budgetOf(p, &budgetError);
    if (budgetError.isEmpty() && budget > 0 && spec->mode == SweepMode::Pbt) {
        budgetError = populationBudgetProblem(*spec, *tasks, budget);
    }
    if (!budgetError.isEmpty()) {
        return fail(budgetError, 2);
    }
    if (!jobsOk || !ranksOk || jobs < 1 || threads < 1 || ranks < 1 || ranks > 1024) {
        return fail(QStringLiteral("--jobs, --cpus-per-task and --ranks-per-run must be positive "
                                   "integers (ranks at most 1024)"),
                    2);
    }
    for (const auto& task : *tasks) { // refused before anything is queued
        if (const auto problem = rankedTrainingProblem(task.config, ranks); !problem.empty()) {
            return fail(QStringLiteral("run %1 (%2): %3")
                            .arg(task.index)
                            .arg(task.label(), QString::fromStdString(problem)),
                        2);
        }
    }
    const int population = int(tasks->size());
    if (spec->mode == SweepMode::Pbt && !p.isSet(QStringLiteral("jobs"))) {
        jobs = population; // a population trains side by side, or it is judged in cohorts
    } else if (!p.isSet(QStringLiteral("slurm"))) { // a cluster's nodes are its own
        jobs = cappedJobs(jobs, threads * ranks, p.isSet(QStringLiteral("oversubscribe")));
    }
    if (spec->mode == SweepMode::Pbt && jobs < population) {
        std::fprintf(stderr,
                     "dredge-studio sweep: note: %d of the population's %d runs train at once: "
                     "each boundary judges the runs that reach it together with those before "
                     "them, not the whole population (leave --jobs out to train it together)\n",
                     jobs, population);
    }
    if (p.isSet(QStringLiteral("dry-run"))) {
        std::printf("%s: %zu runs (%s)%s\n", qPrintable(spec->name), tasks->size(),
                    qPrintable(sweepModeName(spec->mode)),
                    p.isSet(QStringLiteral("slurm"))
                        ? ", as a Slurm array"
                        : qPrintable(QStringLiteral(", %1 at once").arg(jobs)));
        printHalving(*spec, *tasks);
        for (const auto& task : *tasks) {
            std::printf("%4d  %-40s %s, %lld epochs\n", task.index, qPrintable(task.label()),
                        qPrintable(describe(task.config)), (long long)task.config.train.epochs);
        }
        return 0;
    }

    const QString storeUrl = chooseStoreUrl(p.value(QStringLiteral("store")));
    auto location = parseStoreUrl(storeUrl, &error);
    if (!location) {
        return fail(error, 2);
    }
    location->followSymlinks = p.isSet(QStringLiteral("follow-symlinks"));
    RunStore store;
    SweepRecord sweep;
    if (!store.open(*location, &error)) {
        return fail(error, 1);
    }
    const bool slurm = p.isSet(QStringLiteral("slurm"));
    std::vector<SweepTask> todo = *tasks;
    const auto resumed = p.isSet(QStringLiteral("new"))
                             ? std::optional<bool>(false)
                             : findUnfinished(store, *spec, *tasks, &sweep, &todo, &error);
    if (!resumed || (!*resumed && !enqueue(store, *spec, *tasks, &sweep, &error))) {
        return fail(error, 1);
    }
    if (*resumed) {
        std::fprintf(stderr,
                     "sweep %s: going on with the %zu of its %zu runs still queued (--new "
                     "queues the file afresh)\n",
                     qPrintable(sweep.id), todo.size(), tasks->size());
    }
    if (slurm) {
        return submitArray(p, *spec, sweep, storeUrl, file, threads, ranks, budget,
                           *resumed ? &todo : nullptr);
    }
    std::fprintf(stderr, "sweep %s: %zu runs, %d at once, into %s\n", qPrintable(sweep.id),
                 todo.size(), jobs, qPrintable(location->display()));
    QStringList trainArguments{QStringLiteral("train"),
                               QStringLiteral("--sweep"),
                               QFileInfo(file).absoluteFilePath(),
                               QStringLiteral("--sweep-id"),
                               sweep.id,
                               QStringLiteral("--store"),
                               storeUrl,
                               QStringLiteral("--threads"),
                               QString::number(threads),
                               QStringLiteral("--sweep-jobs"),
                               QString::number(jobs)};
    if (location->followSymlinks) {
        trainArguments << QStringLiteral("--follow-symlinks");
    }
    if (ranks > 1) {
        trainArguments << QStringLiteral("--ranks") << QString::number(ranks);
    }
    if (spec->mode == SweepMode::Pbt) { // a cohort smaller than the population spans members
        const auto seeds = int(spec->seeds.size());
        std::stable_sort(todo.begin(), todo.end(), [seeds](const SweepTask& a, const SweepTask& b) {
            return a.index % seeds < b.index % seeds;
        });
    }
    ProcessSweep queue(QCoreApplication::applicationFilePath(), trainArguments, *spec, todo, jobs);
    const auto spent = [&store, id = sweep.id] { return epochsSpent(store, id); };
    if (budget > 0) {
        queue.limitEpochs(budget, spent);
    }
    queue.requeueWith(
        [&store, &sweep](const SweepTask& task) { return requeueKilled(store, sweep, task); });
    UnixSignalQuitter quitter;
    QTimer::singleShot(0, [&queue] { queue.begin(); });
    QCoreApplication::exec();
    if (quitter.lastSignal() != 0) {
        queue.stopAll();
        std::fprintf(stderr, "sweep %s stopped: the runs not started stay queued\n",
                     qPrintable(sweep.id));
        printRanking(store, *spec, sweep.id, *tasks); // of what finished
        return exitCodeOf(RunStatus::Stopped);
    }
    if (queue.budgetHeld()) {
        std::fprintf(stderr,
                     "sweep %s: the budget of %lld epochs is spent (%lld trained); its other "
                     "runs stay queued: run the sweep again with a larger --budget to go on\n",
                     qPrintable(sweep.id), (long long)budget, (long long)spent());
    }
    printRanking(store, *spec, sweep.id, *tasks);
    return queue.failed() > 0 ? 1 : 0;
}

} // namespace dredge
