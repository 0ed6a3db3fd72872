// The run store under faults, as a user meets them: real `dredge-studio`
// processes (the window and `train`) against stores that are killed under,
// filled up, made read-only, truncated, overwritten, or whose PostgreSQL server
// stops mid-run. Each time: no run lost that had reached the store, no
// corrupted database, a clear message, and training goes on.
//
// The tmpfs faults need root (mount) and are skipped without it. The
// PostgreSQL test starts its own throwaway cluster (tests/PostgresServer.h);
// where it cannot, the test is skipped with the reason, except in CI.

#include "PostgresServer.h"
#include "ScratchFolder.h"
#include "SmallFileSystem.h"
#include "StudioProcess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

namespace {

QJsonArray listRuns(const QString& storeUrl) {
    return QJsonDocument::fromJson(runStudioProcess({"runs", "list", "--json"}, storeUrl).out)
        .array();
}

QJsonObject showRun(const QString& storeUrl, const QString& id) {
    return QJsonDocument::fromJson(runStudioProcess({"runs", "show", id}, storeUrl).out).object();
}

QJsonObject readJson(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                          : QJsonObject{};
}

// SQLite's own verdict on a store file: "ok" when nothing is corrupted.
QString integrityOf(const QString& path) {
    QString verdict;
    {
        auto db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QSqlQuery q(db);
        if (db.open() && q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next()) {
            verdict = q.value(0).toString();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
    return verdict;
}

// A stored run is whole when its loss history holds every epoch it counts.
bool isWhole(const QJsonObject& run) {
    const auto done = run["epochs_done"].toInteger();
    return done > 0 && run["loss_history"].toArray().size() == done;
}

// A training process that runs until the test ends it.
class LongTraining {
public:
    LongTraining(const QString& storeUrl, const QStringList& arguments) {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_STORE"), storeUrl);
        process_.setProcessEnvironment(environment);
        process_.start(QStringLiteral(DREDGE_STUDIO_EXE), arguments);
    }
    ~LongTraining() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(10000);
        }
    }
    QProcess& process() { return process_; }
    // What it has written to stderr so far.
    const QByteArray& err() {
        err_ += process_.readAllStandardError();
        return err_;
    }

private:
    QProcess process_;
    QByteArray err_;
};

} // namespace

class TestStoreFaults : public QObject {
    Q_OBJECT

private:
    ScratchFolder dir_;
    QString outFile() { return dir_.freshFile(QStringLiteral("out%1.json")); }

    // A 1 MiB tmpfs holding a store with one finished run.
    std::unique_ptr<SmallFileSystem> smallStoreWithOneRun(QString* url) {
        auto disk = std::make_unique<SmallFileSystem>(dir_.freshFile(QStringLiteral("fs%1")),
                                                      QStringLiteral("1m"));
        if (!disk->mounted()) {
            return nullptr;
        }
        *url = QStringLiteral("sqlite:") + disk->store().path;
        const auto first = runStudioProcess({"train", "--epochs", "20", "--name", "before"}, *url);
        return first.exitCode == 0 ? std::move(disk) : nullptr;
    }

    // `train` on a damaged store: a warning on stderr naming `reason`, the
    // whole run trained, its result written.
    void trainsDespite(const QString& url, const QString& reason) {
        const auto out = outFile();
        const auto r = runStudioProcess({"train", "--epochs", "40", "--out", out}, url);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("warning") && QString::fromUtf8(r.err).contains(reason),
                 r.err.constData());
        const auto json = readJson(out);
        QCOMPARE(json["result"]["epochs_done"].toInteger(), 40);
        QCOMPARE(json["result"]["loss_history"].toArray().size(), 40);
    }

private Q_SLOTS:
    void killingTheWindowKeepsEveryRun() {
        const auto store = dir_.freshStore();
        const auto experiment = dir_.filePath(QStringLiteral("long.json"));
        QFile file(experiment);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "dredge-studio-experiment", "version": 1,
                       "experiment": {"data": {"kind": "chirp"},
                                      "model": {"kind": "wave-ensemble", "waves": 16},
                                      "train": {"epochs": 50000000}}})");
        file.close();
        // Two runs at once (AMP off and on), as a user starts them.
        LongTraining window(store, {"--open", experiment, "--compare-amp"});
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto runs = listRuns(store);
                return runs.size() == 2 && runs.at(0)["epochs_done"].toInteger() > 0 &&
                       runs.at(1)["epochs_done"].toInteger() > 0;
            }(),
            60000);
        window.process().kill(); // SIGKILL: the window writes nothing more
        QVERIFY(window.process().waitForFinished(10000));

        const auto runs = listRuns(store); // the next opening notices
        QCOMPARE(runs.size(), 2);
        for (const auto& value : runs) {
            const auto listed = value.toObject();
            QCOMPARE(listed["status"].toString(), QString("interrupted"));
            const auto run = showRun(store, listed["id"].toString());
            QVERIFY2(isWhole(run), "a killed window's run must keep every epoch it stored");
            QVERIFY(run["error"].toString().contains("crash or kill"));
        }
        QCOMPARE(integrityOf(store.mid(7)), QString("ok"));
    }

    void killingTrainKeepsItsRun() {
        const auto store = dir_.freshStore();
        LongTraining train(store, {"train", "--epochs", "50000000"});
        // Running, with some history written (batches reach the store each second).
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto runs = listRuns(store);
                return runs.size() == 1 && runs.at(0)["epochs_done"].toInteger() > 0;
            }(),
            60000);
        QCOMPARE(listRuns(store).at(0)["status"].toString(), QString("running"));
        train.process().kill();
        QVERIFY(train.process().waitForFinished(10000));

        const auto runs = listRuns(store);
        QCOMPARE(runs.at(0)["status"].toString(), QString("interrupted"));
        const auto run = showRun(store, runs.at(0)["id"].toString());
        QVERIFY(isWhole(run));
        QVERIFY(run["error"].toString().contains("crash or kill"));
        QCOMPARE(integrityOf(store.mid(7)), QString("ok"));
    }

    void aFullDiskWarnsAndTrainingGoesOn() {
        QString url;
        const auto disk = smallStoreWithOneRun(&url);
        if (!disk) {
            QSKIP("cannot mount a small tmpfs here (needs root)");
        }
        // Fill every byte that is left.
        QFile filler(QFileInfo(url.mid(7)).dir().filePath(QStringLiteral("filler")));
        QVERIFY(filler.open(QIODevice::WriteOnly));
        const QByteArray block(4096, 'f');
        while (filler.write(block) == block.size() && filler.flush()) {
        }
        filler.close();

        trainsDespite(url, QStringLiteral("full"));
        const auto listed = runStudioProcess({"runs", "list"}, url);
        QCOMPARE(listed.exitCode, 0); // reading needs no room
        QVERIFY(listed.out.contains("before"));
        QVERIFY2(listed.err.contains("full"), listed.err.constData());

        QVERIFY(filler.remove()); // room again: nothing corrupted, and it takes runs again
        QCOMPARE(integrityOf(url.mid(7)), QString("ok"));
        QCOMPARE(runStudioProcess({"train", "--epochs", "5", "--name", "after"}, url).exitCode, 0);
        QCOMPARE(listRuns(url).size(), 2);
    }

    void aReadOnlyStoreWarnsAndTrainingGoesOn() {
        QString url;
        const auto disk = smallStoreWithOneRun(&url);
        if (!disk) {
            QSKIP("cannot mount a small tmpfs here (needs root)");
        }
        QVERIFY(disk->setReadOnly(true));
        trainsDespite(url, QStringLiteral("read-only"));
        const auto listed = runStudioProcess({"runs", "list"}, url);
        QCOMPARE(listed.exitCode, 0); // a read-only store can still be read
        QVERIFY(listed.out.contains("before"));
        QVERIFY2(listed.err.contains("read-only"), listed.err.constData());
        QVERIFY(disk->setReadOnly(false));
        QCOMPARE(integrityOf(url.mid(7)), QString("ok"));
    }

    void aTruncatedStoreWarnsAndTrainingGoesOn() {
        const auto url = dir_.freshStore();
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(runStudioProcess({"train", "--epochs", "3000"}, url).exitCode, 0);
        }
        QFile truncated(url.mid(7));
        QVERIFY(truncated.resize(truncated.size() / 2));
        trainsDespite(url, QStringLiteral("malformed"));
        const auto listed = runStudioProcess({"runs", "list"}, url);
        QCOMPARE(listed.exitCode, 1);
        QVERIFY2(listed.err.contains("malformed") && listed.err.contains(url.mid(7).toUtf8()),
                 listed.err.constData());
    }

    void aGarbageStoreWarnsAndTrainingGoesOn() {
        const auto path = dir_.filePath("garbage.sqlite");
        QFile garbage(path);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(4096, 'x'));
        garbage.close();
        trainsDespite("sqlite:" + path, QStringLiteral("not a database"));
        const auto listed = runStudioProcess({"runs", "list"}, "sqlite:" + path);
        QCOMPARE(listed.exitCode, 1);
        QVERIFY(listed.err.contains("not a database") && listed.err.contains(path.toUtf8()));
        QCOMPARE(QFileInfo(path).size(), qint64(4096)); // left as it was
    }

    void aStoppedPostgresCatchesUpWhenItReturns() {
        PostgresServer postgres;
        QString why;
        if (!postgres.start(&why)) {
            if (qEnvironmentVariable("CI") == QLatin1String("true")) {
                QFAIL(qPrintable(QStringLiteral("PostgreSQL is required in CI: ") + why));
            }
            QSKIP(qPrintable(why));
        }
        const auto store = postgres.url();
        const auto out = outFile();
        LongTraining train(store, {"train", "--epochs", "50000000", "--out", out});
        qint64 reached = 0;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto runs = listRuns(store);
                reached = runs.size() == 1 ? runs.at(0)["epochs_done"].toInteger() : 0;
                return reached > 0;
            }(),
            60000);

        const auto id = listRuns(store).at(0)["id"].toString();
        postgres.stop(); // as a crash or an administrator would
        QTRY_VERIFY2_WITH_TIMEOUT(train.err().contains("warning"), train.err().constData(), 30000);
        QCOMPARE(train.process().state(), QProcess::Running); // training goes on
        // A live change cannot be asked of a store that is down: said, nothing half-stored.
        const auto refused = runStudioProcess({"runs", "set", id, "lr=0.002"}, store);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("dredge-studio runs:"), refused.err.constData());

        QVERIFY2(postgres.restart(&why), qPrintable(why));
        QTRY_VERIFY2_WITH_TIMEOUT(train.err().contains("works again"), train.err().constData(),
                                  30000);
        QTRY_VERIFY_WITH_TIMEOUT( // what was held goes in
            [&] {
                const auto runs = listRuns(store);
                return runs.size() == 1 && runs.at(0)["epochs_done"].toInteger() > reached;
            }(),
            30000);

        // Once it is back, the trainer meets requests again.
        const auto applied = runStudioProcess({"runs", "set", id, "lr=0.002"}, store);
        QVERIFY2(applied.exitCode == 0, applied.err.constData());

        train.process().terminate(); // the user stops it: its result, and all of it stored
        QVERIFY(train.process().waitForFinished(30000));
        QCOMPARE(train.process().exitCode(), 130);
        const auto result = readJson(out);
        QVERIFY(result["stored"].toBool());
        const auto run = showRun(store, result["run_id"].toString());
        QCOMPARE(run["status"].toString(), QString("stopped"));
        QCOMPARE(run["epochs_done"].toInteger(), result["result"]["epochs_done"].toInteger());
        QVERIFY(isWhole(run));
        const auto changes = run["changes"].toArray();
        QCOMPARE(changes.size(), 2); // the change, then the stop (SIGTERM)
        QCOMPARE(changes[0]["setting"].toString(), QString("lr"));
        QCOMPARE(changes[1]["action"].toString(), QString("stop"));
        QCOMPARE(changes[1]["epoch"].toInteger(), run["epochs_done"].toInteger());
    }
};

QTEST_GUILESS_MAIN(TestStoreFaults)
#include "test_store_faults.moc"
