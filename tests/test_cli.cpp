// `dredge-studio train` as a user runs it: a real process, its exit status,
// its stderr and the result JSON.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Outcome {
    int exitCode = -1;
    QByteArray out, err;
};

Outcome runStudio(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(DREDGE_STUDIO_EXE),
                  QStringList{QStringLiteral("train")} + arguments);
    if (!process.waitForFinished(120000)) {
        process.kill();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
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
    QTemporaryDir dir_;

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
        QTest::newRow("grid too large")
            << QStringList{"--data", "hyper6d", "--grid", "400"} << "more than";
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
        const auto run = [](const QStringList& args) {
            QProcess p;
            p.start(QStringLiteral(DREDGE_STUDIO_EXE), QStringList{"serve"} + args);
            p.waitForFinished(60000);
            return std::make_pair(p.exitCode(), p.readAllStandardError());
        };
        const auto badListen = run({"--listen", "nonsense"});
        QCOMPARE(badListen.first, 2);
        QVERIFY(badListen.second.contains("--listen must be ADDRESS:PORT"));
        const auto noToken = run({"--listen", "0.0.0.0:0"});
        QCOMPARE(noToken.first, 1);
        QVERIFY2(noToken.second.contains("token"), noToken.second.constData());
        const auto badSize = run({"--cache-size", "-3"});
        QCOMPARE(badSize.first, 2);
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
