// Tuning methods against the full grid on a shipped search space
// (resources/presets/chirp-tuning.json: lr log range × waves × schedule, 3
// seeds per setting), each run trained in this process (the same driver as
// `train`, one thread), so the figures are the methods' and not process
// start-up's:
//   grid    every setting to its end: the reference best mean final loss
//   asha    the file's successive halving (settings in its seeded order,
//           one run at a time, decided by the rule the store applies):
//           epochs spent against the grid's, and its best mean final loss
//   tpe vs random, over S search seeds: the best mean final loss after N
//           settings each (the same lr range, waves and schedules; random
//           draws uniformly, log-uniformly on the lr); how often TPE's is
//           lower, and the median gap
// With --wall: the asha sweep as `dredge-studio sweep` runs it, on 1 and 2
// jobs, wall seconds each (processes, store and all).
//
// usage: bench_tuning [--searches S] [--trials N] [--startup K] [--gamma G] [--wall]

#include "BenchTiming.h"
#include "RunDriver.h"
#include "SuccessiveHalving.h"
#include "Sweep.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace dredge;

namespace {

// Ends a run at a rung when the rule says so, from the runs before it.
class RungSink : public ForwardingSink {
public:
    RungSink(std::map<int64_t, std::vector<RungEntry>>* rungs, QString group,
             const SuccessiveHalving& halving, int64_t epochs)
        : ForwardingSink(nullptr)
        , rungs_(rungs)
        , group_(std::move(group))
        , halving_(halving)
        , at_(rungEpochs(halving, epochs)) {}
    EpochVerdict epoch(const Trainer&, int64_t epoch, double loss) override {
        const int64_t done = epoch + 1;
        if (std::find(at_.begin(), at_.end(), done) == at_.end()) {
            return EpochVerdict::Continue;
        }
        auto& entries = (*rungs_)[done];
        entries.push_back({group_, std::isfinite(loss) ? loss : std::nan(""), std::nullopt});
        const bool promoted = promotedAtRung(entries, group_, halving_);
        entries.back().promoted = promoted;
        return promoted ? EpochVerdict::Continue : EpochVerdict::Prune;
    }

private:
    std::map<int64_t, std::vector<RungEntry>>* rungs_;
    QString group_;
    SuccessiveHalving halving_;
    std::vector<int64_t> at_;
};

TrainResult trainTask(const SweepTask& task, RunSink& sink) {
    RunDrive drive{task.config};
    drive.keepParameters = false;
    drive.config.train.threads = 1;
    return driveRun(drive, sink);
}

// A setting's seeds trained to the end: its mean final loss (∞ if any diverged).
struct SettingResult {
    double meanFinal = 0.0;
    double objective = 0.0; // the seeds' mean best loss, as tpe is told
};

SettingResult trainSetting(const std::vector<SweepTask>& seeds, int64_t* epochs) {
    std::vector<double> finals, bests;
    for (const auto& task : seeds) {
        ForwardingSink none(nullptr);
        const auto r = trainTask(task, none);
        *epochs += r.epochsDone;
        finals.push_back(r.status == RunStatus::Finished ? r.finalLoss : std::nan(""));
        bests.push_back(r.status == RunStatus::Finished ? r.bestLoss : std::nan(""));
    }
    return {seedObjective(finals, SeedObjective::Mean), seedObjective(bests, SeedObjective::Mean)};
}

// Tasks grouped by setting, in order.
std::vector<std::vector<SweepTask>> bySetting(const std::vector<SweepTask>& tasks) {
    std::vector<std::vector<SweepTask>> settings;
    for (const auto& t : tasks) {
        if (settings.empty() || settings.back().front().setting != t.setting) {
            settings.emplace_back();
        }
        settings.back().push_back(t);
    }
    return settings;
}

struct MethodFigures {
    double best = INFINITY;
    int64_t epochs = 0;
    double seconds = 0.0;
};

MethodFigures runGrid(SweepSpec spec) {
    spec.mode = SweepMode::Grid;
    QString error;
    const auto tasks = expandSweep(spec, &error);
    MethodFigures f;
    const auto start = bench::Clock::now();
    for (const auto& seeds : bySetting(*tasks)) {
        f.best = std::min(f.best, trainSetting(seeds, &f.epochs).meanFinal);
    }
    f.seconds = bench::seconds(start);
    return f;
}

MethodFigures runAsha(const SweepSpec& spec) {
    QString error;
    const auto tasks = expandSweep(spec, &error);
    std::map<int64_t, std::vector<RungEntry>> rungs;
    std::map<QString, std::vector<double>> finals; // settings that trained to the end
    MethodFigures f;
    const auto start = bench::Clock::now();
    for (const auto& task : *tasks) {
        RungSink sink(&rungs, task.groupLabel(), spec.halving, task.config.train.epochs);
        const auto r = trainTask(task, sink);
        f.epochs += r.epochsDone;
        if (r.status == RunStatus::Finished || r.status == RunStatus::Diverged) {
            finals[task.groupLabel()].push_back(r.status == RunStatus::Finished ? r.finalLoss
                                                                                : std::nan(""));
        }
    }
    f.seconds = bench::seconds(start);
    for (const auto& [group, losses] : finals) {
        if (losses.size() == spec.seeds.size()) {
            f.best = std::min(f.best, seedObjective(losses, SeedObjective::Mean));
        }
    }
    return f;
}

// Random search: `trials` settings drawn with seed `search`.
double randomBest(SweepSpec spec, int trials, uint64_t search, int64_t* epochs) {
    spec.mode = SweepMode::Random;
    spec.samples = trials;
    spec.sampleSeed = search;
    QString error;
    const auto tasks = expandSweep(spec, &error);
    double best = INFINITY;
    for (const auto& seeds : bySetting(*tasks)) {
        best = std::min(best, trainSetting(seeds, epochs).meanFinal);
    }
    return best;
}

// TPE: `trials` settings, each proposed from those before it (one at a time).
double tpeBest(SweepSpec spec, int trials, const ParzenOptions& parzen, uint64_t search,
               int64_t* epochs) {
    spec.mode = SweepMode::Tpe;
    spec.trials = trials;
    spec.parzen = parzen;
    spec.sampleSeed = search;
    QString error;
    const auto pending = expandSweep(spec, &error);
    std::vector<TrialOutcome> outcomes;
    double best = INFINITY;
    for (const auto& seeds : bySetting(*pending)) {
        const auto point = proposeSetting(spec, seeds.front().setting, outcomes);
        std::vector<SweepTask> proposed;
        for (const auto& task : seeds) {
            proposed.push_back(*proposedTask(spec, task, point, &error));
        }
        const auto result = trainSetting(proposed, epochs);
        outcomes.push_back({point, true, double(spec.base.train.epochs), result.objective});
        best = std::min(best, result.meanFinal);
    }
    return best;
}

double sweepWallSeconds(const QString& file, int jobs) {
    QTemporaryDir dir;
    QProcess p;
    p.setStandardOutputFile(QProcess::nullDevice());
    p.setStandardErrorFile(QProcess::nullDevice());
    QElapsedTimer clock;
    clock.start();
    p.start(QStringLiteral(DREDGE_STUDIO_EXE),
            {QStringLiteral("sweep"), file, QStringLiteral("--jobs"), QString::number(jobs),
             QStringLiteral("--store"), QStringLiteral("sqlite:") + dir.filePath("s.sqlite")});
    p.waitForFinished(-1);
    return double(clock.elapsed()) * 1e-3;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int searches = 20, trials = 20;
    ParzenOptions parzen{8, 24, 0.25};
    bool wall = false;
    for (int i = 1; i < argc; ++i) {
        const bool more = i + 1 < argc;
        if (!std::strcmp(argv[i], "--searches") && more) {
            searches = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--trials") && more) {
            trials = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--startup") && more) {
            parzen.startup = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--gamma") && more) {
            parzen.gamma = std::atof(argv[++i]);
        } else if (!std::strcmp(argv[i], "--wall")) {
            wall = true;
        } else {
            std::fprintf(stderr, "usage: bench_tuning [--searches S] [--trials N] [--startup K] "
                                 "[--gamma G] [--wall]\n");
            return 2;
        }
    }
    const QString file = QStringLiteral(DREDGE_SOURCE_DIR "/resources/presets/chirp-tuning.json");
    QString error;
    const auto spec = readSweepFile(file, &error);
    if (!spec) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    const auto grid = runGrid(*spec);
    const auto asha = runAsha(*spec);
    std::printf("%-8s %-16s %-10s %-12s %s\n", "METHOD", "BEST MEAN FINAL", "EPOCHS", "OF GRID",
                "SECONDS");
    std::printf("%-8s %-16.6g %-10lld %-12s %.1f\n", "grid", grid.best, (long long)grid.epochs,
                "100 %", grid.seconds);
    std::printf("%-8s %-16.6g %-10lld %-12s %.1f   (best %+.1f %% of the grid's)\n", "asha",
                asha.best, (long long)asha.epochs,
                qPrintable(QStringLiteral("%1 %").arg(
                    100.0 * double(asha.epochs) / double(grid.epochs), 0, 'f', 1)),
                asha.seconds, 100.0 * (asha.best / grid.best - 1.0));

    int wins = 0, ties = 0;
    std::vector<double> gaps;
    int64_t epochs = 0;
    std::printf("\n%d searches, %d settings each (tpe: %d drawn first, gamma %g):\n", searches,
                trials, parzen.startup, parzen.gamma);
    std::printf("%-7s %-14s %-14s %s\n", "SEARCH", "RANDOM BEST", "TPE BEST", "TPE − RANDOM");
    for (int s = 0; s < searches; ++s) {
        const double random = randomBest(*spec, trials, uint64_t(s), &epochs);
        const double tpe = tpeBest(*spec, trials, parzen, uint64_t(s), &epochs);
        wins += tpe < random;
        ties += tpe == random;
        gaps.push_back((tpe - random) / random);
        std::printf("%-7d %-14.6g %-14.6g %+.2f %%\n", s, random, tpe, 100.0 * gaps.back());
    }
    if (!gaps.empty()) {
        std::printf("TPE's best below random's in %d of %d searches (%.0f %%; %d ties); median "
                    "gap %+.2f %% of random's best\n",
                    wins, searches, 100.0 * wins / searches, ties, 100.0 * bench::median(gaps));
    }
    if (wall) {
        const double one = sweepWallSeconds(file, 1), two = sweepWallSeconds(file, 2);
        std::printf("\n`sweep` of the asha file: %.1f s on 1 job, %.1f s on 2 jobs (%.2f×)\n", one,
                    two, one / two);
    }
    return 0;
}
