// Live settings and the journal: a change applies at the next epoch boundary,
// exactly once, after a checkpoint there; refusals say why and change nothing;
// a replay from the config and the journal gives the original's losses bit for
// bit (fused and composed kernels, with and without mixed precision); gradient
// norms, clipping and kernel spans are recorded; the store keeps the journal
// and a shell's requests; `runs set/pause/resume/stop` and `train --replay`
// work on real processes.

#include "ChirpExperiment.h"
#include "ExperimentFile.h"
#include "RunControl.h"
#include "RunDriver.h"
#include "RunStore.h"
#include "ScratchFolder.h"
#include "SettingChange.h"
#include "Settings.h"
#include "StudioProcess.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <csignal>
#include <cstring>
#include <map>

using namespace dredge;

namespace {

SettingChange setting(const QString& name, const QJsonValue& value,
                      ChangeSource source = ChangeSource::Window) {
    SettingChange change;
    change.setting = name;
    change.value = value;
    change.source = source;
    change.requested = QDateTime::currentDateTimeUtc();
    return change;
}

// Posts changes into the run's controls as epochs end (a change posted after
// epoch e applies from e + 1), stops after a given epoch, keeps what the
// driver sends back.
class ScriptedSink : public RunSink {
public:
    explicit ScriptedSink(RunControl& control)
        : control_(control) {}

    std::multimap<int64_t, SettingChange> postAfter; // epoch → change
    int64_t stopAfter = -1;                          // epoch after which Stop is asked
    int64_t pauseAfter = -1;                         // ... Pause; a change during it resumes

    void ready(const Trainer&) override {}
    void progress(const ProgressBatch& batch) override {
        norms.insert(norms.end(), batch.gradientNorms.begin(), batch.gradientNorms.end());
        clipped += batch.clippedEpochs;
        spans = batch.spans;
    }
    EpochVerdict epoch(const Trainer&, int64_t epoch, double) override {
        const auto [first, last] = postAfter.equal_range(epoch);
        for (auto it = first; it != last; ++it) {
            control_.post(it->second);
        }
        if (epoch == stopAfter) {
            control_.requestStop(ChangeSource::Shell);
        }
        if (epoch == pauseAfter) {
            control_.pause();
        }
        return EpochVerdict::Continue;
    }
    void paused(int64_t) override {
        if (!pausedChanges.empty()) {
            control_.post(pausedChanges.front());
        }
    }
    void checkpoint(const TrainingCheckpoint& c) override { checkpoints.push_back(c.epoch); }
    void changed(const SettingChange& change) override {
        journal.push_back(change);
        if (control_.pauseRequested()) {
            control_.resume(); // the change taken during the pause: go on
        }
    }

    std::vector<SettingChange> pausedChanges;
    RunJournal journal;
    std::vector<int64_t> checkpoints;
    std::vector<double> norms;
    int64_t clipped = 0;
    std::vector<EpochSpan> spans; // as the last batch had them

private:
    RunControl& control_;
};

struct Driven {
    TrainResult result;
    RunJournal journal;
    std::vector<int64_t> checkpoints;
    std::vector<double> norms;
    int64_t clipped = 0;
    std::vector<EpochSpan> batchSpans;
};

Driven drive(const ExperimentConfig& config, std::multimap<int64_t, SettingChange> changes,
             int64_t stopAfter = -1, const RunJournal& script = {}) {
    RunControl control;
    ScriptedSink sink(control);
    sink.postAfter = std::move(changes);
    sink.stopAfter = stopAfter;
    RunDrive d{config};
    d.keep = true;
    d.keepParameters = false;
    d.control = &control;
    d.script = script;
    auto result = driveRun(d, sink);
    return {std::move(result), sink.journal, sink.checkpoints,
            sink.norms,        sink.clipped, sink.spans};
}

bool bitIdentical(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

} // namespace

class TestLiveSettings : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aChangeAppliesAtTheNextBoundaryExactlyOnce() {
        const auto config = chirpExperiment(60);
        const auto plain = drive(config, {});
        const auto changed = drive(config, {{19, setting("lr", 0.01)}});
        QCOMPARE(changed.journal.size(), size_t(1));
        const auto& c = changed.journal.front();
        QCOMPARE(c.state, ChangeState::Applied);
        QCOMPARE(c.epoch, qint64(20));
        QCOMPARE(c.from.toDouble(), 1e-3);
        QCOMPARE(c.to.toDouble(), 0.01);
        // A checkpoint at the change's epoch, before it applied: a fork point.
        QVERIFY(std::count(changed.checkpoints.begin(), changed.checkpoints.end(), 20) == 1);
        // Epochs 0..20 trained as before (epoch 20's loss is from the weights
        // epoch 19's update made), the rest with the new rate.
        const auto& a = plain.result.lossHistory;
        const auto& b = changed.result.lossHistory;
        QVERIFY(bitIdentical({a.begin(), a.begin() + 21}, {b.begin(), b.begin() + 21}));
        QVERIFY(a[21] != b[21]);
        QCOMPARE(changed.result.epochsDone, int64_t(60));
    }

    void aReplayIsBitIdentical_data() {
        QTest::addColumn<bool>("composed");
        QTest::addColumn<bool>("amp");
        QTest::newRow("fused") << false << false;
        QTest::newRow("fused, AMP toggled") << false << true;
        QTest::newRow("composed") << true << false;
        QTest::newRow("composed, AMP toggled") << true << true;
    }
    void aReplayIsBitIdentical() {
        QFETCH(bool, composed);
        QFETCH(bool, amp);
        auto config = chirpExperiment(80);
        config.model.kernel = composed ? WaveKernel::Composed : WaveKernel::Fused;
        std::multimap<int64_t, SettingChange> changes{
            {9, setting("lr", 3e-3)},
            {24, setting("clip-max-norm", 0.05)},
            {24, setting("schedule", QStringLiteral("cosine"))},
            {39, setting("epochs", 120.0)},
        };
        if (amp) {
            changes.insert({14, setting("amp", true)});
            changes.insert({29, setting("amp", false)});
        }
        const auto original = drive(config, changes, /*stopAfter=*/56);
        QCOMPARE(original.result.status, RunStatus::Stopped);
        QCOMPARE(original.result.epochsDone, int64_t(57));
        QCOMPARE(stopEpoch(original.journal), qint64(57));

        const auto replay = drive(config, {}, -1, appliedChanges(original.journal));
        QVERIFY(bitIdentical(replay.result.lossHistory, original.result.lossHistory));
        QCOMPARE(replay.result.status, RunStatus::Stopped);
        QCOMPARE(replay.journal.size(), original.journal.size());
        for (size_t i = 0; i < replay.journal.size(); ++i) {
            QCOMPARE(replay.journal[i].epoch, original.journal[i].epoch);
            QCOMPARE(replay.journal[i].to, original.journal[i].to);
            QCOMPARE(replay.journal[i].source, ChangeSource::Replay);
        }
        QVERIFY(bitIdentical(replay.norms, original.norms));
    }

    void refusalsSayWhyAndChangeNothing_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not live") << "seed" << QJsonValue(3.0) << "fork the run instead";
        QTest::newRow("out of range") << "lr" << QJsonValue(-1.0) << "lr must be";
        QTest::newRow("wrong kind") << "amp" << QJsonValue(QStringLiteral("yes")) << "amp must";
        QTest::newRow("fewer epochs than done")
            << "epochs" << QJsonValue(5.0) << "at least 10, the epochs already done";
        QTest::newRow("unknown") << "learning-rate" << QJsonValue(1.0) << "unknown setting";
    }
    void refusalsSayWhyAndChangeNothing() {
        QFETCH(QString, name);
        QFETCH(QJsonValue, value);
        QFETCH(QString, reason);
        const auto config = chirpExperiment(30);
        const auto plain = drive(config, {});
        const auto refused = drive(config, {{9, setting(name, value)}});
        QCOMPARE(refused.journal.size(), size_t(1));
        QCOMPARE(refused.journal[0].state, ChangeState::Refused);
        QVERIFY2(refused.journal[0].message.contains(reason),
                 qPrintable(refused.journal[0].message));
        QVERIFY(bitIdentical(refused.result.lossHistory, plain.result.lossHistory));
        QVERIFY(refused.checkpoints == plain.checkpoints); // no change, no change checkpoint
    }

    void aCombinationTheConfigRefusesIsRefused() {
        auto config = chirpExperiment(30);
        config.train.stop.restoreBest = true;
        const auto refused = drive(config, {{4, setting("swa-start", 10.0)}});
        QCOMPARE(refused.journal.at(0).state, ChangeState::Refused);
        QVERIFY(!refused.journal.at(0).message.isEmpty());
        QVERIFY(!refused.result.endedAveraged);
    }

    void twoChangesOfOneSettingApplyInOrderAndTheLastWins() {
        const auto config = chirpExperiment(30);
        const auto both = drive(config, {{9, setting("lr", 0.02)}, {9, setting("lr", 0.005)}});
        QCOMPARE(both.journal.size(), size_t(2));
        QCOMPARE(both.journal[0].to.toDouble(), 0.02);
        QCOMPARE(both.journal[1].from.toDouble(), 0.02);
        QCOMPARE(both.journal[1].to.toDouble(), 0.005);
        const auto last = drive(config, {{9, setting("lr", 0.005)}});
        QVERIFY(bitIdentical(both.result.lossHistory, last.result.lossHistory));
        QCOMPARE(configAt(config, both.journal, 29).train.learningRate, 0.005);
        QCOMPARE(configAt(config, both.journal, 9).train.learningRate, 1e-3);
    }

    void aChangeDuringAPauseAppliesAtTheEpochItGoesOnWith() {
        RunControl control;
        ScriptedSink sink(control);
        sink.pauseAfter = 11;
        sink.pausedChanges = {setting("lr", 0.01)};
        RunDrive d{chirpExperiment(30)};
        d.keepParameters = false;
        d.control = &control;
        const auto result = driveRun(d, sink); // the change resumes the run (ScriptedSink)
        QCOMPARE(result.epochsDone, int64_t(30));
        QCOMPARE(sink.journal.size(), size_t(1));
        QCOMPARE(sink.journal[0].epoch, qint64(12));
        const auto atBoundary = drive(chirpExperiment(30), {{11, setting("lr", 0.01)}});
        QVERIFY(bitIdentical(result.lossHistory, atBoundary.result.lossHistory));
    }

    void aChangeTooLateIsRefusedNotLost() {
        const auto late = drive(chirpExperiment(20), {{19, setting("lr", 0.01)}});
        QCOMPARE(late.journal.size(), size_t(1));
        QCOMPARE(late.journal[0].state, ChangeState::Refused);
        QVERIFY(late.journal[0].message.contains("the run ended after 20 epochs"));
    }

    void shorteningEpochsToThoseDoneEndsTheRun() {
        const auto shortened = drive(chirpExperiment(100), {{24, setting("epochs", 25.0)}});
        QCOMPARE(shortened.result.epochsDone, int64_t(25));
        QCOMPARE(shortened.result.status, RunStatus::Finished);
        QCOMPARE(shortened.journal.at(0).state, ChangeState::Applied);
    }

    void gradientNormsClippingAndSpansAreRecorded() {
        auto config = chirpExperiment(40);
        const auto run =
            drive(config, {{9, setting("clip-max-norm", 1e-4)}, {19, setting("amp", true)}});
        const auto& r = run.result;
        QCOMPARE(r.gradientNorms.size(), size_t(40));
        QVERIFY(bitIdentical(run.norms, r.gradientNorms)); // the batches carried them all
        for (double norm : r.gradientNorms) {
            QVERIFY(std::isfinite(norm) && norm > 1e-4);
        }
        QCOMPARE(r.clippedEpochs, int64_t(30)); // every epoch from the change on
        QCOMPARE(run.clipped, int64_t(30));
        QCOMPARE(r.spans.size(), size_t(2));
        QCOMPARE(r.spans[0].path, std::string("fused"));
        QCOMPARE(r.spans[0].precision, std::string("float32"));
        QCOMPARE(r.spans[0].epochs, int64_t(20));
        // CPU mixed precision keeps the fused epoch (issue 29): only the
        // precision starts a new span.
        QCOMPARE(r.spans[1].path, std::string("fused"));
        QCOMPARE(r.spans[1].precision, std::string("bfloat16"));
        QCOMPARE(r.spans[1].firstEpoch, int64_t(20));
        QVERIFY(r.spans[1].seconds > 0.0);
        // The batches carry them as the run goes (the runs table's rates).
        QCOMPARE(run.batchSpans.size(), size_t(2));
        QCOMPARE(run.batchSpans[1].epochs, int64_t(20));
    }

    void aShellRequestIsParsedAgainstTheTable() {
        QString error;
        auto ok = parseSetRequest(QStringLiteral("clip=on"), ChangeSource::Shell, &error);
        QVERIFY2(ok, qPrintable(error));
        QCOMPARE(ok->value, QJsonValue(true));
        QVERIFY(!parseSetRequest(QStringLiteral("lr"), ChangeSource::Shell, &error));
        QVERIFY(error.contains("KEY=VALUE"));
        QVERIFY(!parseSetRequest(QStringLiteral("data=volume4d"), ChangeSource::Shell, &error));
        QVERIFY(error.contains("fork"));
        QVERIFY(!parseSetRequest(QStringLiteral("epochs=0"), ChangeSource::Shell, &error));
        QVERIFY(error.contains("at least 1"));
        for (const auto& row : settings()) { // the list, from the table
            static const QStringList fixed{"data",   "model",   "seed",
                                           "device", "threads", "validation-share"};
            if (fixed.contains(row.name)) {
                QVERIFY2(!row.has(Live), qPrintable(row.name));
            }
        }
        QVERIFY(findSetting("amp")->has(Live) && findSetting("epochs")->has(Live));
    }

    void aJournalSurvivesJson() {
        auto change = setting("lr", 3e-4, ChangeSource::Shell);
        ExperimentConfig config;
        QString error;
        QVERIFY(applyChange(config, change, 800, &error));
        const auto back = changeFromJson(changeToJson(change), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->epoch, qint64(800));
        QCOMPARE(back->to.toDouble(), 3e-4);
        QCOMPARE(back->source, ChangeSource::Shell);
        QVERIFY(!changeFromJson(
            QJsonObject{{"epoch", 3}, {"setting", "lr"}, {"to", "fast"}, {"source", "shell"}},
            &error));
        QVERIFY(error.contains("lr"));
    }

    // Experiment files saved from a changed run carry its journal; History's
    // list and the rate curve follow it.
    void aJournalTravelsInFilesListsAndRates() {
        const auto config = chirpExperiment(40);
        const auto run = drive(config, {{9, setting("lr", 0.01)}}, /*stopAfter=*/29);
        ExperimentDocument document{config,
                                    {{QStringLiteral("changed"), config, run.result, run.journal}}};
        const QString path = scratch_.filePath(QStringLiteral("changed.json"));
        QCOMPARE(saveExperiment(path, document), QString());
        QString error;
        const auto back = openExperiment(path, &error);
        QVERIFY2(back, qPrintable(error));
        const auto& journal = back->runs.at(0).journal;
        QCOMPARE(journal.size(), size_t(2));
        QCOMPARE(journal[0].epoch, qint64(10));
        QCOMPARE(journal[0].to.toDouble(), 0.01);
        QCOMPARE(stopEpoch(journal), qint64(30));
        QCOMPARE(journalSummary(journal), QStringLiteral("lr 0.01 @10, stop @30"));

        const auto rates = learningRates(config, journal, run.result.lossHistory);
        QCOMPARE(rates.size(), size_t(30));
        QCOMPARE(rates[9], 1e-3);
        QCOMPARE(rates[10], 0.01);
        QCOMPARE(rates[29], 0.01);
    }

    void theStoreKeepsRequestsAndTheJournal() {
        RunStore store;
        QString error;
        QVERIFY2(store.open(*parseStoreUrl(scratch_.freshStore(), &error), &error),
                 qPrintable(error));
        auto record = newRunRecord(chirpExperiment(10), QStringLiteral("journal"));
        record.status = RecordStatus::Running;
        QVERIFY2(store.insertRun(record, &error), qPrintable(error));
        auto first = setting("lr", 0.01, ChangeSource::Shell);
        auto second = setting("amp", true, ChangeSource::Shell);
        QVERIFY2(store.requestChange(record.id, first, &error), qPrintable(error));
        QVERIFY(store.requestChange(record.id, second, &error));
        QVERIFY(first.requestId > 0 && second.requestId > first.requestId);
        auto waiting = store.waitingRequests({record.id}, &error);
        QVERIFY(waiting && waiting->size() == 2);
        QCOMPARE(waiting->at(0).second.value.toDouble(), 0.01);
        QCOMPARE(waiting->at(1).second.value, QJsonValue(true));

        ExperimentConfig config = record.config;
        QVERIFY(applyChange(config, first, 4, &error));
        QVERIFY(store.recordChange(record.id, first, &error));
        SettingChange stop;
        stop.action = ChangeAction::Stop;
        stop.source = ChangeSource::Window;
        stop.state = ChangeState::Applied;
        stop.epoch = 7;
        QVERIFY(store.recordChange(record.id, stop, &error));
        QVERIFY(store.refuseWaitingRequests(record.id, 7, &error));

        const auto journal = store.journal(record.id, &error);
        QVERIFY(journal && journal->size() == 3);
        QCOMPARE(journal->at(0).setting, QStringLiteral("lr"));
        QCOMPARE(journal->at(0).epoch, qint64(4));
        QCOMPARE(journal->at(0).from.toDouble(), 1e-3);
        QCOMPARE(journal->at(1).action, ChangeAction::Stop);
        QCOMPARE(journal->at(2).state, ChangeState::Refused);
        QVERIFY(journal->at(2).message.contains("ended after 7 epochs"));
        QVERIFY(store.waitingRequests({record.id}, &error)->empty());
        QCOMPARE(stopEpoch(*journal), qint64(7));
        const auto listed = store.listRuns(&error);
        QVERIFY(listed && listed->size() == 1);
        QCOMPARE(listed->front().changes, QStringLiteral("lr 0.01 @4, stop @7"));

        // Deleting the run takes its journal with it.
        QVERIFY(store.deleteRuns({record.id}, &error));
        QVERIFY(store.journal(record.id, &error)->empty());
    }

    // `runs set/pause/resume/stop` on a real `train` process, then `train
    // --replay`: the replay's losses are the original's, bit for bit.
    void aShellChangesATrainingProcessAndAReplayRepeatsIt() {
        const QString store = scratch_.freshStore();
        QProcess train;
        const QString id = startTraining(train, store);
        QVERIFY(!id.isEmpty());

        auto set =
            runStudioProcess({"runs", "set", id.left(6), "lr=3e-4", "clip-max-norm=0.5"}, store);
        QVERIFY2(set.exitCode == 0, set.err.constData());
        QVERIFY(set.out.contains("lr 0.001 → 0.0003 from epoch"));
        // Bad requests: exit 2 for the request itself, 1 for the run's refusal.
        auto nonLive = runStudioProcess({"runs", "set", id, "seed=4"}, store);
        QCOMPARE(nonLive.exitCode, 2);
        QVERIFY(nonLive.err.contains("fork the run instead"));
        QCOMPARE(runStudioProcess({"runs", "set", id, "lr=fast"}, store).exitCode, 2);
        QCOMPARE(runStudioProcess({"runs", "set", "ffffffff", "lr=1"}, store).exitCode, 2);
        auto tooFew = runStudioProcess({"runs", "set", id, "epochs=1"}, store);
        QCOMPARE(tooFew.exitCode, 1);
        QVERIFY(tooFew.err.contains("the epochs already done"));

        // Two shells asking for one setting while it is paused: both are
        // recorded, in order, and the last wins.
        QCOMPARE(runStudioProcess({"runs", "pause", id}, store).exitCode, 0);
        QCOMPARE(runStudioProcess({"runs", "set", id, "lr=0.002", "--no-wait"}, store).exitCode, 0);
        QCOMPARE(runStudioProcess({"runs", "set", id, "lr=0.004", "--no-wait"}, store).exitCode, 0);
        QCOMPARE(runStudioProcess({"runs", "set", id, "amp=on"}, store).exitCode, 0);
        QCOMPARE(runStudioProcess({"runs", "resume", id}, store).exitCode, 0);
        auto stop = runStudioProcess({"runs", "stop", id}, store);
        QVERIFY2(stop.exitCode == 0, stop.err.constData());
        QVERIFY(train.waitForFinished(60000));
        QCOMPARE(train.exitCode(), 130); // stopped

        const auto shown = show(store, id);
        const auto changes = shown["changes"].toArray();
        QStringList applied;
        for (const auto& value : changes) {
            const auto c = value.toObject();
            if (!c.contains("state")) {
                applied.append(c.contains("setting")
                                   ? c["setting"].toString() + "=" + c["to"].toVariant().toString()
                                   : c["action"].toString());
            }
        }
        QVERIFY2(applied.join(' ').contains("lr=3e-04 clip-max-norm=0.5"),
                 qPrintable(applied.join(' ')));
        QVERIFY2(applied.join(' ').contains("lr=0.002 lr=0.004 amp=true"),
                 qPrintable(applied.join(' ')));
        QCOMPARE(applied.last(), QStringLiteral("stop"));
        QCOMPARE(shown["gradient_norm_history"].toArray().size(),
                 shown["loss_history"].toArray().size());
        QVERIFY(shown["clipped"].toString().startsWith("clipped "));
        QCOMPARE(shown["spans"].toArray().last().toObject()["precision"].toString(),
                 QStringLiteral("bfloat16"));

        auto replay = runStudioProcess({"train", "--replay", id.left(8)}, store);
        QVERIFY2(replay.exitCode == 130, replay.err.constData());
        const auto verdict = QJsonDocument::fromJson(replay.out).object()["replay"].toObject();
        QVERIFY2(verdict["identical"].toBool(), replay.out.constData());
        QCOMPARE(verdict["replayed_epochs"].toInteger(), shown["epochs_done"].toInteger());
        QVERIFY(replay.err.contains("bit for bit"));
        // A replay repeats; it takes no settings, and a running run cannot be replayed.
        QCOMPARE(runStudioProcess({"train", "--replay", id, "--lr", "1"}, store).exitCode, 2);
    }

    // A request met by nobody: the trainer froze (SIGSTOP) and was killed
    // before its next meeting with the store. `runs show` lists the request
    // as not applied; a request to the ended run is refused with a hint.
    void aRequestToAKilledTrainerIsShownNotApplied() {
        const QString store = scratch_.freshStore();
        QProcess train;
        const QString id = startTraining(train, store);
        QVERIFY(!id.isEmpty());
        ::kill(pid_t(train.processId()), SIGSTOP);
        auto set = runStudioProcess({"runs", "set", id, "lr=0.01", "--timeout", "1"}, store);
        QCOMPARE(set.exitCode, 1);
        QVERIFY2(set.err.contains("no answer from run"), set.err.constData());
        train.kill(); // SIGKILL
        QVERIFY(train.waitForFinished(10000));

        const auto changes = show(store, id)["changes"].toArray();
        QCOMPARE(changes.size(), 1);
        const auto request = changes[0].toObject();
        QCOMPARE(request["state"].toString(), QStringLiteral("not applied"));
        QCOMPARE(request["setting"].toString(), QStringLiteral("lr"));
        QVERIFY(request["message"].toString().contains("ended before"));
        const auto ended = runStudioProcess({"runs", "set", id, "lr=0.01"}, store);
        QCOMPARE(ended.exitCode, 1);
        QVERIFY(ended.err.contains("fork it instead"));
    }

private:
    // A long `train` into `store`; its run's id once it trains (empty: it did not start).
    QString startTraining(QProcess& train, const QString& store) {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_STORE"), store);
        train.setProcessEnvironment(environment);
        train.start(QStringLiteral(DREDGE_STUDIO_EXE),
                    {"train", "--out", "/dev/null", "--epochs", "50000000"});
        return train.waitForStarted() ? runningId(store) : QString();
    }
    // The one run in `store` once it trains (empty after a minute without).
    QString runningId(const QString& store) {
        QString id;
        QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired() && [&] {
            const auto out = runStudioProcess({"runs", "list", "--json"}, store).out;
            const auto runs = QJsonDocument::fromJson(out).array();
            if (runs.size() == 1 && runs[0].toObject()["status"] == "running") {
                id = runs[0].toObject()["id"].toString();
            }
            return id.isEmpty();
        }()) {
            QTest::qWait(100); // the trainer's first batch reaches the store within a second
        }
        return id;
    }
    QJsonObject show(const QString& store, const QString& id) {
        return QJsonDocument::fromJson(runStudioProcess({"runs", "show", id}, store).out).object();
    }

    ScratchFolder scratch_;
};

QTEST_GUILESS_MAIN(TestLiveSettings)
#include "test_live_settings.moc"
