// Data-parallel training (`train --ranks N`, RankedEpochs.h): one run on
// several processes gives the losses of one process bit for bit, fails
// naming a rank that is lost, and resumes with any number of ranks. Real
// processes meeting over Gloo on loopback, as a user starts them.

#include "ScratchFolder.h"
#include "StudioProcess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <cmath>
#include <csignal>

namespace {

QJsonObject readJson(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                          : QJsonObject();
}

// The PIDs of `parent`'s children (the ranks it started).
QList<qint64> childrenOf(qint64 parent) {
    QList<qint64> children;
    QDir tasks(QStringLiteral("/proc/%1/task").arg(parent));
    for (const auto& task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile file(tasks.filePath(task + QStringLiteral("/children")));
        if (file.open(QIODevice::ReadOnly)) {
            for (const auto& pid :
                 QString::fromLatin1(file.readAll()).split(u' ', Qt::SkipEmptyParts)) {
                children.append(pid.toLongLong());
            }
        }
    }
    return children;
}

// Which rank the child `pid` is (its DREDGE_RANK), or -1.
int rankOf(qint64 pid) {
    QFile file(QStringLiteral("/proc/%1/environ").arg(pid));
    if (!file.open(QIODevice::ReadOnly)) {
        return -1;
    }
    for (const auto& entry : file.readAll().split('\0')) {
        if (entry.startsWith("DREDGE_RANK=")) {
            return entry.mid(12).toInt();
        }
    }
    return -1;
}

// `train ARGS` on the 4-D volume of 30³ points and 3 ranks, recording into
// `store`, started in `trainer`; what it printed once the ranks have met
// (its "training … parameters" line), empty when it never got there.
QByteArray startThreeRanks(QProcess& trainer, const QString& store, const QStringList& arguments) {
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("DREDGE_STORE"), store);
    trainer.setProcessEnvironment(environment);
    trainer.start(QStringLiteral(DREDGE_STUDIO_EXE),
                  QStringList{"train", "--data", "volume4d", "--grid", "30", "--ranks", "3",
                              "--epochs", "100000000"} +
                      arguments);
    trainer.setReadChannel(QProcess::StandardError);
    QByteArray err;
    while (!(err += trainer.readAllStandardError()).contains("parameters")) {
        if (!trainer.waitForReadyRead(60000)) {
            qWarning("%s", err.constData());
            return {};
        }
    }
    return err;
}

} // namespace

class TestRanks : public QObject {
    Q_OBJECT

    ScratchFolder dir_;

    // `train ARGS --ranks N --no-store`: its JSON output, empty when it failed.
    QJsonObject trained(const QStringList& arguments, int ranks) {
        const auto out = dir_.freshFile(QStringLiteral("ranks%1.json"));
        const auto r = runStudioProcess(
            QStringList{"train"} + arguments +
            QStringList{"--ranks", QString::number(ranks), "--no-store", "--out", out});
        if (r.exitCode != 0) {
            qWarning("train --ranks %d failed (%d): %s", ranks, r.exitCode, r.err.constData());
            return {};
        }
        return readJson(out);
    }

    QString bigCsv() {
        QByteArray rows;
        for (int i = 0; i < 20000; ++i) {
            const double x = -10.0 + 20.0 * i / 19999.0;
            rows += QByteArray::number(x, 'g', 17) + ',' +
                    QByteArray::number(std::sin(0.5 * x * x) * std::exp(-0.05 * x * x), 'g', 17) +
                    '\n';
        }
        return dir_.fileWith(QStringLiteral("signal.csv"), rows);
    }

private Q_SLOTS:
    // Every rank's points computed as in one process (the grid path on its
    // window of the grid, t's static path, the split's 1/n) and the per-chunk
    // sums added along the ranks in chunk order: the same bits.
    void anyNumberOfRanksGivesTheSameLosses_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("4-D grid 30³, ensemble (grid path, 7 chunks)")
            << QStringList{"--data", "volume4d", "--grid", "30", "--epochs", "40"};
        QTest::newRow("CSV of 20,000 points, split and clipping") << QStringList{
            "--data",          "csv", "--csv",    bigCsv(), "--validation-share", "0.2", "--clip",
            "--clip-max-norm", "0.5", "--epochs", "40"};
        QTest::newRow("packet, 40 instants (t varies), mixed precision")
            << QStringList{"--data", "packet1d", "--times", "40", "--amp", "--epochs", "40"};
        QTest::newRow("6-D grid 7⁵, interference, split, 2 threads")
            << QStringList{"--data",
                           "hyper6d",
                           "--grid",
                           "7",
                           "--model",
                           "interference",
                           "--validation-share",
                           "0.1",
                           "--threads",
                           "2",
                           "--epochs",
                           "30"};
        QTest::newRow("4-D grid, schedule, restore-best")
            << QStringList{"--data", "volume4d",       "--grid",   "30", "--schedule",
                           "cosine", "--restore-best", "--epochs", "40"};
        // The averaged model's loss needs every point: each rank sums its own.
        QTest::newRow("4-D grid, weight averaging, split")
            << QStringList{"--data",      "volume4d",    "--grid",
                           "30",          "--swa-start", "10",
                           "--swa-every", "3",           "--validation-share",
                           "0.25",        "--epochs",    "40"};
    }
    void anyNumberOfRanksGivesTheSameLosses() {
        QFETCH(QStringList, arguments);
        const auto one = trained(arguments, 1);
        QVERIFY(!one.isEmpty());
        const auto losses = one["result"]["loss_history"].toArray();
        QVERIFY(losses.size() >= 30);
        for (int ranks : {2, 3}) {
            const auto many = trained(arguments, ranks);
            QVERIFY(!many.isEmpty());
            QCOMPARE(many["setup"]["world_size"].toInt(), ranks);
            QCOMPARE(many["setup"]["hosts"].toArray().size(), ranks);
            // JSON keeps a double's shortest exact form: equal text is equal bits.
            QCOMPARE(many["result"]["loss_history"].toArray(), losses);
            QCOMPARE(many["result"]["best_loss"], one["result"]["best_loss"]);
            QCOMPARE(many["result"]["averaged_history"], one["result"]["averaged_history"]);
            QCOMPARE(many["result"]["validation_history"], one["result"]["validation_history"]);
            // What needs every point though no rank holds them all.
            for (const char* key : {"points", "validation_points", "zero_predictor_mse",
                                    "target_peak", "grid_shape"}) {
                QCOMPARE(many["setup"][QLatin1String(key)], one["setup"][QLatin1String(key)]);
            }
        }
    }

    // What several ranks cannot train is refused before any starts, naming why.
    void refusesWhatRanksCannotTrain() {
        const auto siren =
            runStudioProcess({"train", "--model", "siren", "--ranks", "2", "--no-store"});
        QCOMPARE(siren.exitCode, 2);
        QVERIFY2(siren.err.contains("not siren"), siren.err.constData());
        const auto small = runStudioProcess({"train", "--ranks", "2", "--no-store"});
        QCOMPARE(small.exitCode, 2);
        QVERIFY2(small.err.contains("8192 points") && small.err.contains("has 1000"),
                 small.err.constData());
        const auto timeout = runStudioProcess(
            {"train", "--data", "volume4d", "--ranks", "2", "--rank-timeout", "0", "--no-store"});
        QCOMPARE(timeout.exitCode, 2);
        QVERIFY2(timeout.err.contains("--rank-timeout"), timeout.err.constData());
    }

    // A rank killed mid-run: rank 0 fails the run at once (its connection
    // closes), naming the rank, and records it as failed; no process is left.
    void aLostRankFailsTheRunNamingIt() {
        const auto store = dir_.freshStore();
        QProcess trainer;
        QByteArray err = startThreeRanks(trainer, store, {"--rank-timeout", "60"});
        QVERIFY(!err.isEmpty());
        const auto ranks = childrenOf(trainer.processId());
        QCOMPARE(ranks.size(), 2);
        QCOMPARE(::kill(pid_t(ranks.last()), SIGKILL), 0);
        QVERIFY(trainer.waitForFinished(60000)); // well within the rank timeout
        err += trainer.readAllStandardError();
        QCOMPARE(trainer.exitCode(), 1);
        QVERIFY2(err.contains("failed: rank 2 was lost") || err.contains("failed: rank 1 was lost"),
                 err.constData());
        const auto runs =
            QJsonDocument::fromJson(runStudioProcess({"runs", "list", "--json"}, store).out)
                .array();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.at(0)["status"].toString(), QStringLiteral("failed"));
        QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(QStringLiteral("/proc/%1").arg(ranks.first())),
                                 30000);
    }

    // A rank that stops answering without closing its connections (a node
    // lost, here a stopped process): rank 0 fails the run after the rank
    // timeout, naming the rank, and ends the others.
    void aSilentRankFailsTheRunAfterTheTimeout() {
        QProcess trainer;
        QByteArray err =
            startThreeRanks(trainer, dir_.freshStore(), {"--rank-timeout", "2", "--no-store"});
        QVERIFY(!err.isEmpty());
        const auto ranks = childrenOf(trainer.processId());
        QCOMPARE(ranks.size(), 2);
        QCOMPARE(rankOf(ranks.first()), 1); // started first
        QCOMPARE(::kill(pid_t(ranks.first()), SIGSTOP), 0);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(trainer.waitForFinished(60000));
        err += trainer.readAllStandardError();
        QCOMPARE(trainer.exitCode(), 1);
        QVERIFY2(clock.elapsed() >= 1500, qPrintable(QString::number(clock.elapsed())));
        // Rank 0 names the rank it sent to or waited for; waiting on the last
        // rank, which waits on the one before it, it says that too.
        QVERIFY2(err.contains("failed: rank 1 did not answer within 2 s") ||
                     err.contains("failed: rank 2 (or a rank before it) did not answer within 2 s"),
                 err.constData());
        QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(QStringLiteral("/proc/%1").arg(ranks.first())),
                                 30000); // killed, stopped as it was
    }

    // The checkpoint holds what rank 0 holds (parameters and Adam's moments),
    // the same for any number of ranks: a run kept with 2 ranks goes on with
    // 3 (or 1) as it would have, and the record names every rank's host.
    void resumesWithAnotherNumberOfRanks() {
        const auto store = dir_.freshStore();
        const QStringList run{"--data", "volume4d", "--grid", "30", "--epochs", "60"};
        const auto first = dir_.filePath("two.json");
        const auto two = runStudioProcess(
            QStringList{"train"} + run +
                QStringList{"--ranks", "2", "--checkpoint-every", "20", "--out", first},
            store);
        QCOMPARE(two.exitCode, 0);
        // The first line says where the run trains.
        const auto host = QSysInfo::machineHostName().toUtf8(); // gethostname's
        QVERIFY2(two.err.contains("60 epochs, 2 ranks on " + host + ", " + host),
                 two.err.constData());
        const auto whole = readJson(first);
        const auto id = whole["run_id"].toString();
        const auto shown =
            QJsonDocument::fromJson(runStudioProcess({"runs", "show", id.left(8)}, store).out)
                .object();
        const auto hosts = shown["host"].toString().split(u',');
        QCOMPARE(hosts.size(), 2);
        QCOMPARE(shown["config"]["train"]["ranks"].toInt(), 2);
        // Rank 0 holds its shard alone and makes the rest again for the data's
        // fingerprint: the one a single process records.
        const auto single =
            runStudioProcess(QStringList{"train"} + run + QStringList{"--epochs", "1"}, store);
        QCOMPARE(single.exitCode, 0);
        const auto singleId = QJsonDocument::fromJson(single.out).object()["run_id"].toString();
        const auto singleShown =
            QJsonDocument::fromJson(runStudioProcess({"runs", "show", singleId.left(8)}, store).out)
                .object();
        QCOMPARE(shown["data_fingerprint"].toString().size(), 64);
        QCOMPARE(shown["data_fingerprint"], singleShown["data_fingerprint"]);
        for (int ranks : {3, 1}) {
            const auto out = dir_.freshFile(QStringLiteral("resumed%1.json"));
            const auto resumed = runStudioProcess({"train", "--resume", id.left(8) + "@40",
                                                   "--ranks", QString::number(ranks), "--out", out},
                                                  store);
            QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
            const auto result = readJson(out);
            QCOMPARE(result["result"]["loss_history"], whole["result"]["loss_history"]);
        }
    }

    // Live settings are rank 0's alone (it reads them, the others take the
    // parameters it sends): a run on 3 ranks changed while it trains, and
    // paused for longer than the rank timeout (rank 0 tells the others to
    // hold on), replays bit for bit on 1.
    void liveChangesAndPausesReplayOnAnyNumberOfRanks() {
        const auto store = dir_.freshStore();
        QProcess trainer;
        const auto out = dir_.filePath("live.json");
        QByteArray err = startThreeRanks(trainer, store, {"--rank-timeout", "2", "--out", out});
        QVERIFY(!err.isEmpty());
        const auto runs =
            QJsonDocument::fromJson(runStudioProcess({"runs", "list", "--json"}, store).out)
                .array();
        const auto id = runs.at(0)["id"].toString().left(8);
        QCOMPARE(runStudioProcess({"runs", "set", id, "lr=0.002", "clip=true"}, store).exitCode, 0);
        QCOMPARE(runStudioProcess({"runs", "pause", id}, store).exitCode, 0);
        // Held for two rank timeouts: a pause, not a lost rank 0. (A wait, not
        // a timing: any longer pause must pass the same way.)
        QTest::qWait(4000);
        QCOMPARE(trainer.state(), QProcess::Running);
        QCOMPARE(runStudioProcess({"runs", "resume", id}, store).exitCode, 0);
        QCOMPARE(runStudioProcess({"runs", "stop", id}, store).exitCode, 0);
        QVERIFY(trainer.waitForFinished(60000));
        err += trainer.readAllStandardError();
        QVERIFY2(trainer.exitCode() == 0 || trainer.exitCode() == 130, err.constData());
        QVERIFY2(err.contains("change: lr 0.001 → 0.002"), err.constData());
        const auto replayOut = dir_.filePath("replayed.json");
        const auto replay =
            runStudioProcess({"train", "--replay", id, "--ranks", "1", "--out", replayOut}, store);
        QVERIFY2(replay.exitCode == 0 || replay.exitCode == 130, replay.err.constData());
        const auto verdict = readJson(replayOut)["replay"].toObject();
        QVERIFY2(verdict["identical"].toBool(), QJsonDocument(verdict).toJson().constData());
        QCOMPARE(verdict["changes"].toInt(), 3); // two settings and the stop
    }
};

QTEST_GUILESS_MAIN(TestRanks)
#include "test_ranks.moc"
