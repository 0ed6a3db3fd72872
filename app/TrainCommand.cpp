#include "TrainCommand.h"

#include "ForkRecord.h"
#include "RankLaunch.h"
#include "TrainArguments.h"

#include "AllocatorTuning.h"
#include "CsvSignal.h"
#include "ExperimentJson.h"
#include "PopulationJudge.h"
#include "ProgressThrottle.h"
#include "RankedEpochs.h"
#include "RunCost.h"
#include "RunDriver.h"
#include "RunStore.h"
#include "RungJudge.h"
#include "Settings.h"
#include "Sweep.h"
#include "SweepRecords.h"
#include "TrainRecording.h"
#include "Trainer.h"
#include "TrialStore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <unistd.h>

namespace dredge {
namespace {

std::atomic<bool> interrupted{false};

extern "C" void onInterrupt(int) {
    interrupted.store(true);
}

// Progress on stderr: a bar redrawn with each batch of losses on a terminal;
// otherwise a plain line per tenth of the run, and at least every 10 s (logs
// stay short). Rates and the ETA are the driver's.
class ProgressPrinter {
public:
    explicit ProgressPrinter(int64_t epochs)
        : terminal_(isatty(STDERR_FILENO) != 0)
        , total_(std::max<int64_t>(1, epochs)) {
        clock_.start();
    }

    void progress(const ProgressBatch& b) {
        const int64_t first = b.firstEpoch, done = b.epochsDone;
        const bool nextTenth = done * 10 / total_ != first * 10 / total_;
        const double now = double(clock_.nsecsElapsed()) * 1e-9;
        if (b.losses.empty() || !(terminal_ || nextTenth || now - lastLine_ >= 10.0)) {
            return;
        }
        lastLine_ = now;
        const double loss = b.losses.back();
        const QString eta =
            b.etaSeconds < 0 ? QStringLiteral("?") : QString::number(b.etaSeconds, 'f', 1) + u's';
        if (terminal_) {
            const double fraction = double(done) / double(total_);
            const int width = 30, filled = int(fraction * width);
            std::fprintf(
                stderr, "\r[%s%s] %3d%% epoch %lld/%lld loss %.4g  %.0f epochs/s  ETA %s  ",
                QByteArray(filled, '#').constData(), QByteArray(width - filled, '.').constData(),
                int(fraction * 100), (long long)done, (long long)total_, loss, b.epochsPerSecond,
                qPrintable(eta));
        } else {
            std::fprintf(stderr, "epoch %lld/%lld loss %.6g (%.0f epochs/s, ETA %s)\n",
                         (long long)done, (long long)total_, loss, b.epochsPerSecond,
                         qPrintable(eta));
        }
        std::fflush(stderr);
    }
    void finish() {
        if (terminal_) {
            std::fputc('\n', stderr);
        }
    }

private:
    bool terminal_;
    int64_t total_;
    QElapsedTimer clock_;
    double lastLine_ = 0.0;
};

// What --resume RUN[@EPOCH] goes on from: the stored run and its state.
struct Fork {
    RunRecord parent;
    ResumePoint point;
};

bool loadFork(const QString& spec, const StoreLocation& location, Fork* fork, QString* error) {
    const auto at = spec.indexOf(u'@');
    qint64 epoch = -1;
    if (at >= 0) {
        bool ok = false;
        epoch = spec.mid(at + 1).toLongLong(&ok);
        if (!ok || epoch < 1) {
            *error =
                QStringLiteral("--resume takes RUN or RUN@EPOCH (EPOCH ≥ 1), not '%1'").arg(spec);
            return false;
        }
    }
    RunStore store;
    const auto id =
        store.open(location, error) ? store.resolveId(spec.left(at), error) : std::nullopt;
    auto parent = id ? store.loadRun(*id, error) : std::nullopt;
    auto point = parent ? store.resumePoint(*id, epoch, error) : std::nullopt;
    const auto journal = point ? store.journal(*id, error) : std::nullopt;
    if (!journal) {
        return false;
    }
    // The settings the parent trained its first epochs with, its live
    // changes up to there included: a fork at a change's epoch goes on with
    // the value before it (the undo), unless a flag says otherwise.
    parent->config = configAt(parent->config, *journal, point->checkpoint.epoch - 1);
    fork->parent = std::move(*parent);
    fork->point = std::move(*point);
    return true;
}

// What --replay RUN trains again: the stored run, its journal and losses.
struct Replay {
    RunRecord original;
    RunJournal journal; // applied changes only
    std::vector<double> losses;
    std::optional<Fork> fork; // a fork is replayed from its parent's checkpoint
};

bool loadReplay(const QString& spec, const StoreLocation& location, Replay* replay,
                QString* error) {
    RunStore store;
    const auto id = store.open(location, error) ? store.resolveId(spec, error) : std::nullopt;
    auto original = id ? store.loadRun(*id, error) : std::nullopt;
    auto journal = original ? store.journal(*id, error) : std::nullopt;
    auto losses = journal ? store.lossHistory(*id, error) : std::nullopt;
    if (!losses) {
        return false;
    }
    if (!isEnded(original->status)) {
        *error = QStringLiteral("run %1 is %2: replay a run once it has ended")
                     .arg(id->left(8), recordStatusName(original->status));
        return false;
    }
    replay->original = std::move(*original);
    replay->journal = appliedChanges(*journal);
    replay->losses = std::move(*losses);
    const auto& r = replay->original;
    if (!r.parentId.isEmpty() && r.forkEpoch > 0) {
        replay->fork.emplace();
        if (!loadFork(QStringLiteral("%1@%2").arg(r.parentId).arg(r.forkEpoch), location,
                      &*replay->fork, error)) {
            *error = QStringLiteral("run %1 is a fork; its parent's checkpoint: %2")
                         .arg(r.id.left(8), *error);
            return false;
        }
    }
    return true;
}

// --replay repeats a run as it ran: a flag that would change it is refused.
QString replayClash(const QCommandLineParser& p) {
    QStringList flags = {QStringLiteral("resume"), QStringLiteral("experiment"),
                         QStringLiteral("sweep"), QStringLiteral("task"),
                         QStringLiteral("sweep-id")};
    for (const auto& s : settings()) {
        if (!s.has(Replayable)) {
            flags.append(s.name);
        }
    }
    for (const auto& flag : flags) {
        if (p.isSet(flag)) {
            return QStringLiteral("--replay trains a run again as it ran: it takes no --%1 "
                                  "(fork it with --resume to change it)")
                .arg(flag);
        }
    }
    return {};
}

// Whether a replay gave the original's losses, bit for bit.
QJsonObject replayVerdict(const Replay& replay, const std::vector<double>& losses) {
    const auto& original = replay.losses;
    int64_t firstDifference = -1;
    for (size_t e = 0; e < std::max(original.size(), losses.size()); ++e) {
        const bool same = e < original.size() && e < losses.size() &&
                          std::memcmp(&original[e], &losses[e], sizeof(double)) == 0;
        if (!same) {
            firstDifference = int64_t(e);
            break;
        }
    }
    const auto changes = std::count_if(replay.journal.begin(), replay.journal.end(), [](auto& c) {
        return c.action == ChangeAction::Set || c.action == ChangeAction::Stop;
    });
    return {{"of", replay.original.id},
            {"changes", int(changes)},
            {"replayed_epochs", double(losses.size())},
            {"original_epochs", double(original.size())},
            {"identical", firstDifference < 0},
            {"first_difference", double(firstDifference)}};
}

// Why task `task` of a stored sweep is not in its queue any more (another
// process trains or trained it), or empty when it is not known to be.
QString taskTakenBy(RunStore& store, const QString& sweepId, int task) {
    QString error;
    const auto runs = store.listRuns(&error);
    for (const auto& r : runs ? *runs : std::vector<RunRecord>{}) {
        if (r.sweepId == sweepId && r.sweepTask == task && r.status != RecordStatus::Queued) {
            return QStringLiteral("task %1 of sweep %2 is %3 already (run %4 on %5): a task is "
                                  "trained once")
                .arg(task)
                .arg(sweepId.left(8), recordStatusName(r.status), r.id.left(8), r.host);
        }
    }
    return {};
}

// The run's record: task --task of a stored sweep is taken from the queue
// where 'sweep' put it (and refused, with why, when another process took it);
// any other run gets a new record.
std::unique_ptr<TrainRecording>
recordingFor(const StoreLocation& location, const ExperimentConfig& config,
             const QCommandLineParser& p, const std::optional<SweepTask>& task,
             const QString& sweepName, const std::optional<RunRecord>& forked, QString* refusal,
             bool* heldBack) {
    const QString sweepId = p.value(QStringLiteral("sweep-id"));
    if (task && !sweepId.isEmpty() && !forked) { // a pbt member's fork is a new run of its task
        RunStore store;
        QString error;
        bool opened = store.open(location, &error);
        if (opened && p.isSet(QStringLiteral("after-killed"))) {
            SweepRecord sweep;
            sweep.id = sweepId;
            sweep.name = sweepName;
            opened = store.requeueTask(sweepId, task->index, queuedRun(sweep, *task),
                                       QStringLiteral("its process was killed before the run "
                                                      "ended; the task was trained again"),
                                       &error);
        }
        // Under sweep --budget on Slurm: taken only when its epochs fit.
        const qint64 budget = p.value(QStringLiteral("sweep-budget")).toLongLong();
        qint64 held = -1;
        const auto claimed =
            !opened      ? std::nullopt
            : budget > 0 ? store.claimWithinBudget(sweepId, task->index, config.train.epochs,
                                                   budget, &held, &error)
                         : store.claimQueuedRun(sweepId, task->index, &error);
        if (held >= 0) {
            *heldBack = true;
            *refusal = QStringLiteral("the sweep's budget of %1 epochs holds %2 already, too few "
                                      "for this task's %3: task %4 stays queued (submit the "
                                      "sweep again with a larger --budget to go on)")
                           .arg(budget)
                           .arg(held)
                           .arg(config.train.epochs)
                           .arg(task->index);
            return nullptr;
        }
        if (claimed) {
            RunRecord record = *claimed;
            record.config = config;
            // A tpe trial was queued as "trial k": it is named by its setting now.
            const QString name = p.isSet(QStringLiteral("name")) ? p.value(QStringLiteral("name"))
                                                                 : QStringLiteral("%1 #%2: %3")
                                                                       .arg(sweepName)
                                                                       .arg(task->index)
                                                                       .arg(task->label());
            if (name != record.name && store.renameRun(record.id, name, &error)) {
                record.name = name;
            }
            record.pid = QCoreApplication::applicationPid();
            return std::make_unique<TrainRecording>(location, record, true);
        }
        if (opened) {
            *refusal = taskTakenBy(store, sweepId, task->index);
            if (!refusal->isEmpty()) {
                return nullptr;
            }
        }
        std::fprintf(stderr, "dredge-studio train: %s; recording a new run\n", qPrintable(error));
    }
    QString name = p.value(QStringLiteral("name"));
    if (name.isEmpty() && task) {
        name = QStringLiteral("%1 #%2: %3").arg(sweepName).arg(task->index).arg(task->label());
    }
    RunRecord record =
        forked ? *forked : newRunRecord(config, name.isEmpty() ? describe(config) : name);
    if (task) {
        record.sweepId = sweepId;
        record.sweepTask = task->index;
    }
    return std::make_unique<TrainRecording>(location, record, false);
}

// ", 2 ranks on node1, node2" for a run on several ranks, else empty.
std::string ranksText(const RunSetup& setup) {
    if (setup.ranks <= 1) {
        return {};
    }
    std::string text = ", " + std::to_string(setup.ranks) + " ranks on ";
    for (size_t i = 0; i < setup.hosts.size(); ++i) {
        text += (i > 0 ? ", " : "") + setup.hosts[i];
    }
    return text;
}

// `train`'s sink: progress to the terminal, and to the store when recording.
class CommandSink : public ForwardingSink {
public:
    CommandSink(const ExperimentConfig& config, TrainRecording* recording, const Fork* fork)
        : ForwardingSink(recording)
        , config_(config)
        , fork_(fork)
        , printer_(config.train.epochs) {}

    void ready(const Trainer& trainer) override {
        setup = trainer.setup();
        ForwardingSink::ready(trainer);
        if (onReady_) {
            onReady_();
        }
        std::fprintf(stderr, "training %s on %s: %lld parameters, %lld epochs%s%s\n",
                     modelKindName(config_.model.kind).data(), setup.dataDescription.c_str(),
                     (long long)setup.parameters, (long long)config_.train.epochs,
                     ranksText(setup).c_str(),
                     fork_ ? qPrintable(QStringLiteral(", from epoch %1 of run %2")
                                            .arg(fork_->point.checkpoint.epoch)
                                            .arg(fork_->parent.id.left(8)))
                           : "");
        if (const auto note = mixedPrecisionNote(config_, cpuHasBFloat16Dot()); !note.empty()) {
            std::fprintf(stderr, "note: %s\n", note.c_str());
        }
    }
    void progress(const ProgressBatch& batch) override {
        printer_.progress(batch);
        ForwardingSink::progress(batch);
    }
    EpochVerdict epoch(const Trainer& trainer, int64_t epoch, double loss) override {
        if (interrupted.load()) {
            return EpochVerdict::Stop;
        }
        if (judge_) {
            const double watched =
                trainer.watchesValidation() ? trainer.lastValidationLoss() : loss;
            auto why = judge_->prunedAfter(epoch + 1, watched);
            if (!judge_->problem().isEmpty()) {
                std::fprintf(stderr,
                             "\ndredge-studio train: warning: the rung at epoch %lld is "
                             "not judged (%s); the run goes on\n",
                             (long long)(epoch + 1), qPrintable(judge_->problem()));
            }
            if (why) {
                pruneReason = std::move(*why);
                return EpochVerdict::Prune;
            }
        }
        return population_ ? judgePopulation(trainer, epoch, loss) : EpochVerdict::Continue;
    }
    // Called once the run is in the store, before its first epoch.
    void onReady(std::function<void()> hook) { onReady_ = std::move(hook); }
    // A pbt sweep's run: the store decides its member's step at each boundary.
    void judgePopulation(std::unique_ptr<PopulationJudge> judge) { population_ = std::move(judge); }
    // A halving sweep's run (asha, hyperband): the store judges it at each rung.
    void judgeRungs(std::unique_ptr<RungJudge> judge) { judge_ = std::move(judge); }
    void changed(const SettingChange& change) override {
        std::fprintf(stderr, "\n%s: %s%s\n",
                     change.state == ChangeState::Applied ? "change" : "change refused",
                     qPrintable(describeChange(change)),
                     change.message.isEmpty() ? "" : qPrintable(": " + change.message));
        ForwardingSink::changed(change);
    }
    void finish() { printer_.finish(); }

    RunSetup setup;
    QString pruneReason;                      // why a rung or a pbt boundary ended the run
    std::optional<PopulationExploit> exploit; // where a pbt member goes on

private:
    EpochVerdict judgePopulation(const Trainer& trainer, int64_t epoch, double loss) {
        const double watched = trainer.watchesValidation() ? trainer.lastValidationLoss() : loss;
        exploit = population_->exploitAfter(epoch + 1, watched);
        if (!population_->problem().isEmpty()) {
            std::fprintf(stderr,
                         "\ndredge-studio train: warning: the population's step at epoch %lld is "
                         "not decided (%s); the run goes on\n",
                         (long long)(epoch + 1), qPrintable(population_->problem()));
        }
        if (!exploit) {
            return EpochVerdict::Continue;
        }
        pruneReason = exploit->reason;
        return EpochVerdict::Prune;
    }

    std::unique_ptr<RungJudge> judge_;
    std::unique_ptr<PopulationJudge> population_;
    std::function<void()> onReady_;
    const ExperimentConfig& config_;
    const Fork* fork_;
    ProgressPrinter printer_;
};

// Before training (`ended` false) and after it.
void warnIfNotStored(const TrainRecording& recording, bool ended = false) {
    if (!recording.problem().isEmpty()) {
        std::fprintf(stderr,
                     ended ? "dredge-studio train: warning: the run is not in the store: %s\n"
                           : "dredge-studio train: warning: %s; training goes on without it\n",
                     qPrintable(recording.problem()));
    }
}

constexpr std::array<std::pair<RunStatus, int>, 5> kExitCodes{{
    {RunStatus::Finished, 0},
    {RunStatus::Diverged, 3},
    {RunStatus::Pruned, 4},
    {RunStatus::Stopped, 130},
    {RunStatus::Failed, 1},
}};

} // namespace

int exitCodeOf(RunStatus outcome) {
    for (const auto& [status, code] : kExitCodes) {
        if (status == outcome) {
            return code;
        }
    }
    return 1;
}

std::optional<RunStatus> outcomeOfExitCode(int code) {
    for (const auto& [status, exitCode] : kExitCodes) {
        if (exitCode == code) {
            return status;
        }
    }
    return std::nullopt;
}

// Rank 0 of `config.train.ranks`: meets the ranks Slurm started (`place`) or
// those it starts here, once it is clear they can train the run.
static bool meetRanks(const ExperimentConfig& config, const QCommandLineParser& p,
                      const std::optional<RankPlace>& place, LocalRanks& local,
                      std::unique_ptr<RankGroup>& group, QString* error) {
    const int ranks = config.train.ranks;
    if (const auto problem = rankedTrainingProblem(config, ranks); !problem.empty()) {
        *error = QString::fromStdString(problem);
        return false;
    }
    if (!rankGroupsAvailable()) {
        *error = QStringLiteral("this build has no Gloo process group: install libgloo-dev and "
                                "build again to train on several ranks");
        return false;
    }
    std::chrono::milliseconds timeout = std::chrono::minutes(5);
    if (p.isSet(QStringLiteral("rank-timeout"))) {
        bool ok = false;
        const double seconds = p.value(QStringLiteral("rank-timeout")).toDouble(&ok);
        if (!ok || !(seconds >= 1.0 && seconds <= 86400.0)) {
            *error = QStringLiteral("--rank-timeout takes seconds from 1 to 86400, not '%1'")
                         .arg(p.value(QStringLiteral("rank-timeout")));
            return false;
        }
        timeout = std::chrono::milliseconds(int64_t(seconds * 1000.0));
    }
    if (!place && !local.start(ranks, QCoreApplication::arguments(), timeout, error)) {
        return false;
    }
    try {
        group = std::make_unique<RankGroup>(place ? *place : local.rankZero());
    } catch (const std::exception& e) {
        *error = QString::fromUtf8(e.what());
        return false;
    }
    return true;
}

// The store --store (or the default) names, as --follow-symlinks allows it.
std::optional<StoreLocation> storeOf(const QCommandLineParser& parser, QString* error) {
    auto location = parseStoreUrl(chooseStoreUrl(parser.value(QStringLiteral("store"))), error);
    if (location) {
        location->followSymlinks = parser.isSet(QStringLiteral("follow-symlinks"));
    }
    return location;
}

// A tpe sweep's task: its trial's setting, asked of the sweep's store
// (proposed there by the trial's first run to start).
bool takeTrialSetting(const QCommandLineParser& parser, TrainArguments* run, QString* error) {
    const QString sweepId = parser.value(QStringLiteral("sweep-id"));
    if (sweepId.isEmpty() || parser.isSet(QStringLiteral("no-store"))) {
        *error = QStringLiteral("task %1 is a trial of a tpe sweep: its setting is proposed in "
                                "the sweep's store, so it needs --sweep-id and a store (run the "
                                "sweep with 'dredge-studio sweep')")
                     .arg(run->task->index);
        return false;
    }
    RunStore store;
    const auto location = storeOf(parser, error);
    const auto proposed = location && store.open(*location, error)
                              ? proposeTrialTask(store, *run->sweep, sweepId, *run->task, error)
                              : std::nullopt;
    return proposed && takeProposedTask(parser, run, *proposed, error);
}

namespace {

// A pbt member's run that copied another at a boundary, its outcome not yet
// written: it ends when the member's fork is in the store, or, whatever
// happens to the fork, when the last owner lets go of it.
class EndingRun {
public:
    EndingRun(std::unique_ptr<TrainRecording> recording, TrainResult result)
        : recording_(std::move(recording))
        , result_(std::move(result)) {}
    ~EndingRun() { finish(); }
    EndingRun(const EndingRun&) = delete;
    EndingRun& operator=(const EndingRun&) = delete;
    void finish() {
        if (recording_) {
            recording_->finish(result_);
            warnIfNotStored(*recording_, true);
            recording_.reset();
        }
    }

private:
    std::unique_ptr<TrainRecording> recording_;
    TrainResult result_;
};

// Where a pbt member goes on, and the run it leaves.
struct MemberStep {
    PopulationExploit exploit;
    std::shared_ptr<EndingRun> ending;
};

// A pbt member going on after its run ended at a boundary: a fork of the
// copied member's run with the same seed, in the member's explored setting
// (the task takes its values for its name; the config is the copied run's,
// the explore goes into the fork's journal).
bool takeMemberFork(const QCommandLineParser& parser, TrainArguments* run, const Fork& fork,
                    const PopulationExploit& step, QString* error) {
    auto explored = proposedTask(*run->sweep, *run->task, step.setting, error);
    if (!explored || !takeForkedConfig(parser, run, fork.parent.config, error)) {
        return false;
    }
    run->task = std::move(*explored);
    return true;
}

// The name of a pbt member's fork: its task, whom it copied, and its setting.
QString memberForkName(const TrainArguments& run, const PopulationExploit& step) {
    return QStringLiteral("%1 #%2: member %3 from member %4 at epoch %5: %6")
        .arg(run.sweepName)
        .arg(run.task->index)
        .arg(run.task->setting)
        .arg(step.source)
        .arg(step.epoch)
        .arg(run.task->label());
}

// A pbt sweep's run: its member's steps are decided in the sweep's store.
std::unique_ptr<PopulationJudge> populationJudge(const QCommandLineParser& parser,
                                                 const TrainArguments& run,
                                                 const PopulationExploit* member,
                                                 TrainRecording& recording) {
    QString error;
    const auto location = storeOf(parser, &error);
    const QString sweepId = parser.value(QStringLiteral("sweep-id"));
    if (!location || sweepId.isEmpty()) {
        std::fprintf(stderr, "dredge-studio train: note: a pbt sweep's members are judged in its "
                             "store (--sweep-id and a store): this run trains to its end\n");
        return nullptr;
    }
    const auto& spec = *run.sweep;
    PopulationEntry entry;
    entry.member = run.task->setting;
    entry.seedIndex = run.task->index % int(spec.seeds.size());
    entry.runId = recording.runId();
    entry.setting = member ? member->setting : settingOf(spec, *run.task);
    auto judge = std::make_unique<PopulationJudge>(
        *location, spec, sweepId, std::move(entry), run.config.train.epochs,
        parser.value(QStringLiteral("sweep-jobs")).toInt(), [&recording] { recording.flush(); });
    judge->setCancelled([] { return interrupted.load(); }); // Ctrl+C while it waits
    return judge;
}

// One run; a pbt member's run that ended at a boundary sets `next`, where
// the member goes on (`member` when this run is that).
int trainOnce(const QStringList& arguments, const MemberStep* step,
              std::optional<MemberStep>* next) {
    const PopulationExploit* member = step ? &step->exploit : nullptr;
    QCommandLineParser parser;
    addTrainOptions(parser);
    const auto fail = [](const QString& reason) {
        std::fprintf(stderr, "dredge-studio train: %s\n", qPrintable(reason));
        return 2;
    };
    if (!parser.parse(withCurrentFlagNames(arguments))) {
        return fail(parser.errorText());
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    }
    std::optional<Fork> fork;
    std::optional<Replay> replay;
    const bool replaying = parser.isSet(QStringLiteral("replay"));
    if (replaying || parser.isSet(QStringLiteral("resume"))) {
        if (const auto clash = replaying ? replayClash(parser) : QString(); !clash.isEmpty()) {
            return fail(clash);
        }
        QString error;
        const auto location = storeOf(parser, &error);
        bool loaded = false;
        if (location && replaying) {
            loaded = loadReplay(parser.value(QStringLiteral("replay")), *location,
                                &replay.emplace(), &error);
            fork = replay->fork; // a fork is replayed from its parent's checkpoint
        } else if (location) {
            loaded = loadFork(parser.value(QStringLiteral("resume")), *location, &fork.emplace(),
                              &error);
        }
        if (!loaded) {
            return fail(error);
        }
    }
    if (member) {
        QString error;
        const auto location = storeOf(parser, &error);
        if (!location ||
            !loadFork(QStringLiteral("%1@%2").arg(member->sourceRunId).arg(member->epoch),
                      *location, &fork.emplace(), &error)) {
            return fail(QStringLiteral("member %1 cannot go on from run %2: %3")
                            .arg(member->source)
                            .arg(member->sourceRunId.left(8), error));
        }
    }
    TrainArguments run;
    QString argumentError;
    // A replay starts from the original's config (only replayable flags
    // may change it), a fork from its parent's.
    const ExperimentConfig* base = replay ? &replay->original.config
                                   : fork ? &fork->parent.config
                                          : nullptr;
    if (!readTrainArguments(parser, &run, &argumentError, base) ||
        (run.task && run.task->pending && !takeTrialSetting(parser, &run, &argumentError)) ||
        (member && !takeMemberFork(parser, &run, *fork, *member, &argumentError))) {
        return fail(argumentError);
    }
    const ExperimentConfig& config = run.config;
    // Sizes the table accepts can still need more memory than there is: say
    // so with the estimate before the allocator fails mid-run.
    const double memory = physicalMemoryBytes();
    if (const auto cost = estimateRunCost(config, {});
        memory > 0.0 && cost.bytes > memory / 2.0 && !parser.isSet(QStringLiteral("allow-large"))) {
        return fail(QStringLiteral("this run would need more than half of this machine's memory "
                                   "(%1); shrink it, or give --allow-large to start it anyway")
                        .arg(costText(cost, memory)));
    }
    // Data-parallel training: a rank other than 0 serves rank 0's epochs and
    // ends; rank 0 (this process, which may start the others) goes on.
    QString placeError;
    const auto place = placeOf(run.config, &placeError);
    if (!placeError.isEmpty()) {
        return fail(placeError);
    }
    if (place && place->rank > 0) {
        return serveAsRank(config, *place);
    }
    LocalRanks localRanks;
    std::unique_ptr<RankGroup> ranks;
    if (config.train.ranks > 1) {
        QString error;
        if (!meetRanks(config, parser, place, localRanks, ranks, &error)) {
            return fail(error);
        }
    }

    std::optional<RunRecord> forked;
    if (fork) {
        QString error;
        forked = forkRecord(
            fork->parent, fork->point, config,
            member ? memberForkName(run, *member) : parser.value(QStringLiteral("name")), &error);
        if (!forked) {
            return fail(error);
        }
        if (member) { // filtered in History as the sweep's queued runs are
            forked->tags = QStringList{QStringLiteral("sweep"), QStringLiteral("pbt")};
        }
    }

    std::unique_ptr<TrainRecording> recording;
    if (replay && parser.isSet(QStringLiteral("no-store"))) {
        return fail(QStringLiteral("--replay records the replay beside the original: it takes "
                                   "no --no-store"));
    }
    if (!parser.isSet(QStringLiteral("no-store"))) {
        QString error;
        const auto location = storeOf(parser, &error);
        if (!location) {
            return fail(error);
        }
        QString refusal;
        bool heldBack = false;
        recording = recordingFor(*location, config, parser, run.task, run.sweepName, forked,
                                 &refusal, &heldBack);
        if (!recording) {
            std::fprintf(stderr, "dredge-studio train: %s\n", qPrintable(refusal));
            return heldBack ? 0 : 1; // a task the budget holds back has not failed
        }
        if (replay) {
            recording->setReplayOf(replay->original.id);
        }
        warnIfNotStored(*recording); // a store that cannot open says so before training
        recording->onProblemChange([](const QString& problem) {
            if (problem.isEmpty()) {
                std::fputs("dredge-studio train: the store works again; held writes are going "
                           "in\n",
                           stderr);
            } else {
                std::fprintf(stderr, "dredge-studio train: warning: %s; training goes on\n",
                             qPrintable(problem));
            }
        });
    }

    tuneMallocForTraining();
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    if (recording && fork) {
        recording->setResumePoint(&fork->point);
    }
    RunControl control; // a shell's requests through the store: runs set/pause/resume/stop
    if (recording) {
        recording->setControl(&control);
    }
    CommandSink sink(config, recording.get(), fork ? &*fork : nullptr);
    if (step && recording) { // the run the member leaves ends once this one is in the store
        sink.onReady([&recording, ending = step->ending] {
            recording->flush();
            ending->finish();
        });
    }
    if (run.halving && run.task) {
        QString error;
        const auto location = recording ? storeOf(parser, &error) : std::nullopt;
        const QString sweepId = parser.value(QStringLiteral("sweep-id"));
        if (location && !sweepId.isEmpty()) {
            RunStore::RungArrival arrival;
            arrival.sweepId = sweepId;
            arrival.bracket = run.task->bracket;
            arrival.runId = recording->runId();
            arrival.group = run.task->groupLabel();
            sink.judgeRungs(
                std::make_unique<RungJudge>(*location, arrival, *run.halving, config.train.epochs));
        } else {
            std::fprintf(stderr,
                         "dredge-studio train: note: a halving sweep's rungs are judged in "
                         "its store (--sweep-id and a store): this run trains to its end\n");
        }
    }
    if (run.sweep && run.sweep->mode == SweepMode::Pbt && run.task && recording) {
        sink.judgePopulation(populationJudge(parser, run, member, *recording));
    }
    const RunSetup& setup = sink.setup;
    TrainResult result;
    try {
        RunDrive drive{config, fork ? &fork->point : nullptr, recording != nullptr,
                       recording != nullptr};
        drive.control = &control;
        drive.ranks = ranks.get();
        if (replay) {
            drive.script = replay->journal;
        }
        if (member) { // the explore, journaled at the fork's first epoch
            drive.planned =
                exploreChanges(*run.sweep, fork->parent.config, member->setting, member->epoch);
        }
        result = driveRun(drive, sink);
        if (result.status == RunStatus::Pruned) {
            result.stopReason = sink.pruneReason.toStdString();
        }
    } catch (const CsvError& e) {
        return fail(QString::fromUtf8(e.what()));
    } catch (const std::invalid_argument& e) {
        return fail(QString::fromUtf8(e.what()));
    } catch (const std::exception& e) {
        const auto why = failureText(e);
        std::fprintf(stderr, "dredge-studio train: failed: %s\n", why.c_str());
        if (recording) {
            result.status = RunStatus::Failed;
            result.error = why;
            recording->finish(result);
            warnIfNotStored(*recording, true);
        }
        return 1;
    }
    sink.finish();
    localRanks.finish(result.status == RunStatus::Failed);
    if (sink.exploit && recording) {
        // The member goes on in a fork, in this process; this run ends once
        // the fork is in the store, so that the task never seems done to the
        // runs waiting at the next boundary.
        std::fprintf(stderr, "%s\n", qPrintable(sink.pruneReason));
        next->emplace(
            MemberStep{*sink.exploit, std::make_shared<EndingRun>(std::move(recording), result)});
        return exitCodeOf(result.status);
    }
    const bool stored = recording && recording->finish(result);
    if (recording) {
        warnIfNotStored(*recording, true);
    }

    QJsonObject summary = toJson(result, true);
    if (setup.zeroPredictorMse > 0 && std::isfinite(result.finalLoss)) {
        // docs/reference.md §6: a loss means little without the flat-line baseline beside it.
        summary.insert(QStringLiteral("final_relative_mse"),
                       result.finalLoss / setup.zeroPredictorMse);
        summary.insert(QStringLiteral("final_psnr_db"), psnr(result.finalLoss, setup.targetPeak));
    }
    QJsonObject output{{"app", QStringLiteral("dredge-studio")},
                       {"version", QCoreApplication::applicationVersion()},
                       {"config", toJson(config)},
                       {"setup", toJson(setup)},
                       {"result", summary}};
    if (recording) {
        // The id names the run even when the store failed: it is what a later
        // import or a retried write would use.
        output.insert(QStringLiteral("run_id"), recording->runId());
        output.insert(QStringLiteral("store"), recording->url());
        output.insert(QStringLiteral("stored"), stored);
        QJsonArray changes;
        for (const auto& change : appliedChanges(recording->journal())) {
            changes.append(changeToJson(change));
        }
        output.insert(QStringLiteral("changes"), changes);
    }
    if (replay) {
        const auto verdict = replayVerdict(*replay, result.lossHistory);
        output.insert(QStringLiteral("replay"), verdict);
        std::fprintf(
            stderr, "replay of run %s: %s\n", qPrintable(replay->original.id.left(8)),
            verdict.value(QStringLiteral("identical")).toBool()
                ? "every loss identical to the original's, bit for bit"
                : qPrintable(
                      QStringLiteral("losses differ from epoch %1 on")
                          .arg(verdict.value(QStringLiteral("first_difference")).toInteger())));
    }
    const QByteArray json = QJsonDocument(output).toJson(QJsonDocument::Indented);
    if (parser.isSet(QStringLiteral("out"))) {
        QSaveFile file(parser.value(QStringLiteral("out")));
        if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
            std::fprintf(stderr, "dredge-studio train: cannot write '%s': %s\n",
                         qPrintable(file.fileName()), qPrintable(file.errorString()));
            return 1;
        }
    } else {
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    }
    std::fprintf(stderr, "%s after %lld epochs: final loss %.6g, best %.6g, %.4f ms/epoch\n",
                 runStatusName(result.status).data(), (long long)result.epochsDone,
                 result.finalLoss, result.bestLoss, result.msPerEpoch);
    if (!result.stopReason.empty()) {
        std::fprintf(stderr, "%s%s\n", result.stopReason.c_str(),
                     result.restoredBest ? "; the best epoch's weights were restored" : "");
    }
    return exitCodeOf(result.status);
}

} // namespace

int runTrainCommand(const QStringList& arguments) {
    std::optional<MemberStep> next;
    int status = trainOnce(arguments, nullptr, &next);
    while (next && !interrupted.load()) { // a pbt member goes on until its end
        const auto step = *std::exchange(next, std::nullopt);
        status = trainOnce(arguments, &step, &next);
    }
    // Stopped between a member's run and its fork: the run ends as pruned
    // (with `next`), the process as stopped.
    return next ? exitCodeOf(RunStatus::Stopped) : status;
}

} // namespace dredge
