// Runs on worker threads: the progress throttle (with injected time), pause /
// resume / stop, several runs at once, failures, and teardown. Waits on
// signals with timeouts; never sleeps for timing.
//
// Threads and ThreadSanitizer: a TrainingRun's worker lives on a QThread and
// hands progress, snapshots and results to the GUI thread by queued signals
// carrying plain values; Debian's Qt is not built with TSan, so those handoffs
// cannot be checked here. What the two threads share outside Qt is checked on
// plain std::threads by the tests registered as test_training_run_threads
// (the tsan preset runs them): RunControl (a mutex and a condition variable
// for pause, resume and stop), PredictionProbe (a mutex around the points, an
// atomic interval) and the ProgressThrottle (one thread's own).

#include "ChirpExperiment.h"
#include "LossSmoothing.h"
#include "ParameterPlan.h"
#include "ParameterReplay.h"
#include "ProgressThrottle.h"
#include "RunControl.h"
#include "RunDriver.h"
#include "RunTimeline.h"
#include "ScratchFolder.h"
#include "TrainingRun.h"
#include "TrainingWorker.h"

#include <QSignalSpy>
#include <QTemporaryDir>

#include <QtTest>
#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

using namespace dredge;

namespace {

// Every batch continues where the previous one ended.
bool batchesAreContiguous(const QSignalSpy& spy, int64_t* total) {
    int64_t next = 0;
    for (const auto& args : spy) {
        const auto batch = args.at(0).value<ProgressBatch>();
        if (batch.firstEpoch != next || batch.losses.empty()) {
            return false;
        }
        next += int64_t(batch.losses.size());
        if (batch.epochsDone != next) {
            return false;
        }
    }
    *total = next;
    return true;
}

constexpr int kTimeoutMs = 60000;

ExperimentConfig csvRun(const std::string& path) {
    auto config = chirpExperiment(10);
    config.data.kind = DataKind::CsvSignal;
    config.data.csvPath = path;
    return config;
}

// Trains `config` and a healthy chirp run at the same time; returns both
// results (a default result where one never finished).
std::pair<TrainResult, TrainResult> runBesideAGoodOne(const ExperimentConfig& config) {
    TrainingRun subject(config), good(chirpExperiment(50));
    QSignalSpy subjectDone(&subject, &TrainingRun::finished);
    QSignalSpy goodDone(&good, &TrainingRun::finished);
    subject.start();
    good.start();
    const auto resultOf = [](QSignalSpy& spy) {
        if (spy.count() == 1 || spy.wait(kTimeoutMs)) {
            return spy.at(0).at(0).value<TrainResult>();
        }
        TrainResult neverFinished; // matches neither Failed nor Finished
        neverFinished.status = RunStatus::Stopped;
        return neverFinished;
    };
    const auto first = resultOf(subjectDone);
    return {first, resultOf(goodDone)};
}

// A sink that keeps what the driver sends: the kept parameters and, at the
// epochs asked for, the model's own prediction after that epoch's update
// (the parameters the next epoch's forward pass uses).
class KeepingSink : public RunSink {
public:
    explicit KeepingSink(std::vector<int64_t> watched = {})
        : watched_(std::move(watched)) {}
    void ready(const Trainer& trainer) override {
        data = RunData{trainer.setup(), trainer.trainingCoordinates(), trainer.trainingTargets(),
                       trainer.trainingTimes()};
    }
    void progress(const ProgressBatch&) override {}
    EpochVerdict epoch(const Trainer& trainer, int64_t epoch, double) override {
        if (std::find(watched_.begin(), watched_.end(), epoch + 1) != watched_.end()) {
            predictions[epoch + 1] = trainer.predictTrainingPoints();
        }
        return EpochVerdict::Continue;
    }
    void parameters(const ParameterFrames& frames) override {
        ++batches;
        kept.merge(frames);
    }

    RunData data;
    ParameterFrames kept;
    int batches = 0;
    std::map<int64_t, std::vector<float>> predictions;

private:
    std::vector<int64_t> watched_;
};

double relativeGap(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

// The MSE of each epoch's replay (all points, in double) is the run's loss
// there to 1e-6 relative; says which epoch is not.
bool replaysMatchTheLoss(ParameterReplay& replay, const KeepingSink& sink,
                         const TrainResult& result, std::initializer_list<int64_t> epochs) {
    for (int64_t epoch : epochs) {
        const auto* p = replay.at(sink.data, sink.kept, size_t(epoch));
        const double loss = result.lossHistory[size_t(epoch)];
        if (!p || relativeGap(p->mse, loss) > 1e-6) {
            qWarning("epoch %lld: replayed MSE %.12g against the loss %.12g", (long long)epoch,
                     p ? p->mse : -1.0, loss);
            return false;
        }
    }
    return true;
}

} // namespace

class TestTrainingRun : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // TensorBoard's debiased EMA: the first point is itself, a constant stays
    // constant, each point matches the closed form, a NaN passes through.
    void smoothingIsADebiasedMovingAverage() {
        const std::vector<double> losses = {4.0, 2.0, 1.0, std::nan(""), 0.5};
        const double w = 0.6;
        const auto smoothed = smoothedLosses(losses, w);
        QCOMPARE(smoothed[0], 4.0);
        // Point 2 by hand: (0.4·0.6·4 + 0.4·2) / (1 − 0.6²).
        QVERIFY(std::abs(smoothed[1] - (0.4 * 0.6 * 4.0 + 0.4 * 2.0) / (1.0 - 0.36)) < 1e-12);
        QVERIFY(std::isnan(smoothed[3]));
        const std::vector<double> finite = {4.0, 2.0, 1.0, 0.5};
        const auto direct = smoothedLosses(finite, w);
        QVERIFY(std::abs(smoothed[4] - direct[3]) < 1e-12); // the NaN did not count
        for (double v : smoothedLosses(std::vector<double>(50, 0.25), 0.99)) {
            QVERIFY(std::abs(v - 0.25) < 1e-12);
        }
        QCOMPARE(smoothedLosses(finite, 0.0), finite);
    }

    // Epoch → training time: linear between samples, the nearest rate beyond.
    void aTimelineInterpolatesBetweenSamples() {
        RunTimeline t;
        t.add(0, 0.0);
        t.add(100, 1.0);
        t.add(100, 5.0); // a pause: no epochs, no sample
        t.add(300, 2.0);
        QCOMPARE(t.secondsAt(50), 0.5);
        QCOMPARE(t.secondsAt(200), 1.5);
        QCOMPARE(t.secondsAt(400), 2.5);
        const auto stored = RunTimeline::steady(40, 140, 20.0); // a fork from 40, 20 ms/epoch
        QCOMPARE(stored.secondsAt(40), 0.0);
        QCOMPARE(stored.secondsAt(90), 1.0);
    }

    void throttleBatchesAtTheRequestedRate() {
        ProgressThrottle throttle(1000, 0.1);
        throttle.begin(0.0);
        int batches = 0;
        int64_t points = 0;
        // 1000 epochs, one per millisecond: 1 s in all, so 10 batches.
        for (int64_t epoch = 0; epoch < 1000; ++epoch) {
            const double now = 0.001 * double(epoch + 1);
            if (throttle.add(epoch, double(epoch), now)) {
                const auto batch = throttle.take(now);
                QCOMPARE(batch.firstEpoch, points);
                points += int64_t(batch.losses.size());
                ++batches;
                QVERIFY(std::abs(batch.epochsPerSecond - 1000.0) < 1.0);
                QVERIFY(std::abs(batch.etaSeconds - (1000 - points) / 1000.0) < 1e-3);
            }
        }
        QCOMPARE(points, int64_t(1000)); // the last epoch always releases a batch
        QCOMPARE(batches, 10);
    }

    void throttleIgnoresPausedTime() {
        ProgressThrottle throttle(100, 0.1);
        throttle.begin(0.0);
        QVERIFY(!throttle.add(0, 1.0, 0.02));
        throttle.skipTime(5.0); // a five-second pause
        QVERIFY(!throttle.add(1, 1.0, 5.06));
        QVERIFY(throttle.add(2, 1.0, 5.12));
        const auto batch = throttle.take(5.12);
        QVERIFY(std::abs(batch.elapsedSeconds - 0.12) < 1e-9);
        QVERIFY(std::abs(batch.epochsPerSecond - 25.0) < 1e-6); // 3 epochs in 0.12 s
    }

    // A fork starts at its checkpoint: its rate counts only what it trains.
    void throttleStartsAtAResumedEpoch() {
        ProgressThrottle throttle(200, 0.1);
        throttle.begin(0.0, 100);
        for (int64_t epoch = 100; epoch < 110; ++epoch) {
            throttle.add(epoch, 1.0, 0.01 * double(epoch - 99));
        }
        const auto batch = throttle.take(0.1);
        QCOMPARE(batch.firstEpoch, int64_t(100));
        QCOMPARE(batch.epochsDone, int64_t(110));
        QVERIFY(std::abs(batch.epochsPerSecond - 100.0) < 1e-6); // 10 epochs in 0.1 s
        QVERIFY(std::abs(batch.etaSeconds - 0.9) < 1e-6);        // 90 to go
    }

    void runControlBlocksWhilePaused() {
        RunControl control;
        control.pause();
        bool pausedSeen = false, resumedSeen = false, carryOn = false;
        std::thread trainer([&] {
            carryOn = control.waitWhilePaused([&] { pausedSeen = true; },
                                              [&] { resumedSeen = true; }, [] {});
        });
        control.resume();
        trainer.join();
        QVERIFY(carryOn);
        QVERIFY(!pausedSeen || resumedSeen); // a pause entered is always left
        control.pause();
        std::thread stopped([&] { carryOn = control.waitWhilePaused([] {}, [] {}, [] {}); });
        control.requestStop();
        stopped.join();
        QVERIFY(!carryOn);
    }

    // The window sets where it wants predictions while the worker reads them.
    void predictionProbeHandsPointsAcrossThreads() {
        PredictionProbe probe;
        std::atomic<bool> done{false};
        std::atomic<int> torn{0};
        std::thread worker([&] {
            while (!done.load()) {
                const auto points = probe.points();
                // Each set is n copies of n: a mix of two sets would show.
                for (float p : points) {
                    torn += p != float(points.size()) ? 1 : 0;
                }
                (void)probe.intervalMs();
            }
        });
        for (int n = 1; n <= 2000; ++n) {
            probe.setPoints(std::vector<float>(size_t(n % 97 + 1), float(n % 97 + 1)));
            probe.setIntervalMs(n % 50);
        }
        done.store(true);
        worker.join();
        QCOMPARE(torn.load(), 0);
        QCOMPARE(probe.points().size(), size_t(2000 % 97 + 1));
    }

    void aRunDeliversEveryEpochInOrder() {
        TrainingRun run(chirpExperiment(1500));
        QSignalSpy ready(&run, &TrainingRun::ready);
        QSignalSpy progress(&run, &TrainingRun::progress);
        QSignalSpy finished(&run, &TrainingRun::finished);
        QThread* readyThread = nullptr;
        connect(&run, &TrainingRun::ready, this, [&] { readyThread = QThread::currentThread(); });
        QElapsedTimer elapsed;
        elapsed.start();
        run.start();
        QCOMPARE(run.state(), TrainingRun::State::Preparing); // start() does not wait
        QVERIFY(finished.wait(kTimeoutMs));
        const double seconds = elapsed.elapsed() / 1000.0;

        QCOMPARE(ready.count(), 1);
        QCOMPARE(readyThread, QThread::currentThread()); // delivered queued to the GUI thread
        const auto data = ready.at(0).at(0).value<RunData>();
        QCOMPARE(data.setup.points, int64_t(1000));
        QCOMPARE(data.setup.parameters, int64_t(145));
        QCOMPARE(data.targets.size(), size_t(1000));

        int64_t total = 0;
        QVERIFY(batchesAreContiguous(progress, &total));
        QCOMPARE(total, int64_t(1500));
        // At most ~30 batches a second, however fast the epochs ran.
        QVERIFY2(progress.count() <= int(seconds * 30.0) + 2,
                 qPrintable(QString("%1 batches in %2 s").arg(progress.count()).arg(seconds)));
        const auto result = finished.at(0).at(0).value<TrainResult>();
        QCOMPARE(result.status, RunStatus::Finished);
        QCOMPARE(run.losses(), result.lossHistory);
        QCOMPARE(run.state(), TrainingRun::State::Finished);
        // The same config trained headless gives the same history.
        QCOMPARE(result.lossHistory, train(chirpExperiment(1500)).lossHistory);
    }

    // Within the budget a run keeps the parameters of every epoch and the
    // model it ended with; a prediction made from frame k is the model's own
    // output with those parameters, bit for bit, and its MSE is loss[k].
    void aRunKeepsEveryEpochsParametersWithinItsBudget() {
        auto config = chirpExperiment(300);
        KeepingSink sink({1, 150, 299});
        const auto result = driveRun(RunDrive{config}, sink);
        QCOMPARE(sink.kept.width, int64_t(145));
        QCOMPARE(sink.kept.size(), size_t(301)); // epochs 0…299 and the end model (300)
        QCOMPARE(sink.kept.epochs.front(), int64_t(0));
        QCOMPARE(sink.kept.epochs.back(), int64_t(300));
        QVERIFY(sink.batches >= 1);
        // The chirp ensemble's default 2,000 epochs fit the default 16 MiB.
        QVERIFY(ParameterPlan(2000, 145, 0, config.train.keepMib).keepsEveryEpoch());
        // Past the budget, as many evenly spaced epochs as fit: 200,000 epochs
        // of 145 parameters in 16 MiB keep every 14th (14,286 frames), and a
        // budget too small for 512 still keeps 512.
        QCOMPARE(ParameterPlan(200'000, 145, 0, 16.0).every(), int64_t(14));
        QCOMPARE(ParameterPlan(200'000, 145, 0, 0.001).every(), int64_t(390));

        ParameterReplay replay(config, sink.data.setup.dims, sink.data.setup.outputs);
        const Trainer fresh(config); // frame 0: the initial parameters
        std::vector<float> initial;
        fresh.appendParameters(initial);
        QCOMPARE(sink.kept.frameValues(0), initial);
        for (const auto& [epoch, expected] : sink.predictions) {
            const auto* p = replay.at(sink.data, sink.kept, size_t(epoch));
            QVERIFY(p);
            QCOMPARE(p->epoch, epoch);
            QVERIFY2(p->values == expected, qPrintable(QString("epoch %1").arg(epoch)));
        }
        QVERIFY(replaysMatchTheLoss(replay, sink, result, {0, 1, 57, 299}));
    }

    // The 6-D grid: the MSE of the prediction from the kept parameters over
    // all 32,768 points is the run's loss at several epochs, to 1e-6.
    void sixDimensionalReplaysMatchTheLoss() {
        ExperimentConfig config;
        config.data.kind = DataKind::Hyper6d;
        config.model.waves = 6;
        config.train.epochs = 40;
        KeepingSink sink;
        const auto result = driveRun(RunDrive{config}, sink);
        QCOMPARE(sink.kept.width, int64_t(127));
        QCOMPARE(sink.data.targets.size(), size_t(32768));
        ParameterReplay replay(config, sink.data.setup.dims, sink.data.setup.outputs);
        QCOMPARE(replay.at(sink.data, sink.kept, 5)->values.size(), size_t(32768));
        QVERIFY(replaysMatchTheLoss(replay, sink, result, {0, 5, 21, 39}));
    }

    // Over the budget: at least 512 evenly spaced epochs, every checkpoint's,
    // the best and the last epochs' and the end model; the frames' size is
    // what they hold, nothing more.
    void aLongRunKeepsEvenlySpacedEpochsCheckpointsBestAndLast() {
        auto config = chirpExperiment(1500);
        config.train.keepMib = 0.01; // 10 KiB: 17 of 145-parameter frames
        config.train.checkpointEvery = 250;
        KeepingSink sink;
        const auto result = driveRun(RunDrive{config}, sink);
        const auto& kept = sink.kept;
        const ParameterPlan plan(1500, 145, 250, config.train.keepMib);
        QVERIFY(!plan.keepsEveryEpoch());
        QCOMPARE(plan.every(), int64_t(2));
        QVERIFY(kept.size() >= 512 && kept.size() <= 760);
        for (int64_t e = 0; e < 1500; e += plan.every()) {
            QVERIFY2(std::binary_search(kept.epochs.begin(), kept.epochs.end(), e),
                     qPrintable(QString::number(e)));
        }
        for (int64_t e = 250; e < 1500; e += 250) {
            QVERIFY(std::binary_search(kept.epochs.begin(), kept.epochs.end(), e));
        }
        const auto& losses = result.lossHistory;
        const auto best = int64_t(std::min_element(losses.begin(), losses.end()) - losses.begin());
        QVERIFY(std::binary_search(kept.epochs.begin(), kept.epochs.end(), best));
        QVERIFY(std::binary_search(kept.epochs.begin(), kept.epochs.end(), int64_t(1499)));
        QCOMPARE(kept.epochs.back(), int64_t(1500));
        QCOMPARE(kept.bytes(), int64_t(kept.size() * 145 * 2 * sizeof(float)));
        // The best epoch's frame is that epoch's parameters: its MSE is its loss.
        ParameterReplay replay(config, 1, 1);
        const auto* p = replay.at(sink.data, kept, size_t(kept.nearest(best)));
        QVERIFY(relativeGap(p->mse, losses[size_t(best)]) <= 1e-6);
        // Without keepParameters nothing is kept (bench's baseline).
        KeepingSink none;
        driveRun(RunDrive{chirpExperiment(20), nullptr, false, false}, none);
        QVERIFY(none.kept.empty());
    }

    // Each frame keeps the gradient its epoch computed there, before
    // clipping: Adam's first update moves every parameter against it, and
    // with a tiny max norm the kept gradient is still the unclipped one.
    void keptGradientsAreTheEpochsOwn() {
        auto config = chirpExperiment(5);
        config.train.clipGradients = true;
        config.train.clipMaxNorm = 1e-4;
        KeepingSink sink;
        driveRun(RunDrive{config}, sink);
        const auto& kept = sink.kept;
        QCOMPARE(kept.gradients.size(), kept.values.size());
        double squares = 0.0;
        int moved = 0;
        for (int64_t i = 0; i < kept.width; ++i) {
            const double g = kept.gradient(0)[i];
            squares += g * g;
            const double step = double(kept.frame(1)[i]) - double(kept.frame(0)[i]);
            if (std::abs(g) > 1e-6) {
                QVERIFY2(step * g < 0.0, qPrintable(QString("parameter %1").arg(i)));
                ++moved;
            }
        }
        QVERIFY(moved > 100);
        QVERIFY2(std::sqrt(squares) > 100 * config.train.clipMaxNorm,
                 qPrintable(QString::number(std::sqrt(squares))));
        // The end model's frame has no gradient: no epoch computed one there.
        QVERIFY(std::isnan(kept.gradient(kept.size() - 1)[0]));
    }

    // A diverged run keeps the parameters its last (diverged) epoch used,
    // without a gradient (it made no update), and its end model.
    void aDivergedRunKeepsWhatItDivergedWith() {
        auto config = chirpExperiment(500);
        config.train.learningRate = 1e6;
        KeepingSink sink;
        const auto result = driveRun(RunDrive{config}, sink);
        QCOMPARE(result.status, RunStatus::Diverged);
        const auto done = result.epochsDone;
        const auto& kept = sink.kept;
        QCOMPARE(kept.epochs.back(), done);
        QCOMPARE(kept.epochs[kept.size() - 2], done - 1);
        QVERIFY(std::isnan(kept.gradient(kept.size() - 2)[0]));
        QVERIFY(std::isfinite(kept.gradient(kept.size() - 3)[0]));
        QCOMPARE(kept.size(), size_t(done + 1)); // every epoch, none twice
    }

    void pauseHoldsAndResumeContinues() {
        TrainingRun run(chirpExperiment(10'000'000));
        QSignalSpy progress(&run, &TrainingRun::progress);
        QSignalSpy finished(&run, &TrainingRun::finished);
        run.start();
        QVERIFY(progress.wait(kTimeoutMs));
        run.pause();
        QTRY_COMPARE_WITH_TIMEOUT(run.state(), TrainingRun::State::Paused, kTimeoutMs);
        // Everything trained before the pause has arrived, and nothing after.
        QCoreApplication::processEvents();
        const auto pausedAt = int64_t(run.losses().size());
        QCOMPARE(run.lastProgress().epochsDone, pausedAt);
        const int batchesBefore = progress.count();

        run.resume();
        QVERIFY(progress.wait(kTimeoutMs));
        const auto next = progress.at(batchesBefore).at(0).value<ProgressBatch>();
        QCOMPARE(next.firstEpoch, pausedAt);
        QCOMPARE(run.state(), TrainingRun::State::Running);

        run.stop();
        QVERIFY(finished.wait(kTimeoutMs));
        const auto result = finished.at(0).at(0).value<TrainResult>();
        QCOMPARE(result.status, RunStatus::Stopped);
        QVERIFY(result.epochsDone < 10'000'000);
        int64_t total = 0;
        QVERIFY(batchesAreContiguous(progress, &total));
        QCOMPARE(total, result.epochsDone);
    }

    void stopWhilePausedEndsTheRun() {
        TrainingRun run(chirpExperiment(10'000'000));
        QSignalSpy finished(&run, &TrainingRun::finished);
        run.start();
        run.pause();
        QTRY_COMPARE_WITH_TIMEOUT(run.state(), TrainingRun::State::Paused, kTimeoutMs);
        run.stop();
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(finished.at(0).at(0).value<TrainResult>().status, RunStatus::Stopped);
    }

    void runsWithAndWithoutAmpSideBySide() {
        auto withAmp = chirpExperiment(800);
        withAmp.train.mixedPrecision = true;
        withAmp.train.clipGradients = true;
        TrainingRun plain(chirpExperiment(800)), amp(withAmp);
        QSignalSpy plainDone(&plain, &TrainingRun::finished), ampDone(&amp, &TrainingRun::finished);
        plain.start();
        amp.start();
        QVERIFY(plainDone.count() == 1 || plainDone.wait(kTimeoutMs));
        QVERIFY(ampDone.count() == 1 || ampDone.wait(kTimeoutMs));
        // Concurrent runs share no state: each matches its own headless run.
        QCOMPARE(plain.losses(), train(chirpExperiment(800)).lossHistory);
        QCOMPARE(amp.losses(), train(withAmp).lossHistory);
        QVERIFY(plain.losses() != amp.losses());
    }

    void predictionsComeFromTheModel() {
        TrainingRun run(chirpExperiment(300));
        run.setPredictionInterval(1);
        QSignalSpy predictions(&run, &TrainingRun::prediction);
        QSignalSpy finished(&run, &TrainingRun::finished);
        run.start();
        QVERIFY(finished.wait(kTimeoutMs));
        QVERIFY(predictions.count() >= 2);
        const auto last = predictions.last().at(0).value<PredictionSnapshot>();
        QCOMPARE(last.epoch, int64_t(299));
        QCOMPARE(last.values.size(), size_t(1000));
        QVERIFY(last.onTrainingPoints);
        // Taken after the last update, so close to (not equal to) the last loss.
        const double lastLoss = run.losses().back();
        QVERIFY2(std::abs(last.mse - lastLoss) < 0.05 * lastLoss,
                 qPrintable(QString("%1 vs %2").arg(last.mse).arg(lastLoss)));
    }

    void aBadRunFailsAlone() {
        const auto [failed, good] = runBesideAGoodOne(csvRun("/nonexistent/signal.csv"));
        QCOMPARE(failed.status, RunStatus::Failed);
        QVERIFY(QString::fromStdString(failed.error).contains("cannot open"));
        QCOMPARE(good.status, RunStatus::Finished);
    }

    void nanInACsvFailsOnlyThatRunAndNamesTheLine() {
        ScratchFolder dir;
        const auto path = dir.fileWith("nan.csv", "x,y\n0,1\n1,nan\n2,3\n");
        QVERIFY(!path.isEmpty());
        const auto [failed, good] = runBesideAGoodOne(csvRun(path.toStdString()));
        QCOMPARE(failed.status, RunStatus::Failed);
        QCOMPARE(QString::fromStdString(failed.error),
                 QString("line 3: value is not finite (NaN or infinity)"));
        QCOMPARE(good.status, RunStatus::Finished);
    }

    void divergenceEndsOnlyThatRun() {
        auto config = chirpExperiment(500);
        config.train.learningRate = 1e6;
        TrainingRun run(config);
        QSignalSpy finished(&run, &TrainingRun::finished);
        run.start();
        QVERIFY(finished.wait(kTimeoutMs));
        const auto result = finished.at(0).at(0).value<TrainResult>();
        QCOMPARE(result.status, RunStatus::Diverged);
        QCOMPARE(int64_t(run.losses().size()), result.epochsDone); // the NaN epoch included
    }

    void destroyingARunningRunStopsIt() {
        auto* run = new TrainingRun(chirpExperiment(10'000'000));
        QSignalSpy progress(run, &TrainingRun::progress);
        run->start();
        QVERIFY(progress.wait(kTimeoutMs));
        delete run; // must return once the current epoch ends
    }
};

QTEST_GUILESS_MAIN(TestTrainingRun)
#include "test_training_run.moc"
