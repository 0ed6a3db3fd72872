// Sweeps: expansion (grid, seeded random, linear and log ranges, switches and
// choices, seeds), the file format and its errors, group statistics; then
// `dredge-studio sweep` as a user runs it, here and as a job array on a real
// single-node Slurm that this test starts and stops itself (skipped with the
// reason where it cannot start, except in CI).

#include "ParameterImportance.h"
#include "PopulationTraining.h"
#include "RunGroups.h"
#include "RunStore.h"
#include "SearchSummary.h"
#include "SlurmCluster.h"
#include "StudioProcess.h"
#include "Sweep.h"
#include "TrialStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <cmath>
#include <csignal>
#include <map>
#include <set>

using namespace dredge;

namespace {

// An axis of the learning rate over a log range.
QJsonObject lrLogAxis(double from, double to, int points) {
    return {
        {"setting", "lr"},
        {"range", QJsonObject{{"from", from}, {"to", to}, {"points", points}, {"scale", "log"}}}};
}

QJsonObject sweepJson(const QJsonArray& axes,
                      const QJsonValue& seeds = QJsonValue(QJsonValue::Undefined)) {
    QJsonObject json{{"format", "dredge-sweep"},
                     {"version", 1},
                     {"name", "test"},
                     {"base", QJsonObject{{"train", QJsonObject{{"epochs", 40}}}}},
                     {"axes", axes}};
    if (!seeds.isUndefined()) {
        json.insert("seeds", seeds);
    }
    return json;
}

std::vector<SweepTask> expand(const QJsonObject& json) {
    QString error;
    const auto spec = sweepFromJson(json, &error);
    const auto tasks = spec ? expandSweep(*spec, &error) : std::nullopt;
    if (!tasks) {
        qWarning("%s", qPrintable(error));
        return {};
    }
    return *tasks;
}

QString expansionError(const QJsonObject& json) {
    QString error;
    const auto spec = sweepFromJson(json, &error);
    if (spec) {
        expandSweep(*spec, &error);
    }
    return error;
}

StudioOutcome studio(const QStringList& arguments, const QString& workingFolder = {}) {
    return runStudioProcess(arguments, {}, workingFolder);
}

std::vector<RunRecord> storedRuns(const QString& url) {
    QString error;
    RunStore store;
    const auto location = parseStoreUrl(url, &error);
    const auto runs =
        location && store.open(*location, &error) ? store.listRuns(&error) : std::nullopt;
    return runs ? *runs : std::vector<RunRecord>{};
}

// Starts `cluster`; where it cannot, fails the test in CI (Slurm must run
// there) and skips it elsewhere, and the caller returns.
bool startedOrSkipped(SlurmCluster& cluster) {
    QString why;
    if (cluster.start(&why)) {
        return true;
    }
    if (qEnvironmentVariable("CI") == QLatin1String("true")) {
        QTest::qFail(qPrintable("Slurm must run in CI: " + why), __FILE__, __LINE__);
    } else {
        QTest::qSkip(qPrintable(why), __FILE__, __LINE__);
    }
    return false;
}

// `json` in `mode`, with the mode's keys.
QJsonObject withMode(QJsonObject json, const char* mode, const QJsonObject& keys) {
    json.insert("mode", mode);
    for (auto it = keys.begin(); it != keys.end(); ++it) {
        json.insert(it.key(), it.value());
    }
    return json;
}

// The learning rate on a log range from `lrFrom` to 3e-2 (5 points) ×
// waves 8 and 16, seeds 0 and 1, `epochs` each, in `mode` with its keys.
QJsonObject lrAndWaves(double lrFrom, qint64 epochs, const char* mode, const QJsonObject& keys) {
    auto json =
        sweepJson(QJsonArray{lrLogAxis(lrFrom, 3e-2, 5),
                             QJsonObject{{"setting", "waves"}, {"values", QJsonArray{8, 16}}}},
                  QJsonArray{0, 1});
    json["base"] = QJsonObject{{"train", QJsonObject{{"epochs", epochs}}}};
    return withMode(json, mode, keys);
}

// Two learning rates, one seed, `epochs` each: runs long enough to catch.
QJsonObject twoLearningRates(qint64 epochs) {
    auto json =
        sweepJson(QJsonArray{QJsonObject{{"setting", "lr"}, {"values", QJsonArray{1e-3, 3e-3}}}},
                  QJsonArray{0});
    json.insert("base", QJsonObject{{"train", QJsonObject{{"epochs", epochs}}}});
    return json;
}

// A run of `store` training, with its process known, past `epochs`: into *run.
bool runningPast(const QString& store, qint64 epochs, RunRecord* run) {
    for (const auto& r : storedRuns(store)) {
        if (r.status == RecordStatus::Running && r.epochsDone > epochs && r.pid > 0) {
            *run = r;
            return true;
        }
    }
    return false;
}

// Whether `store` holds `count` runs, all finished.
bool allFinished(const QString& store, size_t count) {
    const auto runs = storedRuns(store);
    return runs.size() == count && std::all_of(runs.begin(), runs.end(), [](const RunRecord& run) {
               return run.status == RecordStatus::Finished;
           });
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    QString writeSweep(const QString& name, const QJsonObject& json) {
        const QString path = dir_.filePath(name);
        QFile file(path);
        file.open(QIODevice::WriteOnly);
        file.write(QJsonDocument(json).toJson());
        return path;
    }
    // `sweep FILE --slurm --jobs J --store STORE`, from the scratch folder
    // (the job's logs go there): whether it submitted the array.
    bool submitted(const QString& file, int jobs, const QString& store) {
        const auto r =
            studio({"sweep", file, "--slurm", "--jobs", QString::number(jobs), "--store", store},
                   dir_.path());
        if (r.exitCode != 0 || !r.out.contains("submitted job ")) {
            qWarning("sweep --slurm failed (%d): %s", r.exitCode, r.err.constData());
            return false;
        }
        return true;
    }

    // Member e.member's run with seed e.seedIndex ended at `epoch` as
    // pruned, and a fork of the copied member's run with that seed took its
    // task from there, the explore journaled at its first epoch.
    void checkFork(RunStore& reader, const std::map<QString, RunRecord>& byId,
                   const std::vector<PopulationEntry>& entries, const PopulationEntry& e,
                   qint64 epoch) {
        const auto& ended = byId.at(e.runId);
        QCOMPARE(ended.status, RecordStatus::Pruned);
        QCOMPARE(ended.epochsDone, epoch);
        const auto source = std::find_if(entries.begin(), entries.end(), [&](auto& s) {
            return s.member == e.source && s.seedIndex == e.seedIndex;
        });
        QVERIFY(source != entries.end());
        const auto fork = std::find_if(byId.begin(), byId.end(), [&](auto& r) {
            return r.second.parentId == source->runId && r.second.forkEpoch == epoch &&
                   r.second.sweepTask == ended.sweepTask;
        });
        QVERIFY2(fork != byId.end(), "no fork took the member's task on");
        QVERIFY(fork->second.tags.contains("pbt"));
        QString error;
        const auto journal = reader.journal(fork->second.id, &error);
        QVERIFY2(journal, qPrintable(error));
        const auto change = std::find_if(journal->begin(), journal->end(), [](auto& c) {
            return c.action == ChangeAction::Set && c.setting == QLatin1String("lr");
        });
        QVERIFY(change != journal->end());
        QCOMPARE(change->source, ChangeSource::Sweep);
        QCOMPARE(change->epoch, epoch);
        QCOMPARE(change->to.toDouble(), e.setting[0].toDouble());
        QCOMPARE(change->from.toDouble(), source->setting[0].toDouble());
        const double factor = change->to.toDouble() / change->from.toDouble();
        QVERIFY2(std::abs(factor - 0.8) < 1e-12 || std::abs(factor - 1.2) < 1e-12 ||
                     change->to.toDouble() == 1e-5 || change->to.toDouble() == 3e-2,
                 qPrintable(QString::number(factor)));
    }

    // A `mode` (asha or hyperband) sweep of 6 learning rates × 2 model sizes
    // × `seeds` seeds, 90 epochs, r = 10, η = 3: asha's rungs at 10 and 30;
    // hyperband's brackets with first rungs at 10, 30 and 90 (none).
    QString halvingSweep(const QString& mode, int seeds) {
        auto json =
            sweepJson(QJsonArray{lrLogAxis(1e-4, 3e-2, 6),
                                 QJsonObject{{"setting", "waves"}, {"values", QJsonArray{8, 16}}}},
                      QJsonObject{{"from", 0}, {"to", seeds - 1}});
        json["base"] = QJsonObject{{"train", QJsonObject{{"epochs", 90}}}};
        json.insert("mode", mode);
        json.insert("min_epochs", 10);
        return writeSweep(QStringLiteral("%1%2.json").arg(mode).arg(seeds), json);
    }

    // The `count` runs of halvingSweep in `store` ended at a rung of their
    // bracket as pruned (history kept) or at their end, and every decision
    // in the store is the rule's on what had reached that rung of that
    // bracket before it, once per run. Returns the runs by bracket.
    std::map<int, std::set<QString>> checkRungDecisions(const QString& store, size_t count) {
        std::map<int, std::set<QString>> brackets;
        const auto runs = storedRuns(store);
        [&] { QCOMPARE(runs.size(), count); }();
        std::map<QString, const RunRecord*> byId;
        for (const auto& run : runs) {
            byId[run.id] = &run;
            if (run.status != RecordStatus::Pruned) {
                [&] {
                    QCOMPARE(run.status, RecordStatus::Finished);
                    QCOMPARE(run.epochsDone, qint64(90));
                }();
            }
        }
        QString error;
        RunStore reader;
        const auto location = parseStoreUrl(store, &error);
        const auto results = location && reader.open(*location, &error)
                                 ? reader.rungResults(runs.front().sweepId, &error)
                                 : std::nullopt;
        [&] { QVERIFY2(results, qPrintable(error)); }();
        const SuccessiveHalving base{10, 3.0, SeedObjective::Mean};
        // By bracket and rung, in decision order.
        std::map<std::pair<int, qint64>, std::vector<RungEntry>> before;
        std::set<std::pair<qint64, QString>> seen;
        for (const auto& result : results ? *results : std::vector<RunStore::RungResult>{}) {
            [&] {
                QVERIFY(seen.insert({result.rung, result.runId}).second); // decided once
                const auto halving = bracketHalving(base, result.bracket);
                const auto rungs = rungEpochs(halving, 90);
                QVERIFY(std::count(rungs.begin(), rungs.end(), result.rung) == 1);
                auto& at = before[{result.bracket, result.rung}];
                auto asked = at;
                asked.push_back({result.entry.group, result.entry.loss, std::nullopt});
                QCOMPARE(promotedAtRung(asked, result.entry.group, halving),
                         *result.entry.promoted);
                at.push_back(result.entry);
                // Pruned at its last rung; gone on from every other.
                QCOMPARE(*result.entry.promoted, byId.at(result.runId)->epochsDone > result.rung);
            }();
            brackets[result.bracket].insert(result.runId);
        }
        return brackets;
    }

    // Two seeds of a 4-D volume of 21³ points: three chunks, room for two ranks.
    QString twoVolumeRuns() {
        auto json = sweepJson(QJsonArray{}, QJsonArray{0, 1});
        json["base"] = QJsonObject{{"data", QJsonObject{{"kind", "volume4d"}, {"grid", 21}}},
                                   {"train", QJsonObject{{"epochs", 30}}}};
        return writeSweep("volumes.json", json);
    }
    QString fourRuns() {
        return writeSweep("four.json",
                          sweepJson(QJsonArray{QJsonObject{{"setting", "lr"},
                                                           {"values", QJsonArray{1e-3, 3e-3}}}},
                                    QJsonArray{0, 1}));
    }

private Q_SLOTS:
    void gridStartsEveryCombinationWithSeedsInnermost() {
        const auto tasks = expand(sweepJson(
            QJsonArray{QJsonObject{{"setting", "lr"}, {"values", QJsonArray{1e-3, 3e-3}}},
                       QJsonObject{{"setting", "amp"}, {"values", QJsonArray{false, true}}}},
            QJsonObject{{"from", 0}, {"to", 2}}));
        QCOMPARE(tasks.size(), size_t(12));
        QCOMPARE(tasks[0].label(), QString("lr=0.001 amp=off seed=0"));
        QCOMPARE(tasks[2].label(), QString("lr=0.001 amp=off seed=2"));
        QCOMPARE(tasks[3].label(), QString("lr=0.001 amp=on seed=0"));
        QCOMPARE(tasks[11].label(), QString("lr=0.003 amp=on seed=2"));
        QCOMPARE(tasks[4].groupLabel(), QString("lr=0.001 amp=on"));
        QCOMPARE(tasks[7].config.train.learningRate, 3e-3);
        QVERIFY(!tasks[7].config.train.mixedPrecision);
        QCOMPARE(tasks[11].config.train.seed, uint64_t(2));
        QCOMPARE(tasks[11].config.train.epochs, int64_t(40)); // from the base
        for (size_t i = 0; i < tasks.size(); ++i) {
            QCOMPARE(tasks[i].index, int(i));
        }
    }

    void rangesAreLinearOrLogAndIntegersRound() {
        const auto tasks = expand(sweepJson(QJsonArray{
            lrLogAxis(1e-4, 1e-2, 3),
            QJsonObject{{"setting", "waves"},
                        {"range", QJsonObject{{"from", 8}, {"to", 30}, {"points", 3}}}}}));
        QCOMPARE(tasks.size(), size_t(9));
        QVERIFY(std::abs(tasks[0].config.train.learningRate - 1e-4) < 1e-12);
        QVERIFY(std::abs(tasks[3].config.train.learningRate - 1e-3) < 1e-12); // the log midpoint
        QVERIFY(std::abs(tasks[6].config.train.learningRate - 1e-2) < 1e-12);
        QCOMPARE(tasks[0].config.model.waves, 8);
        QCOMPARE(tasks[1].config.model.waves, 19); // 8 + 11, linear
        QCOMPARE(tasks[2].config.model.waves, 30);
    }

    void switchesAndChoices() {
        const auto tasks = expand(sweepJson(QJsonArray{
            QJsonObject{{"setting", "model"}, {"values", QJsonArray{"wave-ensemble", "siren"}}},
            QJsonObject{{"setting", "kernel"}, {"values", QJsonArray{"composed"}}},
            QJsonObject{{"setting", "clip-max-norm"}, {"values", QJsonArray{0.5}}}}));
        QCOMPARE(tasks.size(), size_t(2));
        QCOMPARE(tasks[1].config.model.kind, ModelKind::Siren);
        QCOMPARE(tasks[1].config.model.kernel, WaveKernel::Composed);
        QVERIFY(tasks[1].config.train.clipGradients); // sweeping the norm clips
        QCOMPARE(tasks[1].config.train.clipMaxNorm, 0.5);
        QCOMPARE(tasks[0].label(),
                 QString("model=wave-ensemble kernel=composed clip-max-norm=0.5 seed=0"));
    }

    void randomSamplesAreSeededAndInRange() {
        auto json = sweepJson(
            QJsonArray{lrLogAxis(1e-5, 1e-1, 2),
                       QJsonObject{{"setting", "model"},
                                   {"values", QJsonArray{"wave-ensemble", "siren", "rff"}}}},
            QJsonArray{0, 1});
        json.insert("mode", "random");
        json.insert("samples", 200);
        json.insert("sample_seed", 7);
        const auto a = expand(json), b = expand(json);
        QCOMPARE(a.size(), size_t(400));
        int below1e3 = 0;
        std::set<int> models;
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].config.train.learningRate, b[i].config.train.learningRate); // seeded
            const double lr = a[i].config.train.learningRate;
            QVERIFY(lr >= 1e-5 && lr <= 1e-1);
            below1e3 += lr < 1e-3;
            models.insert(int(a[i].config.model.kind));
            if (i % 2) { // one sample, every seed
                QCOMPARE(a[i].groupLabel(), a[i - 1].groupLabel());
            }
        }
        // Log-uniform: half the draws fall below the geometric midpoint 1e-3.
        QVERIFY2(below1e3 > 140 && below1e3 < 260, qPrintable(QString::number(below1e3)));
        QCOMPARE(models.size(), size_t(3));
        json.insert("sample_seed", 8);
        QVERIFY(expand(json)[0].config.train.learningRate != a[0].config.train.learningRate);
    }

    void filesRoundTripAndTheShippedExampleExpands() {
        QString error;
        const auto shipped =
            readSweepFile(QFINDTESTDATA("../resources/presets/chirp-lr-sweep.json"), &error);
        QVERIFY2(shipped, qPrintable(error));
        const auto tasks = expandSweep(*shipped, &error);
        QCOMPARE(tasks->size(), size_t(6)); // 2 learning rates × 3 seeds
        QCOMPARE(tasks->back().config.train.epochs, int64_t(300));
        const auto again = sweepFromJson(toJson(*shipped), &error);
        QVERIFY2(again, qPrintable(error));
        const auto retasks = expandSweep(*again, &error);
        QCOMPARE(retasks->size(), tasks->size());
        for (size_t i = 0; i < tasks->size(); ++i) {
            QCOMPARE((*retasks)[i].label(), (*tasks)[i].label());
        }
    }

    void badSweepsNameTheProblem_data() {
        QTest::addColumn<QJsonObject>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown setting")
            << sweepJson(
                   QJsonArray{QJsonObject{{"setting", "momentum"}, {"values", QJsonArray{1}}}})
            << "momentum";
        QTest::newRow("range over a choice")
            << sweepJson(QJsonArray{
                   QJsonObject{{"setting", "model"},
                               {"range", QJsonObject{{"from", 1}, {"to", 2}, {"points", 2}}}}})
            << "not numeric";
        QTest::newRow("log range through 0")
            << sweepJson(QJsonArray{lrLogAxis(0, 1, 2)}) << "positive";
        QTest::newRow("an invalid run")
            << sweepJson(
                   QJsonArray{QJsonObject{{"setting", "lr"}, {"values", QJsonArray{1e-3, -1}}}})
            << "task 1 (lr=-1 seed=0)";
        QTest::newRow("wrong type")
            << sweepJson(
                   QJsonArray{QJsonObject{{"setting", "waves"}, {"values", QJsonArray{"many"}}}})
            << "waves must be an integer";
        QTest::newRow("too many runs")
            << sweepJson(QJsonArray{
                   QJsonObject{
                       {"setting", "lr"},
                       {"range", QJsonObject{{"from", 1e-4}, {"to", 1e-2}, {"points", 1000}}}},
                   QJsonObject{{"setting", "waves"},
                               {"range", QJsonObject{{"from", 1}, {"to", 200}, {"points", 200}}}}})
            << "more than 100000 runs";
        auto future = sweepJson({});
        future.insert("version", 2);
        QTest::newRow("newer version") << future << "version 2";
        auto random = sweepJson({});
        random.insert("mode", "random");
        QTest::newRow("random without samples") << random << "samples";
        random.insert("samples", 1e12); // was "needs samples ≥ 1"
        QTest::newRow("a trillion samples")
            << random << "\"samples\" must be a whole number from 1 to 100000, not 1e+12";
        random.insert("samples", 2.5);
        QTest::newRow("half a sample") << random << "whole number from 1 to 100000, not 2.5";
        auto asha = sweepJson({});
        asha.insert("mode", "asha");
        QTest::newRow("asha without min_epochs") << asha << "\"min_epochs\"";
        asha.insert("min_epochs", 10);
        asha.insert("reduction", 1);
        QTest::newRow("asha, η = 1") << asha << "\"reduction\" (η) must be a number above 1";
        asha.insert("reduction", 3);
        asha.insert("objective", "best");
        QTest::newRow("asha, unknown objective") << asha << "\"objective\" must be mean or median";
        asha.insert("objective", "median");
        asha.insert("min_epochs", 40); // the base's epochs
        QTest::newRow("asha, a rung at the end") << asha << "\"min_epochs\" 40 is not below its 40";
        asha.insert("mode", "bohb");
        QTest::newRow("unknown mode")
            << asha << "grid, random, asha, hyperband, tpe or pbt, not 'bohb'";
        auto tpe = sweepJson(QJsonArray{lrLogAxis(1e-4, 1e-2, 3)});
        tpe.insert("mode", "tpe");
        QTest::newRow("tpe without trials") << tpe << "a tpe sweep needs \"trials\"";
        tpe.insert("trials", 0);
        QTest::newRow("tpe, no trial") << tpe << "\"trials\" must be a whole number from 1";
        tpe.insert("trials", 10);
        tpe.insert("gamma", 1.0);
        QTest::newRow("tpe, γ = 1") << tpe << "\"gamma\" must be above 0 and below 1";
        tpe.remove("gamma");
        tpe.insert("min_epochs", 40);
        QTest::newRow("tpe, a rung at the end") << tpe << "\"min_epochs\" 40 is not below its 40";
        tpe.remove("min_epochs");
        tpe["axes"] = QJsonArray{QJsonObject{
            {"setting", "waves"}, {"range", QJsonObject{{"from", 0}, {"to", 16}, {"points", 3}}}}};
        QTest::newRow("tpe, a range end no run takes") << tpe << "axis 'waves' = 0:";
        tpe["axes"] = QJsonArray{};
        QTest::newRow("tpe, nothing to search") << tpe << "at least one axis";
        auto pbt = sweepJson(QJsonArray{lrLogAxis(1e-4, 1e-2, 3)});
        pbt.insert("mode", "pbt");
        QTest::newRow("pbt without a population") << pbt << "a pbt sweep needs \"population\"";
        pbt.insert("population", 1);
        pbt.insert("interval", 10);
        QTest::newRow("pbt, a population of one")
            << pbt << "\"population\" must be a whole number from 2";
        pbt.insert("population", 4);
        pbt.insert("interval", 40); // the base's epochs
        QTest::newRow("pbt, no boundary") << pbt << "\"interval\" 40 is not below its 40 epochs";
        pbt.insert("interval", 10);
        pbt.insert("quantile", 0.6);
        QTest::newRow("pbt, quantile above a half") << pbt << "\"quantile\" must be above 0";
        pbt.remove("quantile");
        pbt.insert("perturb", QJsonArray{1.2, -0.8});
        QTest::newRow("pbt, a negative factor") << pbt << "\"perturb\" must be a list of factors";
        pbt.insert("perturb", QJsonArray{});
        QTest::newRow("pbt, no factor") << pbt << "\"perturb\" must be a list of factors";
        pbt.remove("perturb");
        pbt["axes"] = QJsonArray{QJsonObject{{"setting", "waves"}, {"values", QJsonArray{8, 16}}}};
        QTest::newRow("pbt, nothing live to perturb") << pbt << "give at least one axis of lr,";
        pbt["axes"] =
            QJsonArray{QJsonObject{{"setting", "epochs"}, {"values", QJsonArray{20, 30}}}};
        QTest::newRow("pbt, epochs are not perturbed") << pbt << "give at least one axis of lr,";
    }
    void badSweepsNameTheProblem() {
        QFETCH(QJsonObject, json);
        QFETCH(QString, message);
        const auto error = expansionError(json);
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    // Rungs at r, rη, rη², … below the epochs; a setting goes on from a rung
    // when its seeds' mean (or median) is among the best max(1, ⌊k/η⌋) of the
    // k settings there, an earlier seed's decision holding for its group.
    void successiveHalvingDecidesAtEachRung() {
        SuccessiveHalving h{20, 3.0, SeedObjective::Mean};
        QCOMPARE(rungEpochs(h, 540), (std::vector<int64_t>{20, 60, 180}));
        QCOMPARE(rungEpochs(h, 180), (std::vector<int64_t>{20, 60}));
        QCOMPARE(rungEpochs(h, 20), std::vector<int64_t>{});
        QCOMPARE(rungEpochs({10, 1.5, SeedObjective::Mean}, 30),
                 (std::vector<int64_t>{10, 15, 23})); // 22.5 rounds to 23
        const auto at = [&](std::vector<RungEntry> entries, const QString& group) {
            return promotedAtRung(entries, group, h);
        };
        QVERIFY(at({{"a", 0.5, {}}}, "a"));           // alone and finite: best so far
        QVERIFY(!at({{"a", std::nan(""), {}}}, "a")); // diverged: never
        QVERIFY(!at({{"a", 0.1, true}, {"b", 0.2, {}}}, "b"));
        QVERIFY(at({{"a", 0.3, true}, {"b", 0.2, {}}}, "b"));
        // Six settings: the best two go on.
        std::vector<RungEntry> six;
        for (int i = 0; i < 5; ++i) {
            six.push_back({QString::number(i), 0.1 * (i + 1), true});
        }
        six.push_back({"new", 0.15, {}});
        QVERIFY(at(six, "new"));
        six.back().loss = 0.25;
        QVERIFY(!at(six, "new"));
        // A group's first seed decided: the second follows, whatever its loss.
        QVERIFY(!at({{"a", 0.1, true}, {"b", 0.9, false}, {"b", 0.01, {}}}, "b"));
        // Mean against median over a setting's seeds.
        const std::vector<RungEntry> seeds{{"a", 0.2, true},
                                           {"b", 0.1, true},
                                           {"b", 0.1, true},
                                           {"b", 1.0, true},
                                           {"c", 0.15, {}}};
        QVERIFY(at(seeds, "c")); // b's mean is 0.4
        h.objective = SeedObjective::Median;
        QVERIFY(!at(seeds, "c")); // b's median is 0.1
        QCOMPARE(seedObjective({1.0, std::nan(""), 0.5}, SeedObjective::Median), 1.0);
    }

    // An asha sweep on two jobs: runs end at rungs as pruned (their history
    // kept), and every decision in the store is the rule's on what had
    // reached that rung before it, once per run, never splitting a setting.
    void anAshaSweepPrunesAtRungsThroughTheStore() {
        const QString store = "sqlite:" + dir_.filePath("asha.sqlite");
        const auto r = studio({"sweep", halvingSweep("asha", 2), "--jobs", "2", "--store", store});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("runs pruned at a rung"), r.out.constData());
        const auto brackets = checkRungDecisions(store, 24);
        QCOMPARE(brackets.size(), size_t(1));
        QCOMPARE(brackets.begin()->second.size(), size_t(24)); // every run reached rung 10
        const auto runs = storedRuns(store);
        QVERIFY(std::any_of(runs.begin(), runs.end(),
                            [](auto& run) { return run.status == RecordStatus::Pruned; }));
    }

    // Hyperband: brackets of asha with first rungs 10, 30 and 90, the
    // settings shared out as Hyperband sizes them (7, 3 and 2 of 12); each
    // bracket decides among its own runs; the last one trains to the end.
    void aHyperbandSweepRunsBracketsOfHalving() {
        const SuccessiveHalving h{10, 3.0, SeedObjective::Mean};
        QCOMPARE(hyperbandBrackets(h, 90), 3);
        QCOMPARE(hyperbandBrackets(h, 89), 2);
        QCOMPARE(hyperbandBrackets({20, 3.0, SeedObjective::Mean}, 540), 4);
        QCOMPARE(bracketHalving(h, 2).minEpochs, int64_t(90));
        std::map<int, int> shares;
        for (int i = 0; i < 12; ++i) {
            ++shares[hyperbandBracketOf(i, 12, 3, 3.0)];
        }
        QCOMPARE(shares, (std::map<int, int>{{0, 7}, {1, 3}, {2, 2}}));

        const QString store = "sqlite:" + dir_.filePath("hyperband.sqlite");
        const auto file = halvingSweep("hyperband", 1);
        const auto dry = studio({"sweep", file, "--dry-run"});
        QVERIFY2(dry.out.contains("bracket 0, 7 settings: rungs at 10, 30 of 90 epochs") &&
                     dry.out.contains("bracket 2, 2 settings: no rung, trained to the end"),
                 dry.out.constData());
        const auto r = studio({"sweep", file, "--jobs", "2", "--store", store});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto brackets = checkRungDecisions(store, 12);
        QCOMPARE(brackets.size(), size_t(2)); // the last bracket has no rung
        QCOMPARE(brackets.at(0).size(), size_t(7));
        QCOMPARE(brackets.at(1).size(), size_t(3));
    }

    // The estimator: before `startup` results, uniform draws; then points
    // where the good results are dense and the bad ones are not; the same
    // seed and history give the same point; all-diverged results still give
    // new, valid points; the good share is ranked by reach, then value.
    void parzenProposalsFollowTheGoodResults() {
        const std::vector<ParzenAxis> axes{{ParzenAxis::Kind::Continuous, 1e-4, 1e-1, true, 0},
                                           {ParzenAxis::Kind::Choice, 0, 0, false, 3},
                                           {ParzenAxis::Kind::Integer, 1, 64, true, 0}};
        std::vector<ParzenResult> results;
        for (int i = 0; i < 20; ++i) { // good near lr 3e-3, choice 2, 8 waves; bad elsewhere
            const bool good = i % 4 == 0;
            const double lr = good ? 3e-3 * (1.0 + 0.01 * i) : (i % 2 ? 2e-4 : 5e-2);
            results.push_back({{lr, good ? 2.0 : double(i % 2), good ? 8.0 : 60.0},
                               90.0,
                               good ? 0.01 * (1 + i) : 1.0 + i});
        }
        const ParzenOptions options{10, 24, 0.25};
        QCOMPARE(goodResults(results, 0.25).size(), size_t(5));
        QCOMPARE(goodResults(results, 0.25).front(), size_t(0));
        int nearGood = 0;
        for (uint64_t seed = 0; seed < 40; ++seed) {
            const auto point = proposeParzen(axes, results, {}, seed, options);
            QCOMPARE(point, proposeParzen(axes, results, {}, seed, options));
            QVERIFY(point[0] >= 1e-4 && point[0] <= 1e-1 && point[2] == std::round(point[2]));
            nearGood += std::abs(std::log(point[0] / 3e-3)) < 1.0 && point[1] == 2.0 &&
                        std::abs(point[2] - 8.0) <= 4.0;
        }
        QVERIFY2(nearGood >= 30, qPrintable(QString::number(nearGood)));
        // l over the good values is denser there than g over the bad ones.
        std::vector<double> good{3e-3, 3.1e-3}, bad{2e-4, 5e-2};
        QVERIFY(parzenLogDensity(axes[0], good, 3e-3) > parzenLogDensity(axes[0], bad, 3e-3));
        // Fewer than `startup` results: uniform in log space, whatever the results say.
        int low = 0;
        for (uint64_t seed = 0; seed < 200; ++seed) {
            low += proposeParzen(axes, {results[0]}, {}, seed, options)[0] < 3.16e-3;
        }
        QVERIFY2(low > 70 && low < 130, qPrintable(QString::number(low)));
        // Reach ranks first: a run pruned early is not good however low its loss.
        std::vector<ParzenResult> reached{{{1e-3, 0, 8}, 30.0, 0.001}, {{1e-2, 0, 8}, 90.0, 0.5}};
        QCOMPARE(goodResults(reached, 0.25), std::vector<size_t>{1});
        // Everything diverged: still proposals, each new, in range.
        const std::vector<ParzenAxis> choices{{ParzenAxis::Kind::Choice, 0, 0, false, 4},
                                              {ParzenAxis::Kind::Choice, 0, 0, false, 3}};
        std::vector<ParzenResult> diverged;
        std::vector<std::vector<double>> tried;
        for (int i = 0; i < 11; ++i) {
            const auto point = proposeParzen(choices, diverged, tried, uint64_t(i), {3, 24, 0.25});
            QVERIFY(std::find(tried.begin(), tried.end(), point) == tried.end());
            QVERIFY(point[0] >= 0 && point[0] < 4 && point[1] >= 0 && point[1] < 3);
            tried.push_back(point);
            diverged.push_back({point, 90.0, std::nan("")});
        }
    }

    // What mattered: on a 4 × 3 grid whose loss depends on the first axis
    // only, that axis explains all of the variance and the second none, the
    // same for every seed; with noise, the spread over seeds shows; a
    // numeric axis of 20 values is cut into 5 bins (not 20 levels, which
    // would explain everything).
    void parameterImportanceIsEachAxissShareOfTheVariance() {
        const std::vector<ImportanceAxis> axes{{"lr", true}, {"waves", false}};
        std::vector<TriedSetting> grid;
        for (int lr = 0; lr < 4; ++lr) {
            for (int waves = 0; waves < 3; ++waves) {
                const double loss = std::pow(10.0, -1.0 - lr);
                grid.push_back({{1e-4 * (lr + 1), double(waves)}, {loss, loss}});
            }
        }
        auto shares = parameterImportance(axes, grid);
        QCOMPARE(shares.size(), size_t(2));
        QVERIFY(std::abs(shares[0].share - 1.0) < 1e-12 && shares[0].spread < 1e-12);
        QVERIFY(std::abs(shares[1].share) < 1e-12);
        QCOMPARE(shares[0].seeds, 2);
        grid[0].lossBySeed[1] *= 30.0; // one noisy seed
        shares = parameterImportance(axes, grid);
        QVERIFY(shares[0].spread > 0.01 && shares[1].share > 0.0);
        std::vector<TriedSetting> drawn; // 20 distinct lrs, the loss pure noise in order
        for (int i = 0; i < 20; ++i) {
            drawn.push_back({{1e-4 * (i + 1), double(i % 3)}, {1.0 + (i * 7919 % 13)}});
        }
        shares = parameterImportance(axes, drawn);
        QVERIFY2(shares[0].share < 0.9, qPrintable(QString::number(shares[0].share)));
        const std::vector<TriedSetting> tooFew{{{1e-4, 0}, {0.1}}, {{2e-4, 1}, {0.2}}};
        QVERIFY(std::isnan(parameterImportance(axes, tooFew)[0].share));
    }

    // Searches of one space with other search seeds pool their shares: the
    // mean over the searches, the spread their std; another space, a
    // search alone, or one without shares is not pooled.
    void importanceIsPooledAcrossSearchSeeds() {
        const auto search = [](const QString& name, const QString& space, double lr) {
            SearchSummary s;
            s.name = name;
            s.space = space;
            s.importance = {{"lr", lr, 0.01, 2}, {"waves", 1.0 - lr, 0.01, 2}};
            return s;
        };
        auto alone = search("other", "B", 0.5);
        auto none = search("pbt", "A", 0.0);
        none.importance.clear();
        const auto pooled = importanceAcrossSearches(
            {search("seed 1", "A", 0.8), alone, search("seed 2", "A", 0.6), none});
        QCOMPARE(pooled.size(), size_t(1));
        QCOMPARE(pooled[0].names, (QStringList{"seed 1", "seed 2"}));
        QCOMPARE(pooled[0].axes.size(), size_t(2));
        QVERIFY(std::abs(pooled[0].axes[0].share - 0.7) < 1e-12);
        QVERIFY(std::abs(pooled[0].axes[0].spread - std::sqrt(0.02)) < 1e-12); // sample std
        QCOMPARE(pooled[0].axes[1].seeds, 2);
        // Two sweep files of one space but other search seeds share it.
        QString error;
        auto a = sweepFromJson(lrAndWaves(1e-4, 30, "tpe", QJsonObject{{"trials", 4}}), &error);
        auto b = sweepFromJson(
            lrAndWaves(1e-4, 30, "tpe", QJsonObject{{"trials", 4}, {"sample_seed", 9}}), &error);
        QVERIFY2(a && b, qPrintable(error));
        b->name = QStringLiteral("another name");
        QCOMPARE(summarizeSearch(*a, {}, {}).space, summarizeSearch(*b, {}, {}).space);
        b->trials = 5;
        QVERIFY(summarizeSearch(*a, {}, {}).space != summarizeSearch(*b, {}, {}).space);
    }

    // A tpe sweep on one job: every trial's setting is in the store, and is
    // the proposal the estimator makes from the trials that ended before it
    // (re-derived here from the stored runs); the first `startup` are
    // drawn at random; runs are named by their setting; run again into
    // another store, the search proposes the same settings.
    void aTpeSweepProposesEachSettingFromTheStore() {
        const auto json = lrAndWaves(
            1e-4, 30, "tpe", QJsonObject{{"trials", 7}, {"startup", 3}, {"sample_seed", 11}});
        const QString file = writeSweep("tpe.json", json);
        const auto dry = studio({"sweep", file, "--dry-run"});
        QVERIFY2(dry.out.contains("7 trials × 2 seeds") && dry.out.contains("trial 6 seed=1"),
                 dry.out.constData());
        QString error;
        const auto spec = sweepFromJson(json, &error);
        QVERIFY2(spec, qPrintable(error));
        std::map<int, QJsonArray> settings[2];
        for (int pass = 0; pass < 2; ++pass) {
            const QString store =
                "sqlite:" + dir_.filePath(QStringLiteral("tpe%1.sqlite").arg(pass));
            const auto r = studio({"sweep", file, "--jobs", "1", "--store", store});
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QVERIFY2(r.out.contains("best so far") && r.out.contains("what mattered") &&
                         QString::fromUtf8(r.out).contains(
                             QRegularExpression("\n  lr +[0-9.]+ % ± [0-9.]+ %\n")),
                     r.out.constData());
            const auto runs = storedRuns(store);
            QCOMPARE(runs.size(), size_t(14));
            RunStore reader;
            QVERIFY(reader.open(*parseStoreUrl(store, &error), &error));
            const auto trials = reader.trialSettings(runs.front().sweepId, &error);
            QVERIFY2(trials && trials->size() == 7, qPrintable(error));
            settings[pass] = *trials;
            for (const auto& [trial, setting] : *trials) {
                RunStore::SweepProgress before; // what the store held when trial `trial` began
                for (const auto& [t, s] : *trials) {
                    if (t < trial) {
                        before.trials.emplace(t, s);
                    }
                }
                for (const auto& run : runs) {
                    QVERIFY(run.name.contains(QStringLiteral("lr=")));
                    if (run.sweepTask / 2 < trial) {
                        before.runs.push_back(run);
                    }
                }
                const auto expected = proposeSetting(*spec, trial, trialOutcomes(*spec, before));
                QCOMPARE(SweepPoint(setting.begin(), setting.end()), expected);
            }
        }
        QCOMPARE(settings[0], settings[1]);
    }

    // Population-based training's rule, as the store applies it at each
    // boundary: the bottom quantile copies a complete member of the top one
    // that went on there (a seeded draw) and perturbs its live axes; a
    // member decided before passes its step to its later seeds; a member
    // alone goes on.
    void populationStepsCopyTheTopAndExploreLiveSettings() {
        const auto json = withMode(
            sweepJson(QJsonArray{lrLogAxis(1e-4, 1e-1, 4),
                                 QJsonObject{{"setting", "waves"}, {"values", QJsonArray{8, 16}}},
                                 QJsonObject{{"setting", "schedule"},
                                             {"values", QJsonArray{"constant", "cosine", "step"}}}},
                      QJsonArray{0, 1}),
            "pbt", QJsonObject{{"population", 4}, {"interval", 10}});
        QString error;
        const auto spec = sweepFromJson(json, &error);
        QVERIFY2(spec, qPrintable(error));
        QCOMPARE(generationEpochs(60, 300), (std::vector<int64_t>{60, 120, 180, 240}));
        QCOMPARE(generationEpochs(100, 300), (std::vector<int64_t>{100, 200}));
        const auto setting = [](double lr, int waves, const char* schedule) {
            return std::vector<QJsonValue>{lr, waves, QString::fromLatin1(schedule)};
        };
        const auto entry = [](int member, int seed, double loss, std::vector<QJsonValue> at) {
            PopulationEntry e;
            e.member = member;
            e.seedIndex = seed;
            e.runId = QStringLiteral("run%1-%2").arg(member).arg(seed);
            e.loss = loss;
            e.setting = std::move(at);
            return e;
        };
        std::vector<PopulationEntry> entries;
        for (int member = 0; member < 4; ++member) {
            for (int seed = 0; seed < 2; ++seed) {
                entries.push_back(entry(member, seed, member == 3 ? 10.0 : double(member + 1),
                                        member == 3 ? setting(1e-2, 16, "constant")
                                                    : setting(1e-3 * (member + 1), 8, "cosine")));
            }
        }
        const auto step = populationStep(*spec, entries, 3, 60);
        QCOMPARE(step.source, 0); // the one member of the top quarter of four
        const double lr = step.setting[0].toDouble();
        QVERIFY2(std::abs(lr - 0.8e-3) < 1e-15 || std::abs(lr - 1.2e-3) < 1e-15,
                 qPrintable(QString::number(lr)));
        QCOMPARE(step.setting[1], QJsonValue(8)); // not live: copied, never perturbed
        // A listed live value moves to a neighbour of the copied one (cosine).
        QVERIFY(step.setting[2] == QJsonValue("constant") || step.setting[2] == QJsonValue("step"));
        QCOMPARE(populationStep(*spec, entries, 3, 60).setting, step.setting); // seeded
        QCOMPARE(populationStep(*spec, entries, 0, 60).source, -1);            // the best goes on
        QCOMPARE(populationStep(*spec, {entries[6], entries[7]}, 3, 60).source, -1); // alone
        // The whole boundary at once: only member 3 copies, every seed alike.
        auto decided = entries;
        decideBoundary(*spec, decided, 60);
        for (const auto& e : decided) {
            QVERIFY(e.decided);
            QCOMPARE(e.source, e.member == 3 ? 0 : -1);
            QCOMPARE(e.setting,
                     e.member == 3 ? step.setting : entries[size_t(e.member * 2)].setting);
        }
        // A diverged member is worst.
        auto diverged = entries;
        diverged[6].loss = std::nan("");
        QCOMPARE(populationStep(*spec, diverged, 3, 120).source, 0);
        // A member decided before passes its step to a seed that comes later.
        auto later = decided;
        later.push_back(entry(3, 1, 0.1, setting(1e-2, 16, "constant")));
        later.erase(later.begin() + 7); // member 3's seed 1 had not arrived
        later.back().seedIndex = 1;
        decideBoundary(*spec, later, 60);
        QCOMPARE(later.back().source, 0);
        QCOMPARE(later.back().setting, step.setting);
        // Only a member whose every seed has its checkpoint there, and that
        // went on there, is copied.
        auto partial = entries;
        partial.erase(partial.begin() + 1); // member 0's seed 1 not there yet
        QCOMPARE(populationStep(*spec, partial, 3, 60).source, -1);
        auto copier = entries;
        for (int i : {0, 1}) { // member 0 copied member 2 here
            copier[size_t(i)].decided = true;
            copier[size_t(i)].source = 2;
        }
        QCOMPARE(populationStep(*spec, copier, 3, 60).source, -1);
        // A range's perturbed value stays in the range.
        for (uint64_t seed = 0; seed < 20; ++seed) {
            const auto top = exploredSetting(*spec, setting(1e-1, 8, "step"), seed);
            QVERIFY(top[0].toDouble() <= 1e-1 && top[0].toDouble() >= 0.8e-1 - 1e-15);
            QCOMPARE(top[2], QJsonValue("cosine")); // the only neighbour of the last
        }
    }

    // A pbt sweep through real processes and the store: every boundary
    // decided once per run as the rule decides on what stood before it; a
    // member that copies another ends its run there (history kept) and goes
    // on in a fork of the copied member's run with the same seed, the
    // explore in the fork's journal; every member ends at its epochs, and a
    // fork replays bit for bit.
    void aPbtSweepCopiesTheTopThroughTheStoreAndItsForksReplay() {
        const auto json = lrAndWaves(
            1e-5, 240, "pbt", QJsonObject{{"population", 4}, {"interval", 60}, {"sample_seed", 5}});
        const QString file = writeSweep("pbt.json", json);
        const auto dry = studio({"sweep", file, "--dry-run"});
        QVERIFY2(dry.out.contains("population of 4 members × 2 seeds; at epochs 60, 120, 180"),
                 dry.out.constData());
        const QString store = "sqlite:" + dir_.filePath("pbt.sqlite");
        const auto r = studio({"sweep", file, "--store", store}); // the population at once
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("population of 4 members × 2 seeds") &&
                     r.out.contains("from member"),
                 r.out.constData());
        QString error;
        const auto spec = sweepFromJson(json, &error);
        const auto runs = storedRuns(store);
        std::map<QString, RunRecord> byId;
        std::map<int, int> finals; // by task
        for (const auto& run : runs) {
            byId[run.id] = run;
            if (run.status != RecordStatus::Pruned) {
                QCOMPARE(run.status, RecordStatus::Finished);
                QCOMPARE(run.epochsDone, qint64(240));
                ++finals[run.sweepTask];
            }
        }
        QCOMPARE(finals.size(), size_t(8));
        QVERIFY(std::all_of(finals.begin(), finals.end(), [](auto& f) { return f.second == 1; }));
        RunStore reader;
        QVERIFY(reader.open(*parseStoreUrl(store, &error), &error));
        const auto boundaries = reader.populationEntries(runs.front().sweepId, &error);
        QVERIFY2(boundaries && boundaries->size() == 3, qPrintable(error));
        int exploits = 0;
        std::map<int, SweepPoint> settingBefore; // by member: as it reached the boundary
        const auto tasks = expandSweep(*spec, &error);
        for (const auto& task : *tasks) {
            settingBefore[task.setting] = settingOf(*spec, task);
        }
        for (const auto& [epoch, entries] : *boundaries) {
            QCOMPARE(entries.size(), size_t(8)); // every member's every seed, once
            // Every run trained at once: the whole population was judged
            // together, as the rule judges it.
            auto asked = entries;
            for (auto& e : asked) { // undecided, in its setting before the step
                e.decided = false;
                e.setting = settingBefore[e.member];
            }
            decideBoundary(*spec, asked, epoch);
            for (size_t i = 0; i < entries.size(); ++i) {
                const auto& e = entries[i];
                QVERIFY(e.decided);
                QCOMPARE(asked[i].source, e.source);
                if (e.source >= 0) {
                    QCOMPARE(asked[i].setting, e.setting);
                    ++exploits;
                    checkFork(reader, byId, entries, e, epoch);
                }
                settingBefore[e.member] = e.setting;
            }
        }
        QVERIFY2(exploits > 0, "the population never copied a member: choose another sample_seed");
        qInfo("%d exploit steps at 3 boundaries of 4 members × 2 seeds", exploits);
        for (const auto& run : runs) {
            if (!run.parentId.isEmpty()) {
                const auto replay = studio({"train", "--replay", run.id, "--store", store});
                QVERIFY2(replay.exitCode == 0 &&
                             replay.err.contains("every loss identical to the original's"),
                         replay.err.constData());
                break;
            }
        }
    }

    // --budget: a run starts only when its epochs fit beside what the sweep
    // trained and what is running; the rest stay queued, and the sweep goes
    // on when started again with a larger budget. Bad budgets are refused.
    void aBudgetCapsTheEpochsAndTheSweepGoesOnLater() {
        const QString store = "sqlite:" + dir_.filePath("budget.sqlite");
        const QString file = fourRuns(); // 4 runs of 40 epochs
        const auto first =
            studio({"sweep", file, "--jobs", "2", "--budget", "100", "--store", store});
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QVERIFY2(first.err.contains("the budget of 100 epochs is spent (80 trained)"),
                 first.err.constData());
        auto runs = storedRuns(store);
        QCOMPARE(std::count_if(runs.begin(), runs.end(),
                               [](auto& r) { return r.status == RecordStatus::Finished; }),
                 2);
        QCOMPARE(std::count_if(runs.begin(), runs.end(),
                               [](auto& r) { return r.status == RecordStatus::Queued; }),
                 2);
        const auto second =
            studio({"sweep", file, "--jobs", "2", "--budget", "160", "--store", store});
        QVERIFY2(second.exitCode == 0 && second.err.contains("going on with the 2 of its 4 runs"),
                 second.err.constData());
        QVERIFY(allFinished(store, 4));
        for (const QString bad : {"0", "-5", "many"}) {
            const auto r = studio({"sweep", file, "--budget", bad, "--store", store});
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains("--budget must be a whole number of epochs from 1"),
                     r.err.constData());
        }
        auto pbt = sweepJson(QJsonArray{lrLogAxis(1e-4, 1e-2, 3)}, QJsonArray{0, 1});
        pbt.insert("mode", "pbt");
        pbt.insert("population", 4);
        pbt.insert("interval", 10);
        const auto r = studio(
            {"sweep", writeSweep("pbt-budget.json", pbt), "--budget", "200", "--store", store});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("\"population\" 4 is larger than --budget 200 allows: its 4 "
                                "members × 2 seeds train 320 epochs (at most 2 members fit)"),
                 r.err.constData());
    }

    // An array task whose run is killed (SIGKILL) trains it again: the
    // script sees the signal's status, the dead record ends as interrupted
    // with its history, and a new run of the task finishes.
    void aKilledArrayTaskTrainsItsRunAgain() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        auto json = sweepJson(QJsonArray{}, QJsonArray{0});
        json.insert("base", QJsonObject{{"train", QJsonObject{{"epochs", 40'000}}}});
        const QString store = "sqlite:" + dir_.filePath("killed-cluster.sqlite");
        QVERIFY(submitted(writeSweep("killed-cluster.json", json), 1, store));
        RunRecord victim;
        QTRY_VERIFY2_WITH_TIMEOUT(runningPast(store, 0, &victim), qPrintable(cluster.log()), 60000);
        QCOMPARE(::kill(pid_t(victim.pid), SIGKILL), 0);
        const auto done = [&] {
            const auto runs = storedRuns(store);
            return runs.size() == 2 && std::any_of(runs.begin(), runs.end(), [](auto& r) {
                       return r.status == RecordStatus::Finished && r.sweepTask == 0;
                   });
        };
        QTRY_VERIFY2_WITH_TIMEOUT(done(), qPrintable(cluster.log()), 120000);
        for (const auto& run : storedRuns(store)) {
            if (run.id == victim.id) {
                QCOMPARE(run.status, RecordStatus::Interrupted);
                QVERIFY2(run.error.contains("kill"), qPrintable(run.error));
            }
        }
    }

    // --budget on a job array: each task asks the store whether its epochs
    // fit (in one transaction with taking it); those that do not stay
    // queued and their array tasks end without failing; submitted again
    // with a larger budget, the sweep goes on with an array of just those.
    void aBudgetCapsAJobArrayThroughTheStore() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        const QString store = "sqlite:" + dir_.filePath("budget-cluster.sqlite");
        const QString file = fourRuns(); // 4 runs of 40 epochs
        const auto count = [&store](RecordStatus status) {
            const auto runs = storedRuns(store);
            return std::count_if(runs.begin(), runs.end(),
                                 [status](auto& r) { return r.status == status; });
        };
        const auto first =
            studio({"sweep", file, "--slurm", "--jobs", "1", "--budget", "100", "--store", store},
                   dir_.path());
        QVERIFY2(first.exitCode == 0, first.err.constData());
        const QString job = QString::fromUtf8(first.out).section("submitted job ", 1).trimmed();
        const auto heldBack = [&] {
            int held = 0;
            for (int task = 0; task < 4; ++task) {
                QFile log(
                    dir_.filePath(QStringLiteral("dredge-test-%1_%2.out").arg(job).arg(task)));
                held += log.open(QIODevice::ReadOnly) && log.readAll().contains("stays queued");
            }
            return held;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(count(RecordStatus::Finished) == 2 && heldBack() == 2,
                                  qPrintable(cluster.log()), 120000);
        QCOMPARE(count(RecordStatus::Queued), 2);
        const auto second =
            studio({"sweep", file, "--slurm", "--budget", "160", "--store", store}, dir_.path());
        QVERIFY2(second.exitCode == 0 && second.err.contains("going on with the 2 of its 4 runs") &&
                     second.out.contains("2 runs queued"),
                 second.err.constData());
        QTRY_VERIFY2_WITH_TIMEOUT(count(RecordStatus::Finished) == 4, qPrintable(cluster.log()),
                                  120000);
    }

    // A tpe sweep as a job array: its tasks ask the store for their trial's
    // setting; each trial gets one, shared by its seeds.
    void aTpeSweepOnARealSlurmSharesItsTrials() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        const auto json =
            withMode(sweepJson(QJsonArray{lrLogAxis(1e-4, 3e-2, 5)}, QJsonArray{0, 1}), "tpe",
                     QJsonObject{{"trials", 4}, {"startup", 2}, {"min_epochs", 10}});
        const QString store = "sqlite:" + dir_.filePath("tpe-cluster.sqlite");
        QVERIFY(submitted(writeSweep("tpe-cluster.json", json), 3, store));
        const auto ended = [&store] {
            const auto runs = storedRuns(store);
            return runs.size() == 8 && std::all_of(runs.begin(), runs.end(),
                                                   [](auto& run) { return isEnded(run.status); });
        };
        QTRY_VERIFY2_WITH_TIMEOUT(ended(), qPrintable(cluster.log()), 180000);
        std::map<int, std::set<double>> lrs; // by trial
        for (const auto& run : storedRuns(store)) {
            QVERIFY(run.status == RecordStatus::Finished || run.status == RecordStatus::Pruned);
            lrs[run.sweepTask / 2].insert(run.config.train.learningRate);
        }
        QCOMPARE(lrs.size(), size_t(4));
        for (const auto& [trial, values] : lrs) {
            QCOMPARE(values.size(), size_t(1)); // one setting for both seeds
        }
    }

    // A pbt sweep as a job array: each task trains its member to its end,
    // forks included, its boundaries decided in the shared store.
    void aPbtSweepOnARealSlurmSharesItsBoundaries() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        const auto json =
            withMode(sweepJson(QJsonArray{lrLogAxis(1e-5, 3e-2, 5)}, QJsonArray{0}), "pbt",
                     QJsonObject{{"population", 4}, {"interval", 10}, {"sample_seed", 2}});
        const QString store = "sqlite:" + dir_.filePath("pbt-cluster.sqlite");
        QVERIFY(submitted(writeSweep("pbt-cluster.json", json), 2, store));
        const auto ended = [&store] {
            const auto runs = storedRuns(store);
            std::set<int> done;
            for (const auto& r : runs) {
                if (r.status == RecordStatus::Finished && r.epochsDone == 40) {
                    done.insert(r.sweepTask);
                }
            }
            return done.size() == 4 &&
                   std::all_of(runs.begin(), runs.end(), [](auto& r) { return isEnded(r.status); });
        };
        QTRY_VERIFY2_WITH_TIMEOUT(ended(), qPrintable(cluster.log()), 180000);
        QString error;
        RunStore reader;
        QVERIFY(reader.open(*parseStoreUrl(store, &error), &error));
        const auto boundaries = reader.populationEntries(storedRuns(store).front().sweepId, &error);
        QVERIFY2(boundaries && boundaries->size() == 3, qPrintable(error));
        for (const auto& [epoch, entries] : *boundaries) {
            QCOMPARE(entries.size(), size_t(4));
        }
    }

    void groupsJoinSeedsAndSummarise() {
        std::vector<RunRecord> runs(5);
        const double finals[] = {0.1, 0.3, 0.2, 0.5, std::nan("")};
        for (size_t i = 0; i < runs.size(); ++i) {
            runs[i].config.train.seed = i;
            runs[i].config.train.learningRate = i < 3 ? 1e-3 : 1e-2;
            runs[i].finalLoss = runs[i].bestLoss = finals[i];
            runs[i].msPerEpoch = 0.5;
        }
        const auto groups = groupBySettings(runs);
        QCOMPARE(groups.size(), size_t(2));
        QCOMPARE(groups[0].members, (std::vector<size_t>{0, 1, 2}));
        const auto first = summarize(runs, groups[0]);
        QCOMPARE(first.finalLoss.n, 3);
        QVERIFY(std::abs(first.finalLoss.mean - 0.2) < 1e-12);
        QVERIFY(std::abs(first.finalLoss.std - 0.1) < 1e-12); // sample std
        const auto second = summarize(runs, groups[1]);
        QCOMPARE(second.finalLoss.n, 1); // the NaN (diverged) run is left out
        QCOMPARE(second.finalLoss.std, 0.0);
        QCOMPARE(second.msPerEpoch.mean, 0.5);

        const std::vector<std::vector<double>> histories{{4, 2, 1}, {2, 4}, {6, std::nan(""), 3}};
        const auto mean = groupCurve(histories, CurveCenter::Mean, CurveBand::MinMax);
        QCOMPARE(mean.center, (std::vector<double>{4, 3, 2}));
        QCOMPARE(mean.low, (std::vector<double>{2, 2, 1}));
        QCOMPARE(mean.high, (std::vector<double>{6, 4, 3}));
        const auto median = groupCurve(histories, CurveCenter::Median, CurveBand::StdDev);
        QCOMPARE(median.center, (std::vector<double>{4, 3, 2}));
        QVERIFY(std::abs(median.high[0] - (4 + 2)) < 1e-12); // mean + sample std (std 2)
    }

    void groupsAreNamedByWhatDiffers() {
        ExperimentConfig a, b, c;
        b.train.learningRate = 3e-3;
        c.train.learningRate = 3e-3;
        c.model.waves = 8;
        c.train.seed = 5; // never a difference worth naming
        const auto labels = distinguishingLabels({a, b, c});
        QCOMPARE(labels[0], QString("lr=0.001 waves=16"));
        QCOMPARE(labels[1], QString("lr=0.003 waves=16"));
        QCOMPARE(labels[2], QString("lr=0.003 waves=8"));
        QCOMPARE(distinguishingLabels({a})[0], describe(a)); // alone: its settings in words
    }

    void sweepRunsItsQueueHereAndRanksTheSettings() {
        const QString store = "sqlite:" + dir_.filePath("local.sqlite");
        const auto dry = studio({"sweep", fourRuns(), "--dry-run", "--jobs", "2"});
        QCOMPARE(dry.exitCode, 0);
        QVERIFY(dry.out.contains("4 runs (grid), 2 at once"));
        QVERIFY(dry.out.contains("lr=0.003 seed=1"));
        QVERIFY(storedRuns(store).empty()); // a dry run records nothing

        const auto r = studio({"sweep", fourRuns(), "--jobs", "2", "--store", store});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("[4/4, 0 running]"), r.err.constData());
        QVERIFY(r.out.contains("RANK") && r.out.contains("lr=0.001") && r.out.contains("lr=0.003"));
        const auto runs = storedRuns(store);
        QCOMPARE(runs.size(), size_t(4)); // the queued records, claimed: no extra runs
        std::set<int> tasks;
        for (const auto& run : runs) {
            QCOMPARE(run.status, RecordStatus::Finished);
            QCOMPARE(run.epochsDone, qint64(40));
            QCOMPARE(run.sweepId, runs.front().sweepId);
            tasks.insert(run.sweepTask);
        }
        QCOMPARE(tasks, (std::set<int>{0, 1, 2, 3}));
        QVERIFY(runs.front().name.startsWith("test #"));
    }

    // Stopped (SIGTERM) while two of its four runs train, `sweep` stops them
    // and exits 130: the two are recorded as stopped, the others stay queued.
    // (It crashed here: stopping walked the list each run's end erased from.)
    void aStoppedSweepExitsWith130() {
        const QString store = "sqlite:" + dir_.filePath("stopped.sqlite");
        auto json = sweepJson(
            QJsonArray{QJsonObject{{"setting", "lr"}, {"values", QJsonArray{1e-3, 3e-3}}}},
            QJsonArray{0, 1});
        json.insert("base", QJsonObject{{"train", QJsonObject{{"epochs", 50'000'000}}}});
        QProcess sweep;
        sweep.start(QStringLiteral(DREDGE_STUDIO_EXE),
                    {"sweep", writeSweep("long.json", json), "--jobs", "2", "--store", store});
        QVERIFY(sweep.waitForStarted());
        const auto running = [&store] {
            int n = 0;
            for (const auto& run : storedRuns(store)) {
                n += run.status == RecordStatus::Running && run.epochsDone > 0;
            }
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(running(), 2, 60000);
        sweep.terminate();
        QVERIFY(sweep.waitForFinished(60000));
        QCOMPARE(sweep.exitStatus(), QProcess::NormalExit);
        QCOMPARE(sweep.exitCode(), 130);
        QVERIFY(sweep.readAllStandardError().contains("stopped"));
        std::map<RecordStatus, int> statuses;
        for (const auto& run : storedRuns(store)) {
            ++statuses[run.status];
        }
        QCOMPARE(statuses[RecordStatus::Stopped], 2);
        QCOMPARE(statuses[RecordStatus::Queued], 2);
    }

    // Issue 25 #7: `kill -9` of a sweep takes its train children with it
    // (they went on to the end); each records its run as stopped.
    void aKilledSweepTakesItsRunsWithIt() {
        const QString store = "sqlite:" + dir_.filePath("killed.sqlite");
        const auto json = twoLearningRates(50'000'000);
        QProcess sweep;
        sweep.start(QStringLiteral(DREDGE_STUDIO_EXE),
                    {"sweep", writeSweep("killed.json", json), "--jobs", "2", "--store", store});
        QVERIFY(sweep.waitForStarted());
        std::vector<qint64> trainers;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                trainers.clear();
                for (const auto& run : storedRuns(store)) {
                    if (run.status == RecordStatus::Running && run.epochsDone > 0) {
                        trainers.push_back(run.pid);
                    }
                }
                return trainers.size() == 2;
            }(),
            60000);
        sweep.kill(); // SIGKILL: the sweep has no say
        QVERIFY(sweep.waitForFinished(60000));
        // Gone, or a zombie waiting for a reaper that is not ours.
        const auto alive = [](qint64 pid) {
            QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
            if (!stat.open(QIODevice::ReadOnly)) {
                return false;
            }
            const auto fields = stat.readAll();
            const auto close = fields.lastIndexOf(')');
            return close > 0 && close + 2 < fields.size() && fields[close + 2] != 'Z';
        };
        for (const qint64 pid : trainers) {
            QTRY_VERIFY_WITH_TIMEOUT(!alive(pid), 60000);
        }
        int stopped = 0;
        for (const auto& run : storedRuns(store)) {
            stopped += run.status == RecordStatus::Stopped;
        }
        QCOMPARE(stopped, 2);
    }

    // A worker killed mid-run (past its first rung): its record ends as
    // interrupted with why, history kept; the task is queued again and trained
    // by a new run, which follows the rung decisions its setting met; the
    // search completes and the sweep exits 0.
    void aKilledWorkersTaskIsQueuedAgainAndTheSearchCompletes() {
        const QString store = "sqlite:" + dir_.filePath("requeued.sqlite");
        auto json = twoLearningRates(40'000);
        json.insert("mode", "asha");
        json.insert("min_epochs", 50);
        QProcess sweep;
        sweep.start(QStringLiteral(DREDGE_STUDIO_EXE),
                    {"sweep", writeSweep("requeued.json", json), "--jobs", "1", "--store", store});
        QVERIFY(sweep.waitForStarted());
        RunRecord victim;
        QTRY_VERIFY_WITH_TIMEOUT(runningPast(store, 50, &victim), 60000);
        QCOMPARE(::kill(pid_t(victim.pid), SIGKILL), 0);
        QVERIFY(sweep.waitForFinished(180000));
        const QString err = QString::fromUtf8(sweep.readAllStandardError());
        QVERIFY2(sweep.exitCode() == 0, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("task %1 killed, queued again").arg(victim.sweepTask)),
                 qPrintable(err));
        const auto runs = storedRuns(store);
        QCOMPARE(runs.size(), size_t(3));
        std::map<int, int> resultsByTask;
        for (const auto& run : runs) {
            if (run.id == victim.id) {
                QCOMPARE(run.status, RecordStatus::Interrupted);
                QVERIFY2(run.error.contains("kill"), qPrintable(run.error));
                QVERIFY(run.epochsDone > 50); // its history kept
            } else {
                QVERIFY(run.status == RecordStatus::Finished || run.status == RecordStatus::Pruned);
                ++resultsByTask[run.sweepTask];
            }
        }
        QCOMPARE(resultsByTask, (std::map<int, int>{{0, 1}, {1, 1}}));
        // At each rung the victim reached, its new run met the decision the
        // victim had met: a setting is never split, across the retry too.
        RunStore reader;
        QString error;
        QVERIFY(reader.open(*parseStoreUrl(store, &error), &error));
        const auto rungs = reader.rungResults(victim.sweepId, &error);
        QVERIFY2(rungs, qPrintable(error));
        std::map<std::pair<QString, qint64>, std::set<bool>> decisions; // by group and rung
        std::map<std::pair<QString, qint64>, int> entries;
        for (const auto& r : *rungs) {
            decisions[{r.entry.group, r.rung}].insert(*r.entry.promoted);
            ++entries[{r.entry.group, r.rung}];
        }
        int shared = 0;
        for (const auto& [key, promoted] : decisions) {
            QCOMPARE(promoted.size(), size_t(1));
            shared += entries[key] == 2; // the victim's and its new run's
        }
        QVERIFY(shared >= 1);
    }

    void trainRefusesATaskTheSweepHasNot() {
        const auto r = studio({"train", "--sweep", fourRuns(), "--task", "4", "--no-store"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("0 to 3"));
        const auto plain = studio({"train", "--task", "1", "--no-store"});
        QCOMPARE(plain.exitCode, 2);
    }

    // Issue 25 #7: `sweep` goes on with an unfinished sweep of the same file
    // and store (here queued for Slurm, one task trained by hand), and a task
    // is trained once: asked again, `train` refuses and records nothing.
    void anUnfinishedSweepGoesOnAndATaskIsTrainedOnce() {
        const QString store = "sqlite:" + dir_.filePath("resumed.sqlite");
        QVERIFY(studio({"sweep", fourRuns(), "--slurm", "--slurm-script-only", "--store", store,
                        "--script", dir_.filePath("resumed.sbatch")})
                    .exitCode == 0);
        const QString sweepId = storedRuns(store).front().sweepId;
        const QStringList taskZero{"train",      "--sweep", fourRuns(), "--task", "0",
                                   "--sweep-id", sweepId,   "--store",  store};
        QCOMPARE(studio(taskZero).exitCode, 0);
        const auto again = studio(taskZero);
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains("task 0 of sweep " + sweepId.left(8).toUtf8() +
                                    " is finished already"),
                 again.err.constData());

        const auto resumed = studio({"sweep", fourRuns(), "--jobs", "1", "--store", store});
        QCOMPARE(resumed.exitCode, 0);
        QVERIFY2(resumed.err.contains("going on with the 3 of its 4 runs still queued"),
                 resumed.err.constData());
        const auto runs = storedRuns(store);
        QCOMPARE(runs.size(), size_t(4)); // the same four records, none twice
        for (const auto& run : runs) {
            QCOMPARE(run.sweepId, sweepId);
            QCOMPARE(run.status, RecordStatus::Finished);
        }
        // Finished: the file queues a new sweep (so does --new at any time).
        QVERIFY(
            studio({"sweep", fourRuns(), "--jobs", "1", "--store", store, "--dry-run"}).exitCode ==
            0);
        const auto fresh = studio({"sweep", fourRuns(), "--jobs", "1", "--store", store});
        QVERIFY(!fresh.err.contains("going on"));
        QCOMPARE(storedRuns(store).size(), size_t(8));
    }

    // More jobs than cores only slows every run: capped with a warning.
    void jobsAboveTheCoresAreCapped() {
        const int cores = QThread::idealThreadCount();
        const auto capped = studio({"sweep", fourRuns(), "--dry-run", "--jobs", "64"});
        QCOMPARE(capped.exitCode, 0);
        QVERIFY2(capped.err.contains("more than the " + QByteArray::number(cores) + " cores"),
                 capped.err.constData());
        QVERIFY(capped.out.contains(QByteArray::number(cores) + " at once"));
        const auto forced =
            studio({"sweep", fourRuns(), "--dry-run", "--jobs", "64", "--oversubscribe"});
        QVERIFY(forced.out.contains("64 at once") && forced.err.isEmpty());
    }

    void slurmScriptOnlyWritesTheArray() {
        const QString store = "sqlite:" + dir_.filePath("script.sqlite");
        const auto r = studio({"sweep", fourRuns(), "--slurm", "--slurm-script-only", "--jobs", "2",
                               "--partition", "short", "--time", "00:10:00", "--store", store,
                               "--script", dir_.filePath("array.sbatch")});
        QCOMPARE(r.exitCode, 0);
        QFile script(dir_.filePath("array.sbatch"));
        QVERIFY(script.open(QIODevice::ReadOnly));
        const QByteArray text = script.readAll();
        QVERIFY(text.contains("#SBATCH --array=0-3%2"));
        QVERIFY(text.contains("#SBATCH --partition=short"));
        QVERIFY(text.contains("#SBATCH --time=00:10:00"));
        QVERIFY(text.contains("train --sweep '" + fourRuns().toUtf8() +
                              "' --task \"$SLURM_ARRAY_TASK_ID\""));
        QVERIFY(text.contains("--store '" + store.toUtf8() + "'"));
        const auto runs = storedRuns(store);
        QCOMPARE(runs.size(), size_t(4));
        for (const auto& run : runs) {
            QCOMPARE(run.status, RecordStatus::Queued); // waiting for the array
        }
    }

    // Runs of several ranks each: `srun -n N` in each array task (across the
    // allocation's nodes), `train --ranks N` here; refused before anything is
    // queued where a run cannot be split so.
    void ranksPerRunReachEveryRun() {
        const QString store = "sqlite:" + dir_.filePath("ranked-script.sqlite");
        const auto script =
            studio({"sweep", twoVolumeRuns(), "--slurm", "--slurm-script-only", "--ranks-per-run",
                    "2", "--store", store, "--script", dir_.filePath("ranked.sbatch")});
        QVERIFY2(script.exitCode == 0, script.err.constData());
        QFile file(dir_.filePath("ranked.sbatch"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("#SBATCH --ntasks=2"));
        QVERIFY2(text.contains("\nsrun -n 2 --kill-on-bad-exit=1 "), text.constData());
        const auto refused = studio({"sweep", fourRuns(), "--ranks-per-run", "2", "--store",
                                     "sqlite:" + dir_.filePath("refused.sqlite")});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("run 0 (") && refused.err.contains("8192 points"),
                 refused.err.constData());
        QVERIFY(storedRuns("sqlite:" + dir_.filePath("refused.sqlite")).empty());

        const QString local = "sqlite:" + dir_.filePath("ranked-local.sqlite");
        const auto here = studio(
            {"sweep", twoVolumeRuns(), "--ranks-per-run", "2", "--jobs", "1", "--store", local});
        QVERIFY2(here.exitCode == 0, here.err.constData());
        const auto runs = storedRuns(local);
        QCOMPARE(runs.size(), size_t(2));
        for (const auto& run : runs) {
            QCOMPARE(run.status, RecordStatus::Finished);
            QCOMPARE(run.config.train.ranks, 2);
            QCOMPARE(run.host.split(u',').size(), 2); // both ranks' hosts
        }
    }

    void aJobArrayOnARealSlurmFillsTheStore() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        const QString store = "sqlite:" + dir_.filePath("cluster.sqlite");
        QVERIFY(submitted(fourRuns(), 4, store));
        // The array's tasks run at once on this node; each takes its queued run.
        QTRY_VERIFY2_WITH_TIMEOUT(allFinished(store, 4), qPrintable(cluster.log()), 120000);
        for (const auto& run : storedRuns(store)) {
            QCOMPARE(run.epochsDone, qint64(40));
            QVERIFY(run.sweepTask >= 0 && run.sweepTask < 4);
        }
    }

    // An asha sweep as a job array: the array's tasks, each its own process,
    // take part in one search through the store's rung decisions.
    void anAshaSweepOnARealSlurmSharesItsRungs() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        const QString store = "sqlite:" + dir_.filePath("asha-cluster.sqlite");
        QVERIFY(submitted(halvingSweep("asha", 1), 3, store));
        const auto ended = [&store] {
            const auto runs = storedRuns(store);
            return runs.size() == 12 && std::all_of(runs.begin(), runs.end(), [](auto& run) {
                       return run.status == RecordStatus::Finished ||
                              run.status == RecordStatus::Pruned;
                   });
        };
        QTRY_VERIFY2_WITH_TIMEOUT(ended(), qPrintable(cluster.log()), 180000);
        QCOMPARE(checkRungDecisions(store, 12).begin()->second.size(), size_t(12));
    }

    // One run on the two tasks of `srun -n 2` (data-parallel training): the
    // tasks find their ranks in Slurm's environment and meet through a file
    // in the submission folder; the losses are one process's, bit for bit.
    void aRunOnTwoSlurmTasksTrainsAsOneProcess() {
        SlurmCluster cluster;
        if (!startedOrSkipped(cluster)) {
            return;
        }
        const QStringList run{"train",    "--data", "volume4d",   "--grid", "30",
                              "--epochs", "30",     "--no-store", "--out"};
        const auto alone = studio(run + QStringList{dir_.filePath("alone.json")});
        QCOMPARE(alone.exitCode, 0);
        QProcess srun;
        srun.setWorkingDirectory(dir_.path());
        srun.start(QStringLiteral("srun"), QStringList{"-n", "2", "--quit-on-interrupt",
                                                       QStringLiteral(DREDGE_STUDIO_EXE)} +
                                               run + QStringList{dir_.filePath("tasks.json")});
        QVERIFY(srun.waitForFinished(120000));
        QVERIFY2(srun.exitCode() == 0, srun.readAllStandardError().constData());
        const auto readResult = [](const QString& path) {
            QFile file(path);
            return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                                  : QJsonObject();
        };
        const auto one = readResult(dir_.filePath("alone.json"));
        const auto two = readResult(dir_.filePath("tasks.json"));
        QCOMPARE(two["setup"]["world_size"].toInt(), 2);
        QCOMPARE(two["result"]["loss_history"], one["result"]["loss_history"]);
        const auto leftOver =
            QDir(dir_.path()).entryList({".dredge-ranks-*"}, QDir::Files | QDir::Hidden);
        QVERIFY2(leftOver.isEmpty(), qPrintable(leftOver.join(u' '))); // FileStore cleans up

        // A sweep of such runs as a job array: each array task an srun step.
        const QString store = "sqlite:" + dir_.filePath("ranked-cluster.sqlite");
        const auto r =
            studio({"sweep", twoVolumeRuns(), "--slurm", "--ranks-per-run", "2", "--store", store},
                   dir_.path());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QTRY_VERIFY2_WITH_TIMEOUT(allFinished(store, 2), qPrintable(cluster.log()), 120000);
        for (const auto& run : storedRuns(store)) {
            QCOMPARE(run.config.train.ranks, 2);
            QCOMPARE(run.host.split(u',').size(), 2);
        }
    }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
