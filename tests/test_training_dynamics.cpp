// How a run moves and ends (docs/reference.md §8): learning-rate schedules
// against their formulas and inside training, the stop rules (target loss,
// early stopping with patience and min-delta), restoring the best weights,
// checkpoints and resuming, validation splits and weight averaging.

#include "ChirpExperiment.h"
#include "Datasets.h"
#include "FlatAdam.h"
#include "LearningRateSchedule.h"
#include "ModelFactory.h"
#include "OneThreadTestMain.h"
#include "StopCheck.h"
#include "Trainer.h"

#include <ATen/Parallel.h>

#include <QtTest>
#include <cmath>
#include <cstring>

using namespace dredge;

namespace {

std::vector<double> ratesOf(const ScheduleConfig& schedule, double lr, int64_t epochs,
                            const std::vector<double>& losses) {
    TrainConfig config;
    config.learningRate = lr;
    config.epochs = epochs;
    config.schedule = schedule;
    return learningRates(config, losses);
}

// A run stopped after `epochs` epochs, and its state there.
std::pair<TrainResult, TrainingCheckpoint> stoppedAfter(const ExperimentConfig& config,
                                                        int64_t epochs) {
    TrainingCheckpoint state;
    auto head = train(config, [&](const Trainer& trainer, int64_t epoch, double) {
        if (epoch + 1 == epochs) {
            state = trainer.checkpoint();
            return EpochVerdict::Stop;
        }
        return EpochVerdict::Continue;
    });
    return {std::move(head), std::move(state)};
}

bool close(double a, double b) {
    return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
}

} // namespace

class TestTrainingDynamics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stepAndExponentialFollowTheirFormulas() {
        ScheduleConfig step;
        step.kind = LrSchedule::Step;
        step.gamma = 0.5;
        step.stepEvery = 10;
        const auto s = ratesOf(step, 1e-2, 40, std::vector<double>(40, 1.0));
        QCOMPARE(s[0], 1e-2);
        QCOMPARE(s[9], 1e-2);
        QCOMPARE(s[10], 5e-3);
        QCOMPARE(s[25], 2.5e-3);
        ScheduleConfig exp;
        exp.kind = LrSchedule::Exponential;
        exp.gamma = 0.9;
        exp.minLr = 5e-3;
        const auto e = ratesOf(exp, 1e-2, 40, std::vector<double>(40, 1.0));
        QVERIFY(close(e[3], 1e-2 * 0.729));
        QCOMPARE(e[39], 5e-3); // the floor
        ScheduleConfig exponentialDefault;
        exponentialDefault.kind = LrSchedule::Exponential;
        QCOMPARE(scheduleGamma(exponentialDefault), 0.999); // its default
    }

    void cosineWarmsUpThenFallsToTheFloor() {
        ScheduleConfig cosine;
        cosine.kind = LrSchedule::Cosine;
        cosine.warmupEpochs = 10;
        cosine.minLr = 1e-4;
        const auto r = ratesOf(cosine, 1e-2, 111, std::vector<double>(111, 1.0));
        QVERIFY(close(r[0], 1e-3)); // 1/10 of the rate
        QVERIFY(close(r[4], 5e-3));
        QVERIFY(close(r[9], 1e-2));
        QVERIFY(close(r[10], 1e-2));                       // the cosine starts at the full rate
        QVERIFY(close(r[60], 1e-4 + (1e-2 - 1e-4) * 0.5)); // half way
        QVERIFY(close(r[110], 1e-4));                      // ends at the floor
        for (size_t i = 11; i < r.size(); ++i) {
            QVERIFY(r[i] <= r[i - 1]);
        }
    }

    void plateauCutsAfterPatienceWithoutImprovement() {
        ScheduleConfig plateau;
        plateau.kind = LrSchedule::Plateau;
        plateau.patience = 3;
        plateau.gamma = 0.1;
        plateau.minLr = 1e-5;
        // Improves for 5 epochs, then stays flat.
        std::vector<double> losses{5, 4, 3, 2, 1};
        losses.resize(20, 1.0);
        const auto r = ratesOf(plateau, 1e-2, 20, losses);
        for (int e = 0; e <= 7; ++e) {
            QCOMPARE(r[size_t(e)], 1e-2); // epochs 5, 6, 7 do not improve...
        }
        QVERIFY(close(r[8], 1e-3));  // ...so epoch 8 trains at a tenth
        QVERIFY(close(r[11], 1e-4)); // three more: another cut
        QCOMPARE(r[19], 1e-5);       // never below the floor
    }

    // train() uses exactly the schedule's rates: a hand-driven Trainer fed the
    // replayed rates gives the same history, bit for bit.
    void trainingAppliesTheScheduledRates() {
        auto config = chirpExperiment(60);
        config.train.learningRate = 5e-3;
        config.train.schedule.kind = LrSchedule::Plateau;
        config.train.schedule.patience = 2;
        config.train.schedule.warmupEpochs = 5;
        const auto result = train(config);
        const auto rates = learningRates(config.train, result.lossHistory);
        Trainer trainer(config);
        for (size_t e = 0; e < rates.size(); ++e) {
            trainer.setLearningRate(rates[e]);
            QCOMPARE(trainer.runEpoch(), result.lossHistory[e]);
        }
        auto constantConfig = chirpExperiment(60);
        constantConfig.train.learningRate = 5e-3;
        const auto constant = train(constantConfig);
        QCOMPARE(constant.lossHistory[0], result.lossHistory[0]);
        QVERIFY(constant.lossHistory[1] != result.lossHistory[1]); // warm-up took effect
    }

    void aTargetLossEndsTheRunWithItsReason() {
        const auto reference = train(chirpExperiment(200));
        const double target = reference.lossHistory[120];
        auto config = chirpExperiment(200);
        config.train.stop.targetLoss = target;
        const auto result = train(config);
        const auto first = std::find_if(reference.lossHistory.begin(), reference.lossHistory.end(),
                                        [&](double l) { return l <= target; }) -
                           reference.lossHistory.begin();
        QCOMPARE(result.epochsDone, first + 1);
        QCOMPARE(result.status, RunStatus::Finished);
        QVERIFY2(
            QString::fromStdString(result.stopReason)
                .startsWith(QStringLiteral("reached the target loss at epoch %1").arg(first + 1)),
            result.stopReason.c_str());
    }

    void earlyStoppingCountsEpochsWithoutImprovement() {
        StopRules rules;
        rules.earlyStopPatience = 3;
        StopCheck check(rules);
        const std::vector<double> losses{1.0, 0.9, 0.95, 0.92, 0.91, 0.5};
        std::string reason;
        int64_t epoch = 0;
        for (; epoch < int64_t(losses.size()) && reason.empty(); ++epoch) {
            reason = check.after(epoch, losses[size_t(epoch)]);
        }
        QCOMPARE(epoch, int64_t(5)); // epochs 3, 4, 5 (1-based) failed to beat 0.9
        QCOMPARE(QString::fromStdString(reason),
                 QString("stopped early at epoch 5: no improvement for 3 epochs"));

        rules.minDelta = 0.05; // small gains do not count
        StopCheck strict(rules);
        QVERIFY(strict.after(0, 1.0).empty());
        QVERIFY(strict.after(1, 0.97).empty());
        QVERIFY(strict.after(2, 0.96).empty());
        QVERIFY(!strict.after(3, 0.955).empty()); // lower each time, never by more than 0.05
    }

    void restoringTheBestGivesTheBestEpochsWeights() {
        auto config = chirpExperiment(150);
        config.train.learningRate = 2e-2; // large enough to wander
        config.train.stop.restoreBest = true;
        TrainResult result;
        std::vector<float> finalPrediction, targets;
        result = train(config,
                       [&](const Trainer& trainer, int64_t epoch, double) {
                           if (epoch + 1 == config.train.epochs) {
                               targets = trainer.trainingTargets();
                           }
                           return EpochVerdict::Continue;
                       },
                       {});
        QVERIFY(result.restoredBest);
        QVERIFY(result.bestEpoch >= 0);
        QCOMPARE(result.bestLoss,
                 *std::min_element(result.lossHistory.begin(), result.lossHistory.end()));
        // The restored weights give the best epoch's loss again.
        Trainer trainer(config);
        for (int64_t e = 0; e < config.train.epochs; ++e) {
            trainer.setLearningRate(config.train.learningRate);
            trainer.runEpoch();
        }
        QVERIFY(trainer.restoreBestWeights());
        const auto restored = trainer.predictTrainingPoints();
        double mse = 0.0;
        for (size_t i = 0; i < restored.size(); ++i) {
            mse += std::pow(double(restored[i]) - double(targets[i]), 2);
        }
        mse /= double(restored.size());
        QVERIFY2(std::abs(mse - result.bestLoss) <= 1e-6 * result.bestLoss,
                 qPrintable(QStringLiteral("%1 vs best %2").arg(mse).arg(result.bestLoss)));
    }

    void resumingIsBitIdentical_data() {
        QTest::addColumn<int>("model");
        QTest::addColumn<int>("kernel");
        QTest::addColumn<bool>("amp");
        QTest::newRow("ensemble fused")
            << int(ModelKind::WaveEnsemble) << int(WaveKernel::Fused) << false;
        QTest::newRow("ensemble composed")
            << int(ModelKind::WaveEnsemble) << int(WaveKernel::Composed) << false;
        QTest::newRow("interference fused")
            << int(ModelKind::Interference) << int(WaveKernel::Fused) << false;
        QTest::newRow("siren composed, amp")
            << int(ModelKind::Siren) << int(WaveKernel::Composed) << true;
    }
    // Stopping at epoch k and resuming from its checkpoint gives the very
    // history of the run that never stopped, with a plateau schedule, clipping
    // and restore-best carried across.
    void resumingIsBitIdentical() {
        QFETCH(int, model);
        QFETCH(int, kernel);
        QFETCH(bool, amp);
        auto config = chirpExperiment(90);
        config.model.kind = ModelKind(model);
        config.model.kernel = WaveKernel(kernel);
        config.model.hidden = 16;
        config.train.mixedPrecision = amp;
        config.train.clipGradients = true;
        config.train.clipMaxNorm = 0.05;
        config.train.schedule.kind = LrSchedule::Plateau;
        config.train.schedule.patience = 3;
        config.train.stop.restoreBest = true;
        const auto whole = train(config);

        const auto [head, at40] = stoppedAfter(config, 40);
        QCOMPARE(at40.epoch, int64_t(40));
        const ResumePoint from{at40, head.lossHistory, {}, {}};
        const auto resumed = train(config, {}, {}, &from);
        QCOMPARE(resumed.lossHistory.size(), whole.lossHistory.size());
        QVERIFY(std::memcmp(resumed.lossHistory.data(), whole.lossHistory.data(),
                            whole.lossHistory.size() * sizeof(double)) == 0);
        QCOMPARE(resumed.bestEpoch, whole.bestEpoch);
        QCOMPARE(resumed.epochsDone, whole.epochsDone);
    }

    void miniBatchesAreSeededAndResumeBitForBit_data() {
        QTest::addColumn<int>("model");
        QTest::addColumn<bool>("amp");
        QTest::newRow("ensemble (fused epoch per batch)") << int(ModelKind::WaveEnsemble) << false;
        QTest::newRow("ensemble, amp") << int(ModelKind::WaveEnsemble) << true;
        QTest::newRow("interference") << int(ModelKind::Interference) << false;
        QTest::newRow("siren (autograd per batch)") << int(ModelKind::Siren) << false;
        QTest::newRow("rff (readout per batch)") << int(ModelKind::RandomFourier) << false;
    }
    // --batch N: an Adam step per batch of an order drawn from (seed, epoch),
    // so two runs agree bit for bit, a resumed one continues the very same
    // history, a batch of every point is the full batch, and the fit goes on.
    void miniBatchesAreSeededAndResumeBitForBit() {
        QFETCH(int, model);
        QFETCH(bool, amp);
        auto config = chirpExperiment(40);
        config.model.kind = ModelKind(model);
        config.model.hidden = 16;
        config.train.mixedPrecision = amp;
        config.train.clipGradients = true;
        config.train.checkpointEvery = 10;
        const auto full = train(config);
        config.train.batch = 1000; // every point of the chirp: one batch
        QCOMPARE(train(config).lossHistory, full.lossHistory);

        config.train.batch = 128;
        const auto whole = train(config);
        QCOMPARE(whole.epochsDone, int64_t(40));
        QCOMPARE(train(config).lossHistory, whole.lossHistory);
        QVERIFY(whole.lossHistory != full.lossHistory);
        QVERIFY2(
            whole.lossHistory.back() < 0.8 * whole.lossHistory.front(),
            qPrintable(
                QString("%1 → %2").arg(whole.lossHistory.front()).arg(whole.lossHistory.back())));
        const auto [head, at20] = stoppedAfter(config, 20);
        const ResumePoint from{at20, head.lossHistory, {}, {}};
        QCOMPARE(train(config, {}, {}, &from).lossHistory, whole.lossHistory);
        config.train.seed = 1;
        QVERIFY(train(config).lossHistory != whole.lossHistory);

        config.train.validationShare = 0.1;
        QVERIFY(QString::fromStdString(validate(config)).contains("--batch"));
    }

    // The checkpoint at the best loss is the state that gave it: resumed from
    // there, the run's first loss is that best loss again.
    void theBestCheckpointGivesTheBestLoss() {
        auto config = chirpExperiment(150);
        config.train.learningRate = 2e-2;
        config.train.checkpointEvery = 50;
        const auto result = train(config);
        QVERIFY(result.bestCheckpoint);
        QCOMPARE(result.bestCheckpoint->epoch, result.bestEpoch);
        auto longer = config;
        longer.train.epochs = result.bestEpoch + 2;
        const std::vector<double> head(result.lossHistory.begin(),
                                       result.lossHistory.begin() + result.bestEpoch);
        const ResumePoint from{*result.bestCheckpoint, head, {}, {}};
        const auto resumed = train(longer, {}, {}, &from);
        QCOMPARE(resumed.lossHistory[size_t(result.bestEpoch)], result.bestLoss);
    }

    // A resumed run's best checkpoint must beat its parent's best before the
    // checkpoint: a fork that never does keeps none of its own.
    void aForksBestCheckpointBeatsItsParentsBest() {
        auto config = chirpExperiment(40);
        config.train.checkpointEvery = 20;
        const auto whole = train(config);
        const auto [head, at20] = stoppedAfter(config, 20);
        auto unbeatable = head.lossHistory;
        unbeatable[3] = 1e-12;
        const ResumePoint from{at20, unbeatable, {}, {}};
        const auto resumed = train(config, {}, {}, &from);
        QVERIFY(!resumed.bestCheckpoint);
        QCOMPARE(resumed.bestEpoch, int64_t(3));
        const ResumePoint honest{at20, head.lossHistory, {}, {}};
        const auto fair = train(config, {}, {}, &honest);
        QVERIFY(fair.bestCheckpoint);
        QCOMPARE(fair.bestCheckpoint->epoch, whole.bestCheckpoint->epoch);
    }

    void aResumePointMustFit() {
        auto config = chirpExperiment(30);
        Trainer trainer(config);
        trainer.runEpoch();
        const ResumePoint wrong{trainer.checkpoint(), {}, {}, {}}; // one epoch, no losses
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, train(config, {}, {}, &wrong));
        config.model.waves = 8; // another model
        const ResumePoint other{trainer.checkpoint(), {0.5}, {}, {}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, train(config, {}, {}, &other));
    }

    // On every reference data set t = 0: ω and v never learn. On the packets
    // they do, through both kernels.
    void timeVaryingDataTeachesOmegaAndVelocity_data() {
        QTest::addColumn<int>("data");
        QTest::addColumn<int>("kernel");
        QTest::newRow("packet1d fused") << int(DataKind::Packet1d) << int(WaveKernel::Fused);
        QTest::newRow("packet1d composed") << int(DataKind::Packet1d) << int(WaveKernel::Composed);
        QTest::newRow("packet4d fused") << int(DataKind::Packet4d) << int(WaveKernel::Fused);
    }
    void timeVaryingDataTeachesOmegaAndVelocity() {
        QFETCH(int, data);
        QFETCH(int, kernel);
        DataConfig config;
        config.kind = DataKind(data);
        config.grid = 6;
        const auto packet = makeDataset(config);
        QCOMPARE(packet.time.min().item<double>(), 0.0);
        QCOMPARE(packet.time.max().item<double>(), 2.0);
        ModelConfig model;
        model.kernel = WaveKernel(kernel);
        const auto gradientsOf = [&](const Dataset& d) {
            auto m = makeModel(model, int(d.coords.size(1)), uint64_t(1));
            at::mse_loss(m->forward(d.coords, d.time), d.target).backward();
            const auto params = m->named_parameters();
            return std::pair{params["omega"].grad().abs().sum().item<double>(),
                             params["velocity"].grad().abs().sum().item<double>()};
        };
        const auto [omega, velocity] = gradientsOf(packet);
        QVERIFY2(omega > 0.0 && velocity > 0.0,
                 qPrintable(QStringLiteral("ω %1, v %2").arg(omega).arg(velocity)));
        if (config.kind == DataKind::Packet1d) {
            const auto [chirpOmega, chirpVelocity] = gradientsOf(makeGlitchyChirp());
            QCOMPARE(chirpOmega, 0.0); // t = 0: nothing to learn from
            QCOMPARE(chirpVelocity, 0.0);
        }
    }

    // A wave ensemble fitted to the drifting packet moves with it. Its waves'
    // own velocities are not identifiable (several waves build the packet
    // together), so the velocity is read off the fitted field: how fast the
    // centre of its energy, Σ x y² / Σ y², moves between two instants it was
    // not trained on (t = 0.25 and 1.75; it saw 0, 0.5, ..., 2). Within 5 % of
    // the true 1.5; the figure is printed, with the drift extrapolated to t = 3.
    void aWaveEnsembleRecoversThePacketsVelocity() {
        DataConfig config;
        config.kind = DataKind::Packet1d;
        config.velocity = 1.5;
        const auto packet = makeDataset(config);
        ModelConfig modelConfig;
        modelConfig.waves = 8;
        auto model = makeModel(modelConfig, 1, uint64_t(0));
        FlatAdam adam(model->parameters(), AdamSettings{1e-2, 0.9, 0.999, 1e-8});
        double loss = 0.0;
        for (int epoch = 0; epoch < 3000; ++epoch) {
            model->zero_grad(true);
            auto l = at::mse_loss(model->forward(packet.coords, packet.time), packet.target);
            loss = l.item<double>();
            l.backward();
            adam.gatherGradients();
            adam.step();
        }
        at::NoGradGuard noGrad;
        const auto x = at::linspace(-10.0, 10.0, 2001).unsqueeze(1);
        const auto centre = [&](double t) {
            const auto energy = model->forward(x, at::full({x.size(0)}, t)).square().reshape({-1});
            return (energy * x.reshape({-1})).sum().item<double>() / energy.sum().item<double>();
        };
        const double recovered = (centre(1.75) - centre(0.25)) / 1.5;
        const double extrapolated = (centre(3.0) - centre(0.0)) / 3.0;
        const double error = std::abs(recovered - 1.5) / 1.5;
        qInfo("packet1d, v = 1.5, 8 waves, 3000 epochs (loss %.3g): velocity %.4f (%.2f %% off); "
              "extrapolated to t = 3: %.4f",
              loss, recovered, 100.0 * error, extrapolated);
        QVERIFY2(error < 0.05, qPrintable(QStringLiteral("recovered %1").arg(recovered)));
    }

    // A held-out share: every k-th point of a grid, a seeded random share of a
    // CSV signal; its loss comes from the same forward pass, before the update.
    void aValidationSplitHoldsPointsOut() {
        auto config = chirpExperiment(50);
        config.data.kind = DataKind::Volume4d;
        config.data.grid = 10;
        config.train.validationShare = 0.1;
        RunSetup setup;
        const auto result =
            train(config, {}, [&](const Trainer& trainer) { setup = trainer.setup(); });
        QCOMPARE(setup.validationPoints, int64_t(100)); // every 10th of 1000
        QCOMPARE(setup.points, int64_t(1000));
        QCOMPARE(result.validationHistory.size(), result.lossHistory.size());
        for (size_t e = 0; e < result.lossHistory.size(); ++e) {
            QVERIFY(std::isfinite(result.validationHistory[e]));
            QVERIFY(result.validationHistory[e] != result.lossHistory[e]);
        }
        QVERIFY(result.validationHistory.back() < result.validationHistory.front()); // it learns

        // The training loss is the loss of the other points only.
        Trainer trainer(config);
        trainer.runEpoch();
        const auto prediction = trainer.lastEpochPrediction();
        const auto targets = trainer.trainingTargets();
        double held = 0.0, kept = 0.0;
        for (size_t i = 0; i < targets.size(); ++i) {
            const double d2 = std::pow(double(prediction[i]) - double(targets[i]), 2);
            (i % 10 == 5 ? held : kept) += d2;
        }
        QVERIFY(std::abs(held / 100.0 - result.validationHistory[0]) <=
                1e-6 * result.validationHistory[0]);
        QVERIFY(std::abs(kept / 900.0 - result.lossHistory[0]) <= 1e-6 * result.lossHistory[0]);
    }

    // With a split, the stop rules and the best epoch watch the validation
    // loss, and resuming stays bit-identical (it replays both histories).
    void theRulesWatchTheValidationLoss() {
        auto config = chirpExperiment(400);
        config.train.learningRate = 1e-2;
        config.train.validationShare = 0.2;
        config.train.stop.earlyStopPatience = 15;
        config.train.stop.restoreBest = true;
        const auto whole = train(config);
        const auto& v = whole.validationHistory;
        const auto best = std::min_element(v.begin(), v.end()) - v.begin();
        QCOMPARE(whole.bestEpoch, int64_t(best));
        QCOMPARE(whole.bestLoss, v[size_t(best)]); // the best loss of the same watched series
        if (!whole.stopReason
                 .empty()) { // stopped 15 epochs after the validation loss last improved
            QVERIFY(whole.epochsDone - 1 - best >= 15);
        }
        const auto [head, at30] = stoppedAfter(config, 30);
        const ResumePoint from{at30, head.lossHistory, head.validationHistory, {}};
        const auto resumed = train(config, {}, {}, &from);
        QCOMPARE(resumed.lossHistory, whole.lossHistory);
        QCOMPARE(resumed.validationHistory, whole.validationHistory);
        QCOMPARE(resumed.stopReason, whole.stopReason);
    }

    // From epoch s, every c-th epoch's updated weights go into a plain mean;
    // the run ends with it, and its recorded loss is that model's MSE.
    void averagingKeepsTheMeanOfTheChosenWeights() {
        auto config = chirpExperiment(20);
        config.train.learningRate = 1e-2;
        config.train.averaging.start = 5;
        config.train.averaging.every = 3;
        std::vector<std::vector<double>> taken; // weights after epochs 5, 8, 11, 14, 17
        std::vector<double> endWeights;
        double endMse = 0.0;
        const auto result = train(
            config,
            [&](const Trainer& trainer, int64_t epoch, double) {
                if (epoch >= 5 && (epoch - 5) % 3 == 0) {
                    taken.push_back(trainer.checkpoint().parameters);
                }
                return EpochVerdict::Continue;
            },
            {}, nullptr,
            [&](const Trainer& trainer) {
                endWeights = trainer.checkpoint().parameters;
                const auto prediction = trainer.predictTrainingPoints();
                const auto targets = trainer.trainingTargets();
                for (size_t i = 0; i < targets.size(); ++i) {
                    endMse += std::pow(double(prediction[i]) - targets[i], 2);
                }
                endMse /= double(targets.size());
            });
        QCOMPARE(taken.size(), size_t(5));
        QCOMPARE(result.averagedModels, int64_t(5));
        QVERIFY(result.endedAveraged);
        for (size_t p = 0; p < endWeights.size(); ++p) {
            double mean = 0.0;
            for (const auto& w : taken) {
                mean += w[p] / double(taken.size());
            }
            QVERIFY2(std::abs(endWeights[p] - mean) <= 1e-5 * (1.0 + std::abs(mean)),
                     qPrintable(QStringLiteral("parameter %1: %2 vs mean %3")
                                    .arg(p)
                                    .arg(endWeights[p])
                                    .arg(mean)));
        }
        QCOMPARE(result.averagedHistory.size(), size_t(20));
        for (size_t e = 0; e < 5; ++e) {
            QVERIFY(std::isnan(result.averagedHistory[e]));
        }
        // Between two averages the averaged model, and so its loss, stays.
        QCOMPARE(result.averagedHistory[6], result.averagedHistory[5]);
        QVERIFY(result.averagedHistory[8] != result.averagedHistory[5]);
        QVERIFY2(
            std::abs(result.averagedHistory.back() - endMse) <= 1e-6 * endMse,
            qPrintable(QStringLiteral("%1 vs %2").arg(result.averagedHistory.back()).arg(endMse)));
        // The raw model's losses are those of a run without averaging.
        auto plain = config;
        plain.train.averaging.start.reset();
        QCOMPARE(train(plain).lossHistory, result.lossHistory);
    }

    // Stopped in the middle of averaging and resumed: the same losses and
    // averaged losses, bit for bit, and the same averaged end model.
    void resumingWhileAveragingIsBitIdentical() {
        auto config = chirpExperiment(60);
        config.train.learningRate = 1e-2;
        config.train.validationShare = 0.2;
        config.train.averaging.start = 10;
        config.train.averaging.every = 4;
        std::vector<double> wholeEnd, resumedEnd;
        const auto endOf = [](std::vector<double>& out) {
            return [&out](const Trainer& trainer) { out = trainer.checkpoint().parameters; };
        };
        const auto whole = train(config, {}, {}, nullptr, endOf(wholeEnd));
        const auto [head, at23] = stoppedAfter(config, 23);
        QCOMPARE(at23.averagedModels, int64_t(4)); // epochs 10, 14, 18 and 22
        const ResumePoint from{at23, head.lossHistory, head.validationHistory,
                               head.averagedHistory};
        const auto resumed = train(config, {}, {}, &from, endOf(resumedEnd));
        const auto sameBits = [](const std::vector<double>& a, const std::vector<double>& b) {
            return a.size() == b.size() &&
                   std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
        };
        QVERIFY(sameBits(resumed.lossHistory, whole.lossHistory));
        QVERIFY(sameBits(resumed.validationHistory, whole.validationHistory));
        QVERIFY(sameBits(resumed.averagedHistory, whole.averagedHistory));
        QVERIFY(sameBits(resumedEnd, wholeEnd));
        QCOMPARE(resumed.averagedModels, whole.averagedModels);
    }

    void badDynamicsAreRefused() {
        struct Spoiled {
            const char* what;
            void (*spoil)(ExperimentConfig&);
            const char* message; // a part of validate's reason
        };
        const Spoiled cases[] = {
            {"warm-up too long", [](auto& c) { c.train.schedule.warmupEpochs = 100; }, "warm-up"},
            {"gamma 1", [](auto& c) { c.train.schedule.gamma = 1.0; }, "gamma"},
            {"floor above lr", [](auto& c) { c.train.schedule.minLr = 1.0; }, "min-lr"},
            {"negative target", [](auto& c) { c.train.stop.targetLoss = -1.0; }, "target loss"},
            {"negative patience", [](auto& c) { c.train.stop.earlyStopPatience = -1; },
             "early-stop"},
            {"most points held out", [](auto& c) { c.train.validationShare = 0.6; },
             "validation share"},
            {"averaging after the end", [](auto& c) { c.train.averaging.start = 100; },
             "swa-start"},
            {"averaging every 0",
             [](auto& c) {
                 c.train.averaging.start = 10;
                 c.train.averaging.every = 0;
             },
             "swa-every"},
            {"best and averaged",
             [](auto& c) {
                 c.train.averaging.start = 10;
                 c.train.stop.restoreBest = true;
             },
             "restore-best or swa-start"},
        };
        for (const auto& bad : cases) {
            auto c = chirpExperiment(100);
            bad.spoil(c);
            const auto reason = QString::fromStdString(validate(c));
            QVERIFY2(reason.contains(QLatin1String(bad.message)),
                     qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(bad.what), reason)));
        }
    }
};

DREDGE_ONE_THREAD_TEST_MAIN(TestTrainingDynamics)
#include "test_training_dynamics.moc"
