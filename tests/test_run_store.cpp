// The run store against real databases: every test runs on SQLite, then the
// whole suite again on a throwaway PostgreSQL cluster that this program starts
// and stops itself (tests/PostgresServer.h). Where PostgreSQL cannot start the
// second pass is skipped with the reason, except in CI (CI=true), where that
// is a failure.
//
// Threads and ThreadSanitizer: StoreClient owns its connection on a QThread;
// writes reach it as queued calls, flush() is a blocking queued call, and
// changed/problem/healthy come back as queued signals. All of that is Qt's
// event loop, which Debian's Qt does not build with TSan, so this suite does
// not run under it. The client keeps no state shared outside those calls:
// its queue lives on the store thread alone, and what the calling thread
// reads (problemText) is written only by the queued signals it processes.

#include "CheckpointBlob.h"
#include "PostgresServer.h"
#include "RunCost.h"
#include "RunExport.h"
#include "RunStore.h"
#include "SmallFileSystem.h"
#include "StoreClient.h"
#include "StoreSchema.h"
#include "Sweep.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSysInfo>
#include <QtTest>
#include <cstring>
#include <limits>

using namespace dredge;

namespace {

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

RunRecord sampleRecord(const QString& name) {
    ExperimentConfig config;
    config.model.kind = ModelKind::Interference;
    config.model.fields = 12;
    config.train.learningRate = 3e-3;
    config.train.seed = 42;
    config.train.clipGradients = true;
    config.train.clipMaxNorm = 0.5;
    config.train.epochs = 777;
    auto r = newRunRecord(config, name);
    r.status = RecordStatus::Running;
    r.started = r.created.addMSecs(250);
    r.dataFingerprint = QStringLiteral("0123abcd");
    r.parameters = 321;
    r.points = 1000;
    r.zeroPredictorMse = 0.125;
    r.notes = QStringLiteral("first try");
    r.tags = QStringList{QStringLiteral("baseline"), QStringLiteral("chirp")};
    return r;
}

// A process id that is certainly gone: a child that has exited and been reaped.
qint64 deadPid() {
    QProcess child;
    child.start(QStringLiteral("true"), {});
    child.waitForFinished();
    return child.processId() > 0 ? child.processId() : 999999;
}

// What a store holds once its writers are done: `runs` runs, `losses` of them for run `id`.
void expectRunsAndLosses(const StoreLocation& location, size_t runs, const QString& id,
                         size_t losses) {
    RunStore store;
    QString error;
    QVERIFY2(store.open(location, &error), qPrintable(error));
    QCOMPARE(store.listRuns(&error)->size(), runs);
    QCOMPARE(store.lossHistory(id, &error)->size(), losses);
}

} // namespace

class TestRunStore : public QObject {
    Q_OBJECT
public:
    // url empty: a fresh SQLite file per test.
    explicit TestRunStore(QString postgresUrl = {})
        : postgresUrl_(std::move(postgresUrl)) {}

private:
    QString postgresUrl_;
    QTemporaryDir dir_;
    StoreLocation location_;
    int serial_ = 0;

    bool sqlite() const { return postgresUrl_.isEmpty(); }

    // A raw connection to the same database, for what the store API hides.
    class Raw {
    public:
        // sqlitePath: another SQLite file than the test's store.
        Raw(const TestRunStore& test, const QString& name, const QString& sqlitePath = {})
            : name_(name) {
            const auto& l = test.location_;
            db_ = QSqlDatabase::addDatabase(
                test.sqlite() ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), name);
            if (test.sqlite()) {
                db_.setDatabaseName(sqlitePath.isEmpty() ? l.path : sqlitePath);
            } else {
                db_.setHostName(l.host);
                db_.setPort(l.port);
                db_.setUserName(l.user);
                db_.setDatabaseName(l.database);
            }
            db_.open();
        }
        ~Raw() {
            db_.close();
            db_ = QSqlDatabase(); // the last handle goes before the connection
            QSqlDatabase::removeDatabase(name_);
        }
        QSqlDatabase& db() { return db_; }

    private:
        QString name_;
        QSqlDatabase db_;
    };

    void wipePostgres() {
        Raw raw(*this, QStringLiteral("wipe"));
        QSqlQuery q(raw.db());
        QVERIFY2(q.exec(QStringLiteral("DROP SCHEMA public CASCADE")),
                 qPrintable(q.lastError().text()));
        QVERIFY(q.exec(QStringLiteral("CREATE SCHEMA public")));
    }

private Q_SLOTS:
    void init() {
        QString error;
        const QString url =
            sqlite() ? QStringLiteral("sqlite:") +
                           dir_.filePath(QStringLiteral("s%1/runs.sqlite").arg(++serial_))
                     : postgresUrl_;
        const auto location = parseStoreUrl(url, &error);
        QVERIFY2(location, qPrintable(error));
        location_ = *location;
        if (sqlite()) {
            QVERIFY(QDir().mkpath(QFileInfo(location_.path).absolutePath()));
        } else {
            wipePostgres();
        }
    }

    // What the window asks before a large run (RunCost.h): exact points, time
    // scaled from a measured run of the same path, none from another path.
    void aRunsCostIsEstimatedFromItsPointsAndMeasuredRuns() {
        ExperimentConfig chirp;
        QCOMPARE(pointCount(chirp.data), std::optional<int64_t>(1000));
        ExperimentConfig grid6;
        grid6.data.kind = DataKind::Hyper6d;
        QCOMPARE(pointCount(grid6.data), std::optional<int64_t>(32768)); // 8⁵
        grid6.data.grid = 20;
        QCOMPARE(pointCount(grid6.data), std::optional<int64_t>(3'200'000));
        ExperimentConfig packet;
        packet.data.kind = DataKind::Packet4d;
        packet.data.times = 3;
        QCOMPARE(pointCount(packet.data), std::optional<int64_t>(12 * 12 * 12 * 3));

        auto measured = newRunRecord(chirp, QStringLiteral("measured"));
        measured.status = RecordStatus::Finished;
        measured.points = 1000;
        measured.msPerEpoch = 0.1;
        grid6.data.grid = 8;
        const auto cost = estimateRunCost(grid6, {measured});
        QVERIFY(cost.msPerEpoch);
        QCOMPARE(*cost.msPerEpoch, 0.1 * 32768.0 / 1000.0);
        QVERIFY(cost.bytes > 32768.0 * 4 && cost.bytes < 1e8);
        QVERIFY(!isLargeRun(cost, 16e9));

        auto amp = grid6;
        amp.train.mixedPrecision = true; // another path: its time is not known
        const auto ampCost = estimateRunCost(amp, {measured});
        QVERIFY(!ampCost.msPerEpoch);
        QVERIFY(ampCost.bytes > cost.bytes); // autograd keeps the activations
        grid6.data.grid = 20;
        QVERIFY(isLargeRun(estimateRunCost(grid6, {}), 16e9));
        QVERIFY(costText(estimateRunCost(grid6, {}), 16e9).contains("not yet measured"));
        ExperimentConfig csv;
        csv.data.kind = DataKind::CsvSignal;
        QVERIFY(!estimateRunCost(csv, {}).points);
    }

    void storeUrlsParse() {
        QString error;
        auto pg =
            parseStoreUrl(QStringLiteral("postgresql://ann:s%40cret@db.lab:5433/runs"), &error);
        QVERIFY(pg);
        QCOMPARE(pg->backend, StoreLocation::Backend::PostgreSql);
        QCOMPARE(pg->user, QString("ann"));
        QCOMPARE(pg->password, QString("s@cret"));
        QCOMPARE(pg->host, QString("db.lab"));
        QCOMPARE(pg->port, 5433);
        QCOMPARE(pg->database, QString("runs"));
        QVERIFY(!pg->display().contains("cret")); // never shown
        auto socket = parseStoreUrl(QStringLiteral("postgresql://me@%2Frun%2Fpg/x"), &error);
        QVERIFY(socket);
        QCOMPARE(socket->host, QString("/run/pg"));
        QCOMPARE(parseStoreUrl(socket->display(), &error)->host, QString("/run/pg"));
        auto query =
            parseStoreUrl(QStringLiteral("postgres://me@/x?host=/tmp/s&port=6000"), &error);
        QCOMPARE(query->host, QString("/tmp/s"));
        QCOMPARE(query->port, 6000);
        QCOMPARE(parseStoreUrl(QStringLiteral("sqlite:/a/b.sqlite"), &error)->path,
                 QString("/a/b.sqlite"));
        QVERIFY(!parseStoreUrl(QStringLiteral("mysql://x/y"), &error));
        QVERIFY(error.contains("sqlite:PATH"));
        QVERIFY(!parseStoreUrl(QStringLiteral("postgresql://h:99999/db"), &error));
        QVERIFY(!parseStoreUrl(QStringLiteral("postgresql://h:5432"), &error));
        QVERIFY(!parseStoreUrl(QStringLiteral("sqlite:"), &error));
        qputenv("DREDGE_STORE", "sqlite:/from/env.sqlite");
        QCOMPARE(chooseStoreUrl({}), QString("sqlite:/from/env.sqlite"));
        QCOMPARE(chooseStoreUrl("sqlite:/explicit"), QString("sqlite:/explicit"));
        qunsetenv("DREDGE_STORE");
        QVERIFY(chooseStoreUrl({}).endsWith("/runs.sqlite"));
    }

    void createsTheSchemaOnFirstUse() {
        RunStore store;
        QString error;
        QVERIFY2(store.open(location_, &error), qPrintable(error));
        Raw raw(*this, QStringLiteral("check"));
        auto& db = raw.db();
        QCOMPARE(storeSchemaVersion(db, &error), kStoreSchemaVersion);
        if (sqlite()) {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
            QCOMPARE(q.value(0).toString(), QString("wal"));
        }
        // Foreign keys are on in the store's connection: a history of no run is refused.
        QVERIFY(!store.appendLosses(QStringLiteral("no-such-run"), 0, {1.0}, &error));
    }

    void migratesAFirstVersionStore() {
        QString error;
        {
            Raw raw(*this, QStringLiteral("v1"));
            auto& db = raw.db();
            if (sqlite()) { // the frozen file of version 1
                QFile fixture(QFINDTESTDATA("data/runs-schema-v1.sql"));
                QVERIFY(fixture.open(QIODevice::ReadOnly));
                QSqlQuery q(db);
                for (const auto& line : QString::fromUtf8(fixture.readAll()).split(u'\n')) {
                    if (!line.trimmed().isEmpty() && !line.startsWith(QLatin1String("--"))) {
                        QVERIFY2(q.exec(line), qPrintable(q.lastError().text()));
                    }
                }
            } else { // version 1 through the first step, then a run in its form
                QVERIFY2(migrateStore(db, SqlDialect::PostgreSql, &error, 1), qPrintable(error));
                QSqlQuery q(db);
                QVERIFY2(q.exec(QStringLiteral(
                             "INSERT INTO runs (id, name, created_ms, status, config, data_kind, "
                             "model_kind, learning_rate, seed, amp, kernel, threads, epochs, "
                             "final_loss) VALUES ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', "
                             "'siren from version 1', 1767225600000, 'finished', "
                             "'{\"model\":{\"kind\":\"siren\",\"hidden\":32}}', 'chirp', "
                             "'siren', 0.01, 7, 0, 'fused', 1, 3, 0.125)")),
                         qPrintable(q.lastError().text()));
                q.prepare(QStringLiteral("INSERT INTO loss_chunks VALUES "
                                         "('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', 0, :b)"));
                const double losses[] = {0.5, 0.25, 0.125};
                q.bindValue(QStringLiteral(":b"),
                            QByteArray(reinterpret_cast<const char*>(losses), sizeof losses));
                QVERIFY(q.exec());
            }
            QCOMPARE(storeSchemaVersion(db, &error), 1);
        }

        RunStore store;
        QVERIFY2(store.open(location_, &error), qPrintable(error));
        const auto runs = store.listRuns(&error);
        QVERIFY2(runs, qPrintable(error));
        QCOMPARE(runs->size(), size_t(1));
        const auto& r = runs->front();
        QCOMPARE(r.name, QString("siren from version 1"));
        QCOMPARE(r.config.model.kind, ModelKind::Siren);
        QCOMPARE(r.config.model.hidden, 32);
        QCOMPARE(r.status, RecordStatus::Finished);
        QCOMPARE(r.finalLoss, 0.125);
        QVERIFY(r.notes.isEmpty() && r.tags.isEmpty() && !r.starred && !r.archived);
        QCOMPARE(*store.lossHistory(r.id, &error), (std::vector<double>{0.5, 0.25, 0.125}));
        // The new version's fields work on the migrated run.
        auto edited = r;
        edited.tags = QStringList{QStringLiteral("migrated")};
        edited.starred = true;
        QVERIFY2(store.updateUserFields(edited, &error), qPrintable(error));
        QVERIFY(store.addSnapshot(r.id, StoredSnapshot{2, 1, {1.f, 2.f}}, &error));
        QCOMPARE(store.loadRun(r.id, &error)->tags, QStringList{"migrated"});
        Raw raw(*this, QStringLiteral("after"));
        QCOMPARE(storeSchemaVersion(raw.db(), &error), kStoreSchemaVersion);
    }

    void refusesAStoreFromANewerVersion() {
        QString error;
        {
            RunStore store;
            QVERIFY(store.open(location_, &error));
        }
        {
            Raw raw(*this, QStringLiteral("future"));
            QSqlQuery q(raw.db());
            QVERIFY(q.exec(
                QStringLiteral("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'")));
        }
        RunStore store;
        QVERIFY(!store.open(location_, &error));
        QVERIFY2(error.contains("newer DREDGE Studio"), qPrintable(error));
    }

    void aRecordRoundTripsEveryField() {
        RunStore store;
        QString error;
        QVERIFY2(store.open(location_, &error), qPrintable(error));
        auto r = sampleRecord(QStringLiteral("interference, clipped"));
        QVERIFY2(store.insertRun(r, &error), qPrintable(error));
        r.status = RecordStatus::Diverged;
        r.ended = r.started.addSecs(3);
        r.epochsDone = 12;
        r.finalLoss = std::numeric_limits<double>::quiet_NaN(); // diverged: no finite loss
        r.bestLoss = 0.03125;
        r.msPerEpoch = 0.25;
        r.error = QStringLiteral("loss not finite at epoch 11");
        QVERIFY2(store.updateRun(r, &error), qPrintable(error));

        const auto back = store.loadRun(r.id, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->name, r.name);
        QCOMPARE(back->status, RecordStatus::Diverged);
        QCOMPARE(back->created, r.created);
        QCOMPARE(back->started, r.started);
        QCOMPARE(back->ended, r.ended);
        QCOMPARE(back->config.model.kind, ModelKind::Interference);
        QCOMPARE(back->config.model.fields, 12);
        QCOMPARE(back->config.train.learningRate, 3e-3);
        QCOMPARE(back->config.train.seed, uint64_t(42));
        QCOMPARE(back->config.train.clipMaxNorm, 0.5);
        QCOMPARE(back->dataFingerprint, r.dataFingerprint);
        QCOMPARE(back->appVersion, r.appVersion);
        QCOMPARE(back->torchVersion, r.torchVersion);
        QCOMPARE(back->host, QSysInfo::machineHostName());
        QCOMPARE(back->device, QString("cpu"));
        QCOMPARE(back->parameters, qint64(321));
        QCOMPARE(back->epochsDone, qint64(12));
        QVERIFY(std::isnan(back->finalLoss));
        QCOMPARE(back->bestLoss, 0.03125);
        QVERIFY(std::isnan(back->psnrDb));
        QCOMPARE(back->error, r.error);
        QCOMPARE(back->notes, QString("first try"));
        QCOMPARE(back->tags, (QStringList{"baseline", "chirp"}));

        // The searchable columns hold the settings too (what a SQL user queries).
        Raw raw(*this, QStringLiteral("columns"));
        QSqlQuery q(raw.db());
        QVERIFY(
            q.exec(QStringLiteral("SELECT model_kind, learning_rate, seed, clip_max_norm, epochs "
                                  "FROM runs")) &&
            q.next());
        QCOMPARE(q.value(0).toString(), QString("interference"));
        QCOMPARE(q.value(1).toDouble(), 3e-3);
        QCOMPARE(q.value(2).toLongLong(), 42);
        QCOMPARE(q.value(3).toDouble(), 0.5);
        QCOMPARE(q.value(4).toLongLong(), 777);
    }

    void historiesAreExactToTheBit() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        const auto r = sampleRecord(QStringLiteral("bits"));
        QVERIFY(store.insertRun(r, &error));
        const std::vector<double> first{0.1, 1.0 / 3.0, 5e-324, -0.0, 1.7976931348623157e308};
        const std::vector<double> second{std::numeric_limits<double>::quiet_NaN(),
                                         std::numeric_limits<double>::infinity(), 2.5e-7};
        QVERIFY(store.appendLosses(r.id, 0, first, &error));
        QVERIFY(store.appendLosses(r.id, 5, second, &error));
        auto expected = first;
        expected.insert(expected.end(), second.begin(), second.end());
        QVERIFY(sameBits(*store.lossHistory(r.id, &error), expected));

        QVERIFY(store.addSnapshot(r.id, StoredSnapshot{99, 2, {0.5f, -1.25f, 3e-8f}}, &error));
        QVERIFY(store.addSnapshot(r.id, StoredSnapshot{49, 2, {0.f}}, &error));
        const auto snapshots = store.snapshots(r.id, &error);
        QCOMPARE(snapshots->size(), size_t(2));
        QCOMPARE(snapshots->at(0).epoch, qint64(49)); // in epoch order
        QCOMPARE(snapshots->at(1).stride, 2);
        QCOMPARE(snapshots->at(1).values, (std::vector<float>{0.5f, -1.25f, 3e-8f}));
    }

    void listsNewestFirstAndFindsByPrefix() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        auto older = sampleRecord(QStringLiteral("older"));
        older.id = QStringLiteral("aaaa1111-0000-4000-8000-000000000001");
        older.created = older.created.addSecs(-60);
        auto newer = sampleRecord(QStringLiteral("newer"));
        newer.id = QStringLiteral("aaaa2222-0000-4000-8000-000000000002");
        newer.tags.clear();
        QVERIFY(store.insertRun(older, &error) && store.insertRun(newer, &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(2));
        QCOMPARE(runs->at(0).name, QString("newer"));
        QCOMPARE(runs->at(1).tags, (QStringList{"baseline", "chirp"}));

        QCOMPARE(*store.resolveId(QStringLiteral("AAAA2"), &error), newer.id);
        QVERIFY(!store.resolveId(QStringLiteral("aaaa"), &error));
        QVERIFY2(error.contains("ambiguous"), qPrintable(error));
        QVERIFY(!store.resolveId(QStringLiteral("bbbb"), &error));
        QVERIFY(error.contains("no run"));
        QVERIFY(!store.resolveId(QStringLiteral("a%"), &error)); // no SQL patterns

        QVERIFY(matchesFilter(runs->at(1), QStringLiteral("BASELINE older")));
        QVERIFY(matchesFilter(runs->at(1), QStringLiteral("interference running")));
        QVERIFY(matchesFilter(runs->at(1), older.created.toString("yyyy-MM-dd")));
        QVERIFY(!matchesFilter(runs->at(0), QStringLiteral("baseline")));
        QVERIFY(matchesFilter(runs->at(0), QStringLiteral("aaaa2222")));
    }

    void userFieldsSurviveTheRunsOwnUpdates() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        auto r = sampleRecord(QStringLiteral("as started"));
        QVERIFY(store.insertRun(r, &error));
        auto edited = r; // the user renames and stars it in the History panel…
        edited.name = QStringLiteral("renamed");
        edited.starred = true;
        edited.archived = true;
        edited.tags = QStringList{QStringLiteral("keep")};
        edited.notes = QStringLiteral("looks good");
        QVERIFY(store.updateUserFields(edited, &error));
        r.status = RecordStatus::Finished; // …while the run writes its outcome
        r.finalLoss = 0.5;
        QVERIFY(store.updateRun(r, &error));
        const auto back = store.loadRun(r.id, &error);
        QCOMPARE(back->name, QString("renamed"));
        QVERIFY(back->starred && back->archived);
        QCOMPARE(back->tags, QStringList{"keep"});
        QCOMPARE(back->notes, QString("looks good"));
        QCOMPARE(back->status, RecordStatus::Finished);
        QCOMPARE(back->finalLoss, 0.5);
    }

    void validationAndAveragedLossesAreSeriesOfTheirOwn() {
        QString error;
        RunStore store;
        QVERIFY(store.open(location_, &error));
        const auto r = sampleRecord(QStringLiteral("held out"));
        QVERIFY(store.insertRun(r, &error));
        QVERIFY(store.appendLosses(r.id, 0, {0.5, 0.25}, &error));
        QVERIFY(store.appendLosses(r.id, 0, {0.6, 0.3, 0.2}, &error, LossSeries::Validation));
        QCOMPARE(*store.lossHistory(r.id, &error), (std::vector<double>{0.5, 0.25}));
        QCOMPARE(*store.lossHistory(r.id, &error, LossSeries::Validation),
                 (std::vector<double>{0.6, 0.3, 0.2}));
        const double nan = std::numeric_limits<double>::quiet_NaN();
        QVERIFY(store.appendLosses(r.id, 0, {nan, 0.4}, &error, LossSeries::Averaged));
        const auto averaged = *store.lossHistory(r.id, &error, LossSeries::Averaged);
        QCOMPARE(averaged.size(), size_t(2));
        QVERIFY(std::isnan(averaged[0]) && averaged[1] == 0.4);
        QVERIFY(store.deleteRuns({r.id}, &error)); // they go with their run
        QVERIFY(store.lossHistory(r.id, &error, LossSeries::Validation)->empty());
        QVERIFY(store.lossHistory(r.id, &error, LossSeries::Averaged)->empty());
    }

    void checkpointsRoundTripExactly() {
        QString error;
        RunStore store;
        QVERIFY(store.open(location_, &error));
        const auto r = sampleRecord(QStringLiteral("checkpointed"));
        QVERIFY(store.insertRun(r, &error));
        TrainingCheckpoint c;
        c.parameters = {0.1, -2.5e-300, std::numeric_limits<double>::denorm_min(), 1.0 / 3.0};
        c.expAvg = {1e-9, 2e-9, 3e-9, 4e-9};
        c.expAvgSq = {1e-18, 2e-18, 3e-18, 4e-18};
        c.slotSteps = {7, 7, 6};
        c.steps = 7;
        c.stepsUniform = false;
        c.bestParameters = {0.5, 0.25, 0.125, 0.0625};
        c.bestLoss = 0.01;
        c.averagedParameters = {0.3, 0.2, 0.1, -1e-7};
        c.averagedModels = 12;
        c.averagedLoss = 0.02;
        for (qint64 epoch : {10, 30, 20}) {
            c.epoch = epoch;
            QVERIFY2(store.addCheckpoint(r.id, c, &error), qPrintable(error));
        }
        c.epoch = 20;
        c.steps = 8; // kept again at the same epoch: replaces it
        QVERIFY(store.addCheckpoint(r.id, c, &error));
        QCOMPARE(*store.checkpointEpochs(r.id, &error), (std::vector<qint64>{10, 20, 30}));
        const auto at25 = store.checkpoint(r.id, 25, &error);
        QVERIFY2(at25, qPrintable(error));
        QCOMPARE(at25->epoch, qint64(20));
        QCOMPARE(at25->steps, qint64(8));
        QVERIFY(sameBits(at25->parameters, c.parameters));
        QVERIFY(sameBits(at25->expAvgSq, c.expAvgSq));
        QVERIFY(sameBits(at25->bestParameters, c.bestParameters));
        QVERIFY(sameBits(at25->averagedParameters, c.averagedParameters));
        QCOMPARE(at25->averagedModels, qint64(12));
        QCOMPARE(at25->averagedLoss, 0.02);
        QCOMPARE(at25->slotSteps, c.slotSteps);
        QVERIFY(!at25->stepsUniform);
        QCOMPARE(store.checkpoint(r.id, -1, &error)->epoch, qint64(30));
        QVERIFY(!store.checkpoint(r.id, 5, &error));
        QVERIFY2(error.contains("no checkpoint at or before epoch 5"), qPrintable(error));

        // Damaged bytes are refused with a reason, never half read.
        const auto bytes = encodeCheckpoint(c);
        TrainingCheckpoint back;
        QString why;
        QVERIFY(decodeCheckpoint(bytes, &back, &why));
        QVERIFY(!decodeCheckpoint(bytes.left(bytes.size() - 3), &back, &why));
        QVERIFY2(why.contains("damaged"), qPrintable(why));
        auto uneven = c; // an average that does not fit the parameters
        uneven.averagedParameters.pop_back();
        QVERIFY(!decodeCheckpoint(encodeCheckpoint(uneven), &back, &why));
        QVERIFY(!decodeCheckpoint(QByteArray(64, 'x'), &back, &why));
        QVERIFY(why.contains("not a DREDGE Studio checkpoint"));

        QVERIFY(store.deleteRuns({r.id}, &error)); // its checkpoints go with it
        QCOMPARE(store.checkpointEpochs(r.id, &error)->size(), size_t(0));
    }

    void deletingARunKeepsEverythingElse() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        const auto parent = sampleRecord(QStringLiteral("parent"));
        auto fork = sampleRecord(QStringLiteral("fork"));
        fork.parentId = parent.id;
        const auto other = sampleRecord(QStringLiteral("other"));
        for (const RunRecord* r : std::initializer_list<const RunRecord*>{&parent, &fork, &other}) {
            QVERIFY2(store.insertRun(*r, &error), qPrintable(error));
            QVERIFY(store.appendLosses(r->id, 0, {1.0, 0.5}, &error));
            QVERIFY(store.addSnapshot(r->id, StoredSnapshot{1, 1, {1.f}}, &error));
        }
        QVERIFY2(store.deleteRuns({parent.id}, &error), qPrintable(error));
        QVERIFY(!store.loadRun(parent.id, &error));
        QVERIFY(store.lossHistory(parent.id, &error)->empty());
        QVERIFY(store.snapshots(parent.id, &error)->empty());
        const auto keptFork = store.loadRun(fork.id, &error);
        QVERIFY(keptFork);
        QVERIFY(keptFork->parentId.isEmpty()); // its parent is gone, the fork is not
        QCOMPARE(store.lossHistory(fork.id, &error)->size(), size_t(2));
        QCOMPARE(store.listRuns(&error)->size(), size_t(2));
        Raw raw(*this, QStringLiteral("orphans"));
        QSqlQuery q(raw.db());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM run_tags")) && q.next());
        QCOMPARE(q.value(0).toInt(), 4); // the two remaining runs' tags
    }

    // Successive halving's rungs on either database: each decision is the
    // rule's on the rung's earlier results (PostgreSQL under a table lock),
    // a run asking again gets its first answer, and a non-finite loss is kept
    // as worst.
    void rungDecisionsAreTakenOnceInTheStore() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        const SweepRecord sweep{QStringLiteral("sweep-rungs"), QStringLiteral("s"),
                                QDateTime::currentDateTimeUtc(), "{}", 5};
        QVERIFY2(store.insertSweep(sweep, &error), qPrintable(error));
        std::vector<RunRecord> runs;
        for (int i = 0; i < 5; ++i) {
            runs.push_back(sampleRecord(QStringLiteral("r%1").arg(i)));
            QVERIFY2(store.insertRun(runs.back(), &error), qPrintable(error));
        }
        const SuccessiveHalving h{10, 2.0, SeedObjective::Mean};
        const auto reach = [&](int run, const QString& group, double loss, int bracket = 0) {
            const RunStore::RungArrival arrival{sweep.id, bracket, 10, runs[size_t(run)].id,
                                                group,    loss};
            const auto promoted = store.reachRung(arrival, h, &error);
            if (!promoted) {
                qWarning("%s", qPrintable(error));
            }
            return promoted;
        };
        QCOMPARE(reach(0, "a", 0.5), std::optional<bool>(true));  // alone: best so far
        QCOMPARE(reach(1, "b", 0.7), std::optional<bool>(false)); // best 1 of 2 goes on
        QCOMPARE(reach(2, "b", 0.1), std::optional<bool>(false)); // b's first seed decided
        QCOMPARE(reach(1, "b", 0.0), std::optional<bool>(false)); // asked again: the same
        QCOMPARE(reach(3, "c", std::nan("")), std::optional<bool>(false));
        // Another bracket (hyperband) decides among its own runs: alone, best.
        QCOMPARE(reach(4, "d", 0.9, 1), std::optional<bool>(true));
        const auto results = store.rungResults(sweep.id, &error);
        QVERIFY2(results, qPrintable(error));
        QCOMPARE(results->size(), size_t(5));
        QCOMPARE((*results)[2].runId, runs[2].id);
        QCOMPARE((*results)[2].entry.loss, 0.1);
        QVERIFY(std::isnan((*results)[3].entry.loss));
        QVERIFY(store.deleteRuns({runs[0].id}, &error)); // its results go with it
        QCOMPARE(store.rungResults(sweep.id, &error)->size(), size_t(4));
        QCOMPARE(results->back().bracket, 1);
    }

    // Population-based training's boundaries and a sweep's budget on either
    // database: a run that arrives is kept once; the runs it waits for are
    // the training ones not there yet and, while fewer than the jobs train,
    // the queued ones; a boundary's steps are taken once for every member
    // there (PostgreSQL under a table lock), a run asking again gets its
    // first answer; a queued task is claimed only when its epochs fit.
    void populationStepsAndBudgetsAreDecidedInTheStore() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        const auto spec = parseSweep(
            R"({"format": "dredge-sweep", "version": 1, "mode": "pbt", "population": 2,
                "interval": 10, "base": {"train": {"epochs": 40}}, "seeds": [0],
                "axes": [{"setting": "lr", "values": [0.001, 0.003]}]})",
            &error);
        QVERIFY2(spec, qPrintable(error));
        const SweepRecord sweep{QStringLiteral("sweep-pbt"), QStringLiteral("p"),
                                QDateTime::currentDateTimeUtc(), "{}", 3};
        QVERIFY2(store.insertSweep(sweep, &error), qPrintable(error));
        std::vector<RunRecord> runs;
        for (int task = 0; task < 3; ++task) {
            runs.push_back(sampleRecord(QStringLiteral("member %1").arg(task)));
            runs.back().sweepId = sweep.id;
            runs.back().sweepTask = task;
            runs.back().config.train.epochs = 40;
            runs.back().status = task < 2 ? RecordStatus::Running : RecordStatus::Queued;
            QVERIFY2(store.insertRun(runs.back(), &error), qPrintable(error));
        }
        const auto arrive = [&](int member, double loss) {
            PopulationEntry e;
            e.member = member;
            e.runId = runs[size_t(member)].id;
            e.loss = loss;
            e.setting = {QJsonValue(member == 0 ? 0.001 : 0.003)};
            return store.arriveAtBoundary(sweep.id, 10, e, &error);
        };
        QVERIFY2(arrive(0, 0.1), qPrintable(error));
        QVERIFY2(arrive(0, 0.1), qPrintable(error)); // again: kept once
        QCOMPARE(store.boundaryWaitsFor(sweep.id, 10, 4, &error), std::optional<int>(2));
        QCOMPARE(store.boundaryWaitsFor(sweep.id, 10, 2, &error), std::optional<int>(1));
        QVERIFY2(arrive(1, std::nan("")), qPrintable(error)); // diverged: worst
        QCOMPARE(store.boundaryWaitsFor(sweep.id, 10, 2, &error), std::optional<int>(0));
        const auto decide = [&](std::vector<PopulationEntry>& entries) {
            decideBoundary(*spec, entries, 10);
        };
        const auto first = store.stepAtBoundary(sweep.id, 10, runs[0].id, decide, &error);
        QVERIFY2(first, qPrintable(error));
        QCOMPARE(first->step.source, -1); // the best goes on
        const auto second = store.stepAtBoundary(sweep.id, 10, runs[1].id, decide, &error);
        QVERIFY2(second, qPrintable(error));
        QCOMPARE(second->step.source, 0); // the worst copies the best, seed for seed
        QCOMPARE(second->sourceRunId, runs[0].id);
        QCOMPARE(second->step.setting.size(), size_t(1));
        const auto entries = store.populationEntries(sweep.id, &error);
        QVERIFY2(entries && entries->at(10).size() == 2, qPrintable(error));
        QVERIFY(entries->at(10)[0].decided && entries->at(10)[1].decided);
        QVERIFY(std::isnan(entries->at(10)[1].loss));
        QCOMPARE(entries->at(10)[1].setting, second->step.setting);

        // Two running runs hold 80 epochs: 40 more do not fit in 100.
        qint64 held = -1;
        QVERIFY(!store.claimWithinBudget(sweep.id, 2, 40, 100, &held, &error));
        QCOMPARE(held, qint64(80));
        const auto claimed = store.claimWithinBudget(sweep.id, 2, 40, 120, &held, &error);
        QVERIFY2(claimed, qPrintable(error));
        QCOMPARE(claimed->status, RecordStatus::Running);
        QCOMPARE(store.sweepEpochsHeld(sweep.id, &error), std::optional<qint64>(120));
    }

    void runsOfAGoneProcessBecomeInterrupted() {
        QString error;
        RunStore writer;
        QVERIFY(writer.open(location_, &error));
        auto dead = sampleRecord(QStringLiteral("killed here"));
        dead.pid = deadPid();
        dead.heartbeat = QDateTime::currentDateTimeUtc();
        auto alive = sampleRecord(QStringLiteral("still training here"));
        alive.heartbeat = QDateTime::currentDateTimeUtc(); // pid: this process
        auto silent = sampleRecord(QStringLiteral("silent elsewhere"));
        silent.host = QStringLiteral("another-host");
        silent.heartbeat = QDateTime::currentDateTimeUtc().addSecs(-3600);
        auto recent = sampleRecord(QStringLiteral("busy elsewhere"));
        recent.host = QStringLiteral("another-host");
        recent.heartbeat = QDateTime::currentDateTimeUtc().addSecs(-20);
        auto done = sampleRecord(QStringLiteral("finished here"));
        done.status = RecordStatus::Finished;
        done.pid = dead.pid;
        for (const RunRecord* r :
             std::initializer_list<const RunRecord*>{&dead, &alive, &silent, &recent, &done}) {
            QVERIFY(writer.insertRun(*r, &error));
        }
        QVERIFY(writer.appendLosses(dead.id, 0, {0.5, 0.25}, &error));

        RunStore next; // the next start of the app or of `train`
        QVERIFY(next.open(location_, &error));
        QCOMPARE(next.loadRun(dead.id, &error)->status, RecordStatus::Interrupted);
        QVERIFY(next.loadRun(dead.id, &error)->error.contains("crash or kill"));
        QCOMPARE(next.loadRun(dead.id, &error)->ended, dead.heartbeat);
        QCOMPARE(next.lossHistory(dead.id, &error)->size(), size_t(2)); // history kept
        QCOMPARE(next.loadRun(silent.id, &error)->status, RecordStatus::Interrupted);
        QCOMPARE(next.loadRun(alive.id, &error)->status, RecordStatus::Running);
        QCOMPARE(next.loadRun(recent.id, &error)->status, RecordStatus::Running);
        QCOMPARE(next.loadRun(done.id, &error)->status, RecordStatus::Finished);
        QCOMPARE(next.markInterruptedRuns(&error), 0); // nothing more on a second look
    }

    void exportsLongCsvAndJson() {
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        auto a = sampleRecord(QStringLiteral("a \"quoted\" name"));
        const auto b = sampleRecord(QStringLiteral("b"));
        QVERIFY(store.insertRun(a, &error) && store.insertRun(b, &error));
        QVERIFY(store.appendLosses(a.id, 0, {0.5, 0.1, std::nan("")}, &error));
        QVERIFY(store.appendLosses(b.id, 0, {0.75}, &error));
        const QString csv = dir_.filePath(QStringLiteral("e%1.csv").arg(serial_));
        QVERIFY2(exportRuns(store, {a.id, b.id}, csv, ExportFormat::Csv, &error),
                 qPrintable(error));
        QFile csvFile(csv);
        QVERIFY(csvFile.open(QIODevice::ReadOnly));
        const auto lines = csvFile.readAll().split('\n');
        QCOMPARE(lines.at(0), QByteArray("run_id,run_name,epoch,loss"));
        QCOMPARE(lines.at(1), a.id.toUtf8() + ",\"a \"\"quoted\"\" name\",0,0.5");
        QCOMPARE(lines.at(2).split(',').last(), QByteArray("0.1"));
        QCOMPARE(lines.at(3).split(',').last(), QByteArray("nan"));
        QCOMPARE(lines.at(4), b.id.toUtf8() + ",\"b\",0,0.75");

        const QString json = dir_.filePath(QStringLiteral("e%1.json").arg(serial_));
        QVERIFY(exportRuns(store, {b.id, a.id}, json, ExportFormat::Json, &error));
        QFile jsonFile(json);
        QVERIFY(jsonFile.open(QIODevice::ReadOnly));
        const auto runs = QJsonDocument::fromJson(jsonFile.readAll()).array();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(runs.at(0)["id"].toString(), b.id);
        QCOMPARE(runs.at(1)["loss_history"].toArray().size(), 3);
        QVERIFY(runs.at(1)["loss_history"].toArray().at(2).isNull());
        QCOMPARE(runs.at(1)["config"]["model"]["kind"].toString(), QString("interference"));
        QCOMPARE(runs.at(1)["tags"].toArray().size(), 2);
    }

    void theClientBatchesLossesAndKeepsOrder() {
        RunRecord r = sampleRecord(QStringLiteral("client"));
        std::vector<double> all;
        {
            StoreClient client(location_, /*batchMs=*/60'000); // no timed batch in this test
            QSignalSpy changed(&client, &StoreClient::changed);
            client.insertRun(r);
            for (int batch = 0; batch < 50; ++batch) {
                std::vector<double> losses(20);
                for (int i = 0; i < 20; ++i) {
                    losses[size_t(i)] = 1.0 / (1.0 + batch * 20 + i);
                }
                client.appendLosses(r.id, qint64(all.size()), losses);
                all.insert(all.end(), losses.begin(), losses.end());
            }
            r.status = RecordStatus::Finished;
            r.epochsDone = qint64(all.size());
            client.updateRun(r); // written after the losses sent before it
            QVERIFY(client.flush());
            QTRY_VERIFY(changed.count() > 0);
            QVERIFY(!client.hasProblem());
        }
        RunStore store;
        QString error;
        QVERIFY(store.open(location_, &error));
        QVERIFY(sameBits(*store.lossHistory(r.id, &error), all));
        QCOMPARE(store.loadRun(r.id, &error)->status, RecordStatus::Finished);
        Raw raw(*this, QStringLiteral("chunks"));
        QSqlQuery q(raw.db());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM loss_chunks")) && q.next());
        QVERIFY2(q.value(0).toInt() <= 2, qPrintable(q.value(0).toString())); // merged, not 50
    }

    void theClientAnswersReadsOnItsThread() {
        const auto r = sampleRecord(QStringLiteral("read back"));
        StoreClient client(location_);
        client.insertRun(r);
        client.appendLosses(r.id, 0, {0.5, 0.25});
        QSignalSpy listed(&client, &StoreClient::listed);
        QSignalSpy loaded(&client, &StoreClient::runLoaded);
        client.requestList();
        client.requestRun(r.id); // sees the batch not yet written
        QTRY_COMPARE(listed.count(), 1);
        QTRY_COMPARE(loaded.count(), 1);
        QCOMPARE(listed.at(0).at(0).value<std::vector<RunRecord>>().size(), size_t(1));
        QCOMPARE(loaded.at(0).at(0).value<LoadedRun>().losses, (std::vector<double>{0.5, 0.25}));
    }

    void aRefusedWriteDoesNotHoldBackTheOthers() {
        const auto first = sampleRecord(QStringLiteral("first"));
        const auto second = sampleRecord(QStringLiteral("second"));
        StoreClient client(location_, /*batchMs=*/60'000);
        QSignalSpy problem(&client, &StoreClient::problem);
        client.insertRun(first);
        client.insertRun(first); // the same id again: the database refuses it
        client.insertRun(second);
        client.appendLosses(second.id, 0, {0.5, 0.25});
        client.flush();
        QTRY_VERIFY(problem.count() > 0);
        QVERIFY2(problem.last().at(0).toString().contains("refused and dropped"),
                 qPrintable(problem.last().at(0).toString()));
        QVERIFY(client.flush()); // later batches are healthy again
        expectRunsAndLosses(location_, 2, second.id, 2);
    }

    void theClientKeepsWritesUntilTheStoreWorks() {
        if (!sqlite()) {
            QSKIP("PostgreSQL's own outage: test_store_faults stops a real server mid-run");
        }
        // The store's folder cannot be made: a file stands where it should be.
        const QString blocked = dir_.filePath(QStringLiteral("blocked%1").arg(serial_));
        QFile blocker(blocked);
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        StoreLocation location = location_;
        location.path = blocked + QStringLiteral("/runs.sqlite");
        const auto r = sampleRecord(QStringLiteral("written late"));
        StoreClient client(location);
        QSignalSpy problem(&client, &StoreClient::problem);
        QSignalSpy healthy(&client, &StoreClient::healthy);
        client.insertRun(r);
        client.appendLosses(r.id, 0, {0.5, 0.25, 0.125});
        QVERIFY(!client.flush());
        QTRY_VERIFY(problem.count() > 0);
        QVERIFY2(client.problemText().contains(location.path.section(u'/', 0, -2)),
                 qPrintable(client.problemText()));

        QVERIFY(QFile::remove(blocked)); // the user mends it
        QVERIFY(client.flush());
        QTRY_COMPARE(healthy.count(), 1);
        RunStore store;
        QString error;
        QVERIFY(store.open(location, &error));
        QCOMPARE(store.lossHistory(r.id, &error)->size(), size_t(3)); // nothing was dropped
    }

    void aDamagedFileIsNamedNotUsed() {
        if (!sqlite()) {
            QSKIP("file damage is SQLite's");
        }
        QString error;
        QDir().mkpath(QFileInfo(location_.path).absolutePath());
        QFile garbage(location_.path);
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write(QByteArray(8192, '\x5a'));
        garbage.close();
        RunStore store;
        QVERIFY(!store.open(location_, &error));
        QVERIFY2(error.contains(location_.path) && error.contains("not a database"),
                 qPrintable(error));
        QCOMPARE(QFileInfo(location_.path).size(), qint64(8192)); // left as it was

        // A store truncated halfway through is refused with a reason too.
        StoreLocation good = location_;
        good.path += QStringLiteral(".good");
        {
            RunStore filled;
            QVERIFY(filled.open(good, &error));
            for (int i = 0; i < 50; ++i) {
                const auto r = sampleRecord(QStringLiteral("run %1").arg(i));
                QVERIFY(filled.insertRun(r, &error));
                QVERIFY(filled.appendLosses(r.id, 0, std::vector<double>(500, 0.5), &error));
            }
        }
        QFile truncated(good.path);
        QVERIFY(truncated.resize(truncated.size() / 2));
        // Whatever step reaches the missing half fails with the reason.
        RunStore broken;
        bool readAll = broken.open(good, &error);
        const auto runs = readAll ? broken.listRuns(&error) : std::nullopt;
        readAll = readAll && runs;
        for (size_t i = 0; readAll && i < runs->size(); ++i) {
            const auto losses = broken.lossHistory(runs->at(i).id, &error);
            readAll = losses && losses->size() == 500;
        }
        QVERIFY2(!readAll, "half a database must not read as if whole");
        QVERIFY2(error.contains("malformed") || error.contains("not a database") ||
                     error.contains("corrupt"),
                 qPrintable(error));
    }

    void aFullDiskKeepsWritesUntilThereIsRoom() {
        if (!sqlite()) {
            QSKIP("a full disk is tested on SQLite's file");
        }
        SmallFileSystem disk(dir_.filePath(QStringLiteral("full%1").arg(serial_)),
                             QStringLiteral("1m"));
        if (!disk.mounted()) {
            QSKIP("cannot mount a small tmpfs here (needs root)");
        }
        const StoreLocation location = disk.store();
        // Most of the room goes to a file the test can free later.
        QFile filler(QFileInfo(location.path).dir().filePath(QStringLiteral("filler")));
        QVERIFY(filler.open(QIODevice::WriteOnly));
        filler.write(QByteArray(700 * 1024, 'f'));
        filler.close();

        const auto r = sampleRecord(QStringLiteral("fills the disk"));
        StoreClient client(location, /*batchMs=*/60'000);
        QSignalSpy problem(&client, &StoreClient::problem);
        client.insertRun(r);
        std::vector<double> all;
        bool full = false;
        for (int batch = 0; batch < 100 && !full; ++batch) { // 40 KiB a batch
            std::vector<double> losses(5000, 1.0 / (batch + 1));
            client.appendLosses(r.id, qint64(all.size()), losses);
            all.insert(all.end(), losses.begin(), losses.end());
            full = !client.flush();
        }
        QVERIFY2(full, "the store never filled the 1 MiB file system");
        QTRY_VERIFY(client.hasProblem());
        QVERIFY2(client.problemText().contains("full"), qPrintable(client.problemText()));

        QVERIFY(filler.remove()); // room again: what was held reaches the store
        QVERIFY2(client.flush(), qPrintable(client.problemText()));
        RunStore store;
        QString error;
        QVERIFY2(store.open(location, &error), qPrintable(error));
        QVERIFY(sameBits(*store.lossHistory(r.id, &error), all)); // nothing lost, in order
        Raw raw(*this, QStringLiteral("integrity"), location.path);
        QSqlQuery q(raw.db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QString("ok"));
    }

    void aReadOnlyStoreSaysSoAndCatchesUp() {
        if (!sqlite()) {
            QSKIP("a read-only file system is tested on SQLite's file");
        }
        SmallFileSystem disk(dir_.filePath(QStringLiteral("ro%1").arg(serial_)),
                             QStringLiteral("4m"));
        if (!disk.mounted()) {
            QSKIP("cannot mount a small tmpfs here (needs root)");
        }
        const StoreLocation location = disk.store();
        const auto before = sampleRecord(QStringLiteral("written before"));
        {
            RunStore store;
            QString error;
            QVERIFY(store.open(location, &error));
            QVERIFY(store.insertRun(before, &error));
        }
        QVERIFY(disk.setReadOnly(true));
        const auto during = sampleRecord(QStringLiteral("trained while read-only"));
        {
            StoreClient client(location, /*batchMs=*/60'000);
            client.insertRun(during);
            client.appendLosses(during.id, 0, {0.5, 0.25});
            QVERIFY(!client.flush());
            QTRY_VERIFY(client.hasProblem());
            QVERIFY2(client.problemText().contains(location.path) &&
                         (client.problemText().contains("readonly") ||
                          client.problemText().contains("read-only") ||
                          client.problemText().contains("unable to open")),
                     qPrintable(client.problemText()));
            QVERIFY(disk.setReadOnly(false)); // writable again before the client ends
            QVERIFY2(client.flush(), qPrintable(client.problemText()));
        }
        expectRunsAndLosses(location, 2, during.id, 2);
    }

    void aLockedStoreWaitsThenSaysSo() {
        if (!sqlite()) {
            QSKIP("file locks are SQLite's");
        }
        QString error;
        RunStore store;
        QVERIFY(store.open(location_, &error));
        Raw locker(*this, QStringLiteral("locker"));
        QSqlQuery lock(locker.db());
        QVERIFY(lock.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        QElapsedTimer waited;
        waited.start();
        QVERIFY(!store.insertRun(sampleRecord(QStringLiteral("blocked")), &error));
        QVERIFY2(error.contains("locked"), qPrintable(error));
        QVERIFY(waited.elapsed() >= 4000); // it waited for the lock first
        QVERIFY(lock.exec(QStringLiteral("COMMIT")));
        QVERIFY(store.insertRun(sampleRecord(QStringLiteral("after")), &error));
    }
};

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("test_run_store"));
    qRegisterMetaType<std::vector<RunRecord>>();
    qRegisterMetaType<std::vector<double>>();
    int failures = 0;
    {
        TestRunStore sqlite;
        failures += QTest::qExec(&sqlite, argc, argv);
    }
    PostgresServer server;
    QString why;
    if (!server.start(&why)) {
        const bool required = qEnvironmentVariable("CI") == QLatin1String("true");
        std::fprintf(stderr, "%s: PostgreSQL pass %s: %s\n", argv[0],
                     required ? "FAILED (required in CI)" : "skipped", qPrintable(why));
        return failures + (required ? 1 : 0);
    }
    std::fprintf(stderr, "PostgreSQL pass on %s\n", qPrintable(server.url()));
    TestRunStore postgres(server.url());
    failures += QTest::qExec(&postgres, argc, argv);
    return failures;
}

#include "test_run_store.moc"
