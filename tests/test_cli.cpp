// `dredge-studio train` as a user runs it: a real process, its exit status,
// its stderr and the result JSON.

#include "ScratchFolder.h"
#include "StudioProcess.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>

namespace {

using Outcome = StudioOutcome;

Outcome runStudio(const QStringList& arguments) {
    return runStudioProcess(QStringList{QStringLiteral("train")} + arguments);
}

// `dredge-studio ARGS...` (any command) recording into `storeUrl`.
Outcome runWithStore(const QString& storeUrl, const QStringList& arguments) {
    return runStudioProcess(arguments, storeUrl);
}

// `dredge-studio serve ARGS...`, for the cases where it refuses and ends.
Outcome runServe(const QStringList& arguments) {
    return runStudioProcess(QStringList{QStringLiteral("serve")} + arguments);
}

QJsonArray listRuns(const QString& storeUrl) {
    return QJsonDocument::fromJson(runWithStore(storeUrl, {"runs", "list", "--json"}).out).array();
}

// What `runs show` prints for a stored run.
QJsonObject shownRun(const QString& storeUrl, const QString& id) {
    return QJsonDocument::fromJson(runWithStore(storeUrl, {"runs", "show", id}).out).object();
}

QJsonObject readJson(const QString& path);

// `train --resume RUN@EPOCH` into `out`: its result, empty when it failed.
QJsonObject resumedResult(const QString& storeUrl, const QString& runAt, const QString& out) {
    const auto r = runWithStore(storeUrl, {"train", "--resume", runAt, "--out", out});
    return r.exitCode == 0 ? readJson(out)["result"].toObject() : QJsonObject();
}

QJsonObject readJson(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QJsonDocument::fromJson(file.readAll()).object();
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private:
    ScratchFolder dir_;

private Q_SLOTS:
    void trainsAndWritesTheResult() {
        const auto out = dir_.filePath("run.json");
        const auto r = runStudio({"--data", "chirp", "--model", "wave-ensemble", "--waves", "16",
                                  "--epochs", "60", "--lr", "1e-3", "--seed", "0", "--amp",
                                  "--clip", "1.0", "--out", out});
        QCOMPARE(r.exitCode, 0);
        const auto json = readJson(out);
        const auto config = json["config"].toObject();
        QCOMPARE(config["train"]["amp"].toBool(), true);
        QCOMPARE(config["train"]["clip"].toBool(), true);
        QCOMPARE(config["train"]["clip_max_norm"].toDouble(), 1.0);
        QCOMPARE(config["train"]["epochs"].toInteger(), 60);
        QCOMPARE(config["model"]["kind"].toString(), QString("wave-ensemble"));
        QCOMPARE(json["setup"]["parameters"].toInteger(), 145);
        QCOMPARE(json["setup"]["points"].toInteger(), 1000);
        const auto result = json["result"].toObject();
        QCOMPARE(result["status"].toString(), QString("finished"));
        QCOMPARE(result["epochs_done"].toInteger(), 60);
        const auto history = result["loss_history"].toArray();
        QCOMPARE(history.size(), 60);
        QCOMPARE(result["final_loss"].toDouble(), history.last().toDouble());
        QVERIFY(result["ms_per_epoch"].toDouble() > 0.0);
        QVERIFY(result["final_relative_mse"].toDouble() > 0.0);
        QVERIFY(r.err.contains("epoch 60/60"));
    }

    void trainRecordsTheRunAndNamesIt() {
        const auto store = dir_.freshStore();
        const auto out = dir_.filePath("stored.json");
        const auto r = runWithStore(
            store, {"train", "--epochs", "120", "--seed", "5", "--name", "five", "--out", out});
        QCOMPARE(r.exitCode, 0);
        const auto json = readJson(out);
        QVERIFY(json["stored"].toBool());
        QCOMPARE(json["store"].toString(), store);
        const QString id = json["run_id"].toString();
        QCOMPARE(id.size(), 36);

        const auto shown = runWithStore(store, {"runs", "show", id.left(8)});
        QCOMPARE(shown.exitCode, 0);
        const auto run = QJsonDocument::fromJson(shown.out).object();
        QCOMPARE(run["id"].toString(), id);
        QCOMPARE(run["name"].toString(), QString("five"));
        QCOMPARE(run["status"].toString(), QString("finished"));
        QCOMPARE(run["config"], json["config"]);
        // Every epoch, exactly the losses the result reports.
        QCOMPARE(run["loss_history"], json["result"]["loss_history"]);
        QCOMPARE(run["final_loss"], json["result"]["final_loss"]);
        QCOMPARE(run["psnr_db"].toDouble(), json["result"]["final_psnr_db"].toDouble());
        QCOMPARE(run["parameters"].toInteger(), 145);
        QCOMPARE(run["data_fingerprint"].toString().size(), 64);
        // Its parameters and gradients at every epoch (0 to 119) and the
        // model it ended with (after 120): 2 × 145 float32 each.
        QVERIFY(!run.contains("snapshot_epochs"));
        const auto kept = run["kept_parameters"].toObject();
        QCOMPARE(kept["frames"].toInteger(), 121);
        QCOMPARE(kept["first_epoch"].toInteger(), 0);
        QCOMPARE(kept["last_epoch"].toInteger(), 120);
        QCOMPARE(kept["bytes"].toInteger(), 121 * 145 * 8);

        // The same data gives the same fingerprint; --no-store records nothing.
        const auto again = runWithStore(store, {"train", "--epochs", "3", "--no-store"});
        QCOMPARE(again.exitCode, 0);
        QVERIFY(!QJsonDocument::fromJson(again.out).object().contains("run_id"));
        QCOMPARE(listRuns(store).size(), 1);
    }

    // A run that a stop rule ends early keeps the parameters of its last
    // epoch and its end model, as the window's runs do: both are driven by
    // one driver.
    void aRunEndedByAStopRuleKeepsItsLastParameters() {
        const auto store = dir_.freshStore();
        const auto out = dir_.filePath("early.json");
        const auto r = runWithStore(
            store, {"train", "--epochs", "5000", "--target-loss", "0.05", "--out", out});
        QCOMPARE(r.exitCode, 0);
        const auto json = readJson(out);
        const qint64 done = json["result"]["epochs_done"].toInteger();
        QVERIFY2(done > 0 && done < 5000, qPrintable(QString::number(done)));
        const auto run = shownRun(store, json["run_id"].toString());
        QCOMPARE(run["kept_parameters"]["last_epoch"].toInteger(), done);
        const auto last = runWithStore(
            store, {"runs", "predict", json["run_id"].toString() + "@" + QString::number(done - 1),
                    "--out", dir_.filePath("early.csv")});
        QCOMPARE(last.exitCode, 0);
        QVERIFY2(last.err.isEmpty() || !last.err.contains("not kept"), last.err.constData());
    }

    // `runs predict` and `runs params` from the kept parameters of a 6-D run:
    // at any epoch the MSE on the run's own points is its loss there; the
    // user's points get the same predictions as the same points of the grid.
    void runsPredictAndParamsUseTheKeptParameters() {
        const auto store = dir_.freshStore();
        const auto out = dir_.filePath("hyper.json");
        QCOMPARE(runWithStore(store, {"train", "--data", "hyper6d", "--model", "wave-ensemble",
                                      "--waves", "6", "--epochs", "30", "--out", out})
                     .exitCode,
                 0);
        const auto result = readJson(out);
        const QString id = result["run_id"].toString().left(8);
        const auto losses = result["result"]["loss_history"].toArray();
        for (int epoch : {0, 7, 29}) {
            const auto csv = dir_.filePath(QStringLiteral("at%1.csv").arg(epoch));
            const auto r = runWithStore(
                store, {"runs", "predict", id + "@" + QString::number(epoch), "--out", csv});
            QCOMPARE(r.exitCode, 0);
            // "MSE m (the run's loss at epoch k: l)"
            const auto words = QString::fromUtf8(r.out).split(u' ');
            QCOMPARE(words.value(0), QStringLiteral("MSE"));
            const double mse = words.value(1).toDouble();
            const double loss = losses[epoch].toDouble();
            QVERIFY2(std::abs(mse - loss) <= 1e-6 * loss,
                     qPrintable(QStringLiteral("epoch %1: %2 against %3")
                                    .arg(epoch)
                                    .arg(mse, 0, 'g', 12)
                                    .arg(loss, 0, 'g', 12)));
        }
        QFile grid(dir_.filePath("at7.csv"));
        QVERIFY(grid.open(QIODevice::ReadOnly));
        const auto rows = grid.readAll().split('\n');
        QCOMPARE(rows.first(), QByteArray("x1,x2,x3,x4,x5,target,prediction"));
        QCOMPARE(rows.size(), 32768 + 2); // a header, every point, the last newline

        // Three of the grid's points again, as a user's file with a header.
        const auto mine =
            dir_.fileWith("mine.csv", "a,b,c,d,e\n" + rows[1].split(',').mid(0, 5).join(',') +
                                          "\n" + rows[500].split(',').mid(0, 5).join(',') + "\n" +
                                          rows[32768].split(',').mid(0, 5).join(',') + "\n");
        const auto own =
            runWithStore(store, {"runs", "predict", id + "@7", "--points", mine, "--out", "-"});
        QCOMPARE(own.exitCode, 0);
        const auto ownRows = own.out.split('\n');
        QCOMPARE(ownRows.first(), QByteArray("a,b,c,d,e,prediction"));
        QCOMPARE(ownRows[1].split(',').last(), rows[1].split(',').last());
        QCOMPARE(ownRows[2].split(',').last(), rows[500].split(',').last());
        QCOMPARE(ownRows[3].split(',').last(), rows[32768].split(',').last());

        const auto params = runWithStore(store, {"runs", "params", id + "@7", "--json"});
        QCOMPARE(params.exitCode, 0);
        const auto p = QJsonDocument::fromJson(params.out).object();
        QCOMPARE(p["epoch"].toInteger(), 7);
        QCOMPARE(p["parameter_count"].toInteger(), 127);
        qint64 values = 0;
        for (const auto& tensor : p["tensors"].toArray()) {
            values += tensor.toObject()["values"].toArray().size();
        }
        QCOMPARE(values, 127);
        QCOMPARE(p["end_model"].toBool(), false);
        const auto end = runWithStore(store, {"runs", "params", id});
        QCOMPARE(end.exitCode, 0);
        QVERIFY2(end.out.contains("the end model (after 30 epochs): 127 parameters"),
                 end.out.constData());

        // What cannot be done is refused by name.
        const auto bad = dir_.fileWith("bad.csv", "0.1,0.2\n");
        const auto refused =
            runWithStore(store, {"runs", "predict", id, "--points", bad, "--out", "-"});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("bad.csv, line 1: 2 values where the run's model takes 5"),
                 refused.err.constData());
        QCOMPARE(runWithStore(store, {"runs", "predict", id}).exitCode, 2); // no --out
        const auto past = runWithStore(store, {"runs", "params", id + "@31"});
        QCOMPARE(past.exitCode, 2);
        QVERIFY2(past.err.contains("epoch 31 is past its end"), past.err.constData());
    }

    void runsListsShowsExportsAndDeletes() {
        const auto store = dir_.freshStore();
        QCOMPARE(runWithStore(store, {"train", "--epochs", "30", "--name", "alpha run"}).exitCode,
                 0);
        QCOMPARE(runWithStore(store,
                              {"train", "--epochs", "20", "--model", "siren", "--name", "beta run"})
                     .exitCode,
                 0);
        const auto table = runWithStore(store, {"runs", "list"});
        QCOMPARE(table.exitCode, 0);
        QVERIFY(table.out.contains("alpha run") && table.out.contains("beta run"));
        QVERIFY(table.out.contains("30/30") && table.out.contains("siren"));
        const auto filtered = runWithStore(store, {"runs", "list", "--filter", "siren", "--json"});
        const auto runs = QJsonDocument::fromJson(filtered.out).array();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.at(0)["name"].toString(), QString("beta run"));
        QCOMPARE(runs.at(0)["config"]["model"]["kind"].toString(), QString("siren"));
        QVERIFY(!runs.at(0).toObject().contains("loss_history")); // lists stay light

        const auto all = listRuns(store);
        const QString beta = all.at(0)["id"].toString(), alpha = all.at(1)["id"].toString();
        const auto csv = dir_.filePath("two.csv");
        QCOMPARE(runWithStore(store, {"runs", "export", alpha.left(6), beta.left(6), "--csv", csv})
                     .exitCode,
                 0);
        QFile csvFile(csv);
        QVERIFY(csvFile.open(QIODevice::ReadOnly));
        const auto lines = csvFile.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 30 + 20);
        QCOMPARE(lines.at(0), QByteArray("run_id,run_name,epoch,loss"));
        QVERIFY(lines.at(1).startsWith(alpha.toUtf8() + ",\"alpha run\",0,"));
        const auto json = dir_.filePath("two.json");
        QCOMPARE(runWithStore(store, {"runs", "export", beta, "--json", json}).exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson([&] {
                     QFile f(json);
                     f.open(QIODevice::ReadOnly);
                     return f.readAll();
                 }())
                     .array()
                     .at(0)["loss_history"]
                     .toArray()
                     .size(),
                 20);

        const auto missing = runWithStore(store, {"runs", "show", "ffffffff"});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(missing.err.contains("no run id starts with 'ffffffff'"));
        QCOMPARE(runWithStore(store, {"runs", "frobnicate"}).exitCode, 2);
        QCOMPARE(runWithStore(store, {"runs", "export", beta}).exitCode, 2); // no file

        const auto deleted = runWithStore(store, {"runs", "delete", alpha.left(5)});
        QCOMPARE(deleted.exitCode, 0);
        QVERIFY(deleted.out.contains(alpha.toUtf8()));
        QCOMPARE(listRuns(store).size(), 1);
    }

    void scheduleAndStopRulesReachTheRun() {
        const auto out = dir_.filePath("early.json");
        const auto r =
            runStudio({"--epochs", "5000", "--schedule", "cosine", "--warmup", "20",
                       "--target-loss", "0.05", "--restore-best", "--no-store", "--out", out});
        QCOMPARE(r.exitCode, 0);
        const auto json = readJson(out);
        const auto result = json["result"].toObject();
        QVERIFY(result["epochs_done"].toInteger() < 5000);
        QVERIFY(result["stop_reason"].toString().startsWith("reached the target loss at epoch"));
        QVERIFY(result["restored_best"].toBool());
        QVERIFY(r.err.contains(result["stop_reason"].toString().toUtf8()));
        const auto schedule = json["config"]["train"]["schedule"].toObject();
        QCOMPARE(schedule["kind"].toString(), QString("cosine"));
        QCOMPARE(schedule["warmup"].toInteger(), 20);
        QCOMPARE(json["config"]["train"]["stop"]["target_loss"].toDouble(), 0.05);

        const auto unknown = runStudio({"--schedule", "linear", "--no-store"});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY(unknown.err.contains("constant, step, exp, cosine, plateau"));
        const auto gamma = runStudio({"--schedule", "step", "--gamma", "1.5", "--no-store"});
        QCOMPARE(gamma.exitCode, 2);
        QVERIFY(gamma.err.contains("gamma must lie between 0 and 1"));
    }

    // Stopping at epoch k and resuming from the stored checkpoint gives the
    // history of the run that never stopped, bit for bit, for both kernels.
    void resumingFromTheStoreIsBitIdentical_data() {
        QTest::addColumn<QString>("kernel");
        QTest::newRow("fused") << "fused";
        QTest::newRow("composed") << "composed";
    }
    void resumingFromTheStoreIsBitIdentical() {
        QFETCH(QString, kernel);
        const auto store = dir_.freshStore();
        const auto whole = dir_.filePath("whole-" + kernel + ".json");
        QCOMPARE(runWithStore(store, {"train", "--epochs", "120", "--kernel", kernel, "--schedule",
                                      "plateau", "--patience", "4", "--checkpoint-every", "30",
                                      "--out", whole})
                     .exitCode,
                 0);
        const auto parent = readJson(whole)["run_id"].toString();
        const auto resumedOut = dir_.filePath("resumed-" + kernel + ".json");
        const auto r =
            runWithStore(store, {"train", "--resume", parent.left(8) + "@60", "--out", resumedOut});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("from epoch 60 of run " + parent.left(8).toUtf8()),
                 r.err.constData());
        const auto resumed = readJson(resumedOut);
        QCOMPARE(resumed["result"].toObject()["loss_history"].toArray(),
                 readJson(whole)["result"].toObject()["loss_history"].toArray()); // exact
        const auto fork =
            QJsonDocument::fromJson(
                runWithStore(store, {"runs", "show", resumed["run_id"].toString()}).out)
                .object();
        QCOMPARE(fork["parent_id"].toString(), parent);
        QCOMPARE(fork["loss_history"].toArray().size(), 120); // its parent's first 60 and its own

        // A fork may change how it trains, not what.
        const auto changed = runWithStore(
            store, {"train", "--resume", parent, "--lr", "3e-3", "--epochs", "150", "--no-store"});
        QCOMPARE(changed.exitCode, 0);
        const auto model = runWithStore(store, {"train", "--resume", parent, "--waves", "8"});
        QCOMPARE(model.exitCode, 2);
        QVERIFY(model.err.contains("keeps its parent's data and model"));
        const auto none = runWithStore(store, {"train", "--resume", parent + "@10"});
        QCOMPARE(none.exitCode, 2);
        QVERIFY(none.err.contains("no checkpoint at or before epoch 10"));
    }

    // A validation split: its history in the result and in the store, and a
    // resumed run replays it exactly.
    void aValidationSplitIsRecordedAndResumed() {
        const auto store = dir_.freshStore();
        const auto whole = dir_.filePath("split.json");
        QCOMPARE(runWithStore(store, {"train", "--epochs", "80", "--val", "0.2",
                                      "--checkpoint-every", "40", "--out", whole})
                     .exitCode,
                 0);
        const auto json = readJson(whole);
        const auto validation = json["result"].toObject()["validation_history"].toArray();
        QCOMPARE(validation.size(), 80);
        QCOMPARE(json["setup"].toObject()["validation_points"].toInteger(), 200);
        const auto id = json["run_id"].toString();
        const auto shown = shownRun(store, id);
        QCOMPARE(shown["validation_history"].toArray(), validation);
        const auto resumed = resumedResult(store, id + "@40", dir_.filePath("split-resumed.json"));
        QCOMPARE(resumed["validation_history"].toArray(), validation);
        const auto other = runWithStore(store, {"train", "--resume", id, "--val", "0.1"});
        QCOMPARE(other.exitCode, 2);
        QVERIFY(other.err.contains("validation split"));
    }

    // Weight averaging: its history in the result and the store (null before
    // the first average), and a run resumed mid-average replays it exactly.
    void weightAveragingIsRecordedAndResumed() {
        const auto store = dir_.freshStore();
        const auto whole = dir_.filePath("swa.json");
        QCOMPARE(
            runWithStore(store, {"train", "--epochs", "90", "--lr", "1e-2", "--swa-start", "30",
                                 "--swa-every", "7", "--checkpoint-every", "45", "--out", whole})
                .exitCode,
            0);
        const auto result = readJson(whole)["result"].toObject();
        const auto averaged = result["averaged_history"].toArray();
        QCOMPARE(averaged.size(), 90);
        QVERIFY(averaged.at(29).isNull() && averaged.at(30).isDouble());
        QCOMPARE(result["averaged_models"].toInteger(), 9); // epochs 30, 37, …, 86
        QVERIFY(result["ended_averaged"].toBool());
        QCOMPARE(result["averaged_loss"].toDouble(), averaged.last().toDouble());
        const auto id = readJson(whole)["run_id"].toString();
        const auto shown = shownRun(store, id);
        QCOMPARE(shown["averaged_history"].toArray(), averaged);
        const auto resumed = resumedResult(store, id + "@45", dir_.filePath("swa-resumed.json"));
        QCOMPARE(resumed["averaged_history"].toArray(), averaged);
        QCOMPARE(resumed["loss_history"].toArray(), result["loss_history"].toArray());
        const auto both = runWithStore(store, {"train", "--swa-start", "5", "--restore-best"});
        QCOMPARE(both.exitCode, 2);
        QVERIFY(both.err.contains("restore-best or swa-start"));
    }

    void versionAndHelpNeedNoDisplay() {
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.remove("DISPLAY");
        environment.remove("WAYLAND_DISPLAY");
        environment.remove("QT_QPA_PLATFORM"); // the window's default platform, xcb, has no server
        for (const char* option : {"--version", "-v", "--help"}) {
            QProcess process;
            process.setProcessEnvironment(environment);
            process.start(QStringLiteral(DREDGE_STUDIO_EXE), {option});
            QVERIFY(process.waitForFinished(30000));
            QCOMPARE(process.exitCode(), 0);
            const auto out = process.readAllStandardOutput();
            if (option[2] == 'h') {
                QVERIFY(out.startsWith("Usage: dredge-studio [options]"));
                QVERIFY(out.contains("--store") && out.contains("'runs'"));
                continue;
            }
            const auto lines = out.split('\n');
            QVERIFY2(lines.at(0).startsWith("DREDGE Studio ") && lines.at(1).startsWith("Qt 6.") &&
                         lines.at(2).startsWith("LibTorch ") &&
                         lines.at(3).startsWith("OpenSSL ") && lines.at(4).startsWith("SQLite 3."),
                     out.constData());
            QVERIFY(lines.at(2).contains("CPU only") || lines.at(2).contains("CUDA available"));
        }
    }

    void writesJsonToStdoutWithoutOut() {
        const auto r = runStudio({"--model", "siren", "--hidden", "32", "--epochs", "5"});
        QCOMPARE(r.exitCode, 0);
        const auto json = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(json["setup"]["parameters"].toInteger(), 1153);
        QCOMPARE(json["result"]["loss_history"].toArray().size(), 5);
    }

    void sameSeedSameHistoryAcrossProcesses() {
        const QStringList args = {"--data", "volume4d", "--grid", "6",      "--waves",
                                  "4",      "--epochs", "20",     "--seed", "7"};
        const auto a = runStudio(args), b = runStudio(args);
        QCOMPARE(a.exitCode, 0);
        const auto history = [](const Outcome& o) {
            const auto json = QJsonDocument::fromJson(o.out).object();
            return json["result"]["loss_history"].toArray();
        };
        QCOMPARE(history(a), history(b));
        QCOMPARE(history(a).size(), 20);
    }

    void badArgumentsExitTwoWithOneLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("reason");
        QTest::newRow("unknown model")
            << QStringList{"--model", "transformer"} << "unknown --model";
        QTest::newRow("negative epochs")
            << QStringList{"--epochs", "-5"} << "epochs must be at least 1";
        QTest::newRow("NaN lr") << QStringList{"--lr", "nan"} << "learning rate";
        QTest::newRow("text lr") << QStringList{"--lr", "fast"} << "--lr must be a number";
        QTest::newRow("missing file") << QStringList{"--csv", "/no/such.csv"} << "cannot open";
        QTest::newRow("unknown option") << QStringList{"--wavez", "3"} << "Unknown option";
        QTest::newRow("zero waves") << QStringList{"--waves", "0"} << "number of waves";
        QTest::newRow("grid too large for the data set")
            << QStringList{"--data", "hyper6d", "--grid", "40"} << "more than";
        QTest::newRow("grid beyond any data set")
            << QStringList{"--data", "hyper6d", "--grid", "400"}
            << "--grid must be between 2 and 322";
        QTest::newRow("zero grid") << QStringList{"--data", "volume4d", "--grid", "0"} << "--grid";
        QTest::newRow("bad device") << QStringList{"--device", "tpu"} << "unknown --device";
        QTest::newRow("bad threads") << QStringList{"--threads", "0"} << "threads";
        QTest::newRow("stray argument") << QStringList{"extra"} << "unexpected argument";
    }
    void badArgumentsExitTwoWithOneLine() {
        QFETCH(QStringList, args);
        QFETCH(QString, reason);
        const auto r = runStudio(args);
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.contains(reason.toUtf8()), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    // Issue 25 #5: sizes the table accepts but this machine cannot hold are
    // refused before training, with the estimate.
    void aRunTooLargeForThisMachineIsRefusedFirst() {
        const auto r = runStudio({"--data", "hyper6d", "--grid", "32", "--model", "siren",
                                  "--hidden", "65536", "--no-store"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("more than half of this machine's memory") &&
                     r.err.contains("33,554,432 points") && r.err.contains("--allow-large"),
                 r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    // Issue 25 #10: a store file that is a symbolic link is refused by name
    // (its empty target was overwritten with a database), unless asked.
    void aSymlinkedStoreIsOpenedOnlyWhenAsked() {
        const auto target = dir_.fileWith("target", {});
        const auto link = dir_.filePath("link.sqlite");
        QVERIFY(QFile::link(target, link));
        const QString url = "sqlite:" + link;
        const auto listed = runWithStore(url, {"runs", "list"});
        QCOMPARE(listed.exitCode, 1);
        QVERIFY2(listed.err.contains("is a symbolic link") &&
                     listed.err.contains("--follow-symlinks"),
                 listed.err.constData());
        const auto trained = runWithStore(url, {"train", "--epochs", "3"});
        QCOMPARE(trained.exitCode, 0); // training goes on, unstored, and says why
        QVERIFY(trained.err.contains("is a symbolic link"));
        QVERIFY(!QJsonDocument::fromJson(trained.out)["stored"].toBool());
        QCOMPARE(QFileInfo(target).size(), 0); // the target is untouched
        QCOMPARE(runWithStore(url, {"train", "--epochs", "3", "--follow-symlinks"}).exitCode, 0);
        const auto followed = runWithStore(url, {"runs", "list", "--json", "--follow-symlinks"});
        QCOMPARE(followed.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(followed.out).array().size(), 1);
    }

    void divergenceExitsThree() {
        const auto r = runStudio({"--lr", "1e6", "--epochs", "500"});
        QCOMPARE(r.exitCode, 3);
        const auto result = QJsonDocument::fromJson(r.out).object()["result"].toObject();
        QCOMPARE(result["status"].toString(), QString("diverged"));
        QVERIFY(result["diverged_at_epoch"].toInteger() >= 1);
        QVERIFY(result["final_loss"].isNull()); // NaN is not JSON
    }

    void trainsOnACsvSignal() {
        const auto path = dir_.filePath("signal.csv");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("x,y\n");
        for (int i = 0; i < 200; ++i) {
            const double x = -3.0 + 6.0 * i / 199.0;
            file.write(QByteArray::number(x) + ',' + QByteArray::number(std::sin(2 * x)) + '\n');
        }
        file.close();
        const auto r = runStudio({"--csv", path, "--epochs", "10"});
        QCOMPARE(r.exitCode, 0);
        const auto json = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(json["setup"]["points"].toInteger(), 200);
        QCOMPARE(json["config"]["data"]["kind"].toString(), QString("csv"));
    }

    void malformedCsvNamesTheLine() {
        const auto path = dir_.filePath("bad.csv");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("x,y\n1,2\n3,oops\n");
        file.close();
        const auto r = runStudio({"--csv", path});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("line 3: not a number: 'oops'"), r.err.constData());
    }

    void experimentFileSuppliesTheConfig() {
        const auto first = dir_.filePath("first.json");
        QCOMPARE(runStudio({"--model", "interference", "--fields", "4", "--epochs", "15", "--seed",
                            "3", "--out", first})
                     .exitCode,
                 0);
        const auto saved = readJson(first);
        const auto experiment = dir_.filePath("experiment.json");
        QFile file(experiment);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(QJsonObject{{"experiment", saved["config"]}}).toJson());
        file.close();
        const auto replay = runStudio({"--experiment", experiment});
        QCOMPARE(replay.exitCode, 0);
        const auto json = QJsonDocument::fromJson(replay.out).object();
        QCOMPARE(json["result"]["loss_history"], saved["result"]["loss_history"]);
        // Flags override the file.
        const auto shorter = runStudio({"--experiment", experiment, "--epochs", "3"});
        const auto shorterJson = QJsonDocument::fromJson(shorter.out).object();
        QCOMPARE(shorterJson["result"]["epochs_done"].toInteger(), 3);
    }

    void serveAnswersAndStopsOnSignal() {
        QProcess process;
        process.start(QStringLiteral(DREDGE_STUDIO_EXE),
                      {"serve", "--listen", "127.0.0.1:0", "--cache-size", "16"});
        QVERIFY(process.waitForStarted());
        QByteArray out;
        while (!out.contains('\n')) {
            QVERIFY(process.waitForReadyRead(60000));
            out += process.readAllStandardOutput();
        }
        const auto match = QRegularExpression(R"(^listening on http://127\.0\.0\.1:(\d+)\n)")
                               .match(QString::fromUtf8(out));
        QVERIFY2(match.hasMatch(), out.constData());
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(match.captured(1).toUInt()));
        QVERIFY(socket.waitForConnected(10000));
        socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray answer;
        while (!answer.contains("healthy") && socket.waitForReadyRead(10000)) {
            answer += socket.readAll();
        }
        QVERIFY2(answer.startsWith("HTTP/1.1 200"), answer.constData());
        process.terminate();
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        const auto log = process.readAllStandardError();
        QVERIFY2(log.contains("GET /health 200"), log.constData()); // one line per request
        QVERIFY(log.contains("stopped by signal"));
    }

    void serveRefusesWhatItCannotDo() {
        const auto badListen = runServe({"--listen", "nonsense"});
        QCOMPARE(badListen.exitCode, 2);
        QVERIFY(badListen.err.contains("--listen must be ADDRESS:PORT"));
        const auto noToken = runServe({"--listen", "0.0.0.0:0"});
        QCOMPARE(noToken.exitCode, 1);
        QVERIFY2(noToken.err.contains("token"), noToken.err.constData());
        const auto badSize = runServe({"--cache-size", "-3"});
        QCOMPARE(badSize.exitCode, 2);
    }

    // Issue 25 #8: a run training in another process is not deleted under
    // it; --force stops the train process first, and the run is then gone.
    void aRunningRunIsDeletedOnlyWithForce() {
        const auto store = dir_.freshStore();
        QProcess trainer;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_STORE"), store);
        trainer.setProcessEnvironment(environment);
        trainer.start(QStringLiteral(DREDGE_STUDIO_EXE), {"train", "--epochs", "100000000"});
        QVERIFY(trainer.waitForStarted());
        trainer.setReadChannel(QProcess::StandardError);
        QByteArray err;
        while (!(err += trainer.readAllStandardError()).contains("parameters")) {
            QVERIFY(trainer.waitForReadyRead(60000));
        }
        QJsonArray runs;
        QTRY_VERIFY_WITH_TIMEOUT((runs = listRuns(store)).size() == 1, 60000);
        const auto id = runs.at(0)["id"].toString();
        QCOMPARE(runs.at(0)["status"].toString(), QString("running"));

        const auto refused = runWithStore(store, {"runs", "delete", id.left(8)});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains("is training") && refused.err.contains("--force"),
                 refused.err.constData());
        QCOMPARE(listRuns(store).size(), 1);
        QCOMPARE(trainer.state(), QProcess::Running); // untouched

        const auto forced = runWithStore(store, {"runs", "delete", "--force", id.left(8)});
        QCOMPARE(forced.exitCode, 0);
        QVERIFY(trainer.waitForFinished(60000));
        QCOMPARE(trainer.exitCode(), 130); // stopped by SIGTERM, as a user's Ctrl+C
        QCOMPARE(listRuns(store).size(), 0);
        QVERIFY2(!trainer.readAllStandardError().contains("FOREIGN KEY"), "the run was lost");
    }

    // Issue 25 #4, #9, #10: what is not a regular file of sane size is refused
    // by name, at once (a FIFO no longer blocks, /dev/zero no longer grows
    // without bound), and a short token is refused beyond 127.0.0.1.
    void inputsThatAreNotFilesAreRefusedByName() {
        const QString fifo = dir_.filePath("fifo.csv");
        QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
        const QString folder = dir_.path();
        const struct {
            QStringList arguments;
            const char* message;
        } cases[] = {
            {{"--data", "csv", "--csv", "/dev/zero"}, "'/dev/zero' is not a regular file"},
            {{"--data", "csv", "--csv", fifo}, "is not a regular file (a device, FIFO or socket)"},
            {{"--data", "csv", "--csv", folder}, "is a folder; the CSV signal must be a file"},
            {{"--experiment", "/dev/zero"}, "the experiment must be a file"},
            {{"--experiment", folder}, "is a folder; the experiment must be a file"},
            {{"--sweep", "/dev/zero", "--task", "0"}, "the sweep file must be a file"},
        };
        for (const auto& bad : cases) {
            const auto r = runStudio(bad.arguments + QStringList{"--no-store", "--epochs", "1"});
            QVERIFY2(r.exitCode == 2 && r.err.contains(bad.message),
                     qPrintable(bad.arguments.join(' ') + " → " + QString::fromUtf8(r.err)));
        }
        const auto zero = runServe({"--token-file", "/dev/zero"});
        QCOMPARE(zero.exitCode, 2);
        QVERIFY2(zero.err.contains("the token file must be a file"), zero.err.constData());
        const QString shortToken = dir_.fileWith("short.token", "abc\n");
        const auto tooShort = runServe({"--listen", "0.0.0.0:0", "--token-file", shortToken});
        QCOMPARE(tooShort.exitCode, 2);
        QVERIFY2(tooShort.err.contains("has 3 bytes; beyond 127.0.0.1 a token needs at least 16"),
                 tooShort.err.constData());
    }

    // Issue 25 #9: the window told to quit when done says when its runs did
    // not reach the store (a damaged file), exits 1, and leaves the file as it was.
    void theWindowSaysWhenItsRunsAreNotStored() {
        QByteArray garbage(4096, '\0');
        for (qsizetype i = 0; i < garbage.size(); ++i) {
            garbage[i] = char((i * 131 + 7) % 251);
        }
        const QString damaged = dir_.fileWith("damaged.sqlite", garbage);
        const QString experiment =
            dir_.fileWith("tiny.json", R"({"format": "dredge-studio-experiment", "version": 1,
                            "experiment": {"train": {"epochs": 20}}})");
        QProcess window;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        environment.insert(QStringLiteral("HOME"), dir_.path()); // no settings of the user's
        window.setProcessEnvironment(environment);
        window.start(QStringLiteral(DREDGE_STUDIO_EXE), {"--store", "sqlite:" + damaged, "--open",
                                                         experiment, "--run", "--quit-when-done"});
        QVERIFY(window.waitForFinished(120000));
        const auto err = window.readAllStandardError();
        QCOMPARE(window.exitCode(), 1);
        QVERIFY2(err.contains("the runs are not in the store") && err.contains("not a database"),
                 err.constData());
        QVERIFY(window.readAllStandardOutput().contains("finished after 20 epochs"));
        QFile file(damaged);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), garbage); // nothing overwritten
    }

    void terminateStopsCleanlyWithAResult() {
        QProcess process;
        process.start(QStringLiteral(DREDGE_STUDIO_EXE), {"train", "--epochs", "100000000"});
        QVERIFY(process.waitForStarted());
        process.setReadChannel(QProcess::StandardError); // what waitForReadyRead watches
        // Wait for the line that says training has begun.
        QByteArray err;
        while (!(err += process.readAllStandardError()).contains("parameters")) {
            QVERIFY(process.waitForReadyRead(60000));
        }
        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 130);
        const auto json = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
        QCOMPARE(json["result"]["status"].toString(), QString("stopped"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
