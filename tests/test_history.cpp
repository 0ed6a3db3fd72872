// The run store as a user of the window meets it, driven through the real
// widgets offscreen: runs survive closing the window, the History panel
// filters, shows stored runs in the plot, compares, edits and deletes; a store
// that fails leaves training going with a visible warning; the window and two
// `train` processes write into one SQLite file at once and lose nothing.
// Waits on conditions with timeouts; never sleeps for timing.
//
// Threads and ThreadSanitizer: the window, its StoreClient thread and the
// runs' worker threads meet only through queued signals and calls (see
// test_run_store); the other writers here are separate processes, which SQLite
// serialises with its file locks.

#include "ChangeMarks.h"
#include "CompareDialog.h"
#include "ExperimentForm.h"
#include "ForkDialog.h"
#include "GroupsPanel.h"
#include "HistoryModel.h"
#include "HistoryPanel.h"
#include "InsightServer.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "ParallelCoordinates.h"
#include "PredictionView.h"
#include "QCustomPlotInclude.h"
#include "RunStore.h"
#include "RunsModel.h"
#include "ScratchFolder.h"
#include "ScriptedField.h"
#include "SearchDialog.h"
#include "SearchSummary.h"
#include "ServerPanel.h"
#include "StoreClient.h"
#include "SweepDialog.h"
#include "SweepPanel.h"
#include "SweepProcess.h"
#include "SweepQueue.h"
#include "SweepRecords.h"
#include "WindowTestHelpers.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QFileDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTableWidgetItem>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <map>
#include <set>

using namespace dredge;

namespace {

// A finished run written straight into a store, as an earlier session left it.
RunRecord storeRun(RunStore& store, const QString& name, double lr, uint64_t seed,
                   std::vector<double> losses) {
    ExperimentConfig config;
    config.train.learningRate = lr;
    config.train.seed = seed;
    config.train.epochs = int64_t(losses.size());
    auto r = newRunRecord(config, name);
    r.status = RecordStatus::Finished;
    r.epochsDone = int64_t(losses.size());
    r.finalLoss = losses.back();
    r.bestLoss = *std::min_element(losses.begin(), losses.end());
    QString error;
    if (!store.insertRun(r, &error) || !store.appendLosses(r.id, 0, losses, &error)) {
        qWarning("cannot seed the store: %s", qPrintable(error));
    }
    return r;
}

struct SeededRun {
    QString name;
    double lr;
    uint64_t seed;
    std::vector<double> losses;
};

// A new store at `url` holding these finished runs, returned in order.
std::vector<RunRecord> storeRuns(const QString& url, const std::vector<SeededRun>& runs) {
    RunStore store;
    QString error;
    std::vector<RunRecord> records;
    if (!store.open(*parseStoreUrl(url, &error), &error)) {
        qWarning("cannot open the store: %s", qPrintable(error));
        return records;
    }
    for (const auto& run : runs) {
        records.push_back(storeRun(store, run.name, run.lr, run.seed, run.losses));
    }
    return records;
}

int shownRows(MainWindow& w) {
    return w.historyPanel()->shownModel()->rowCount();
}

void selectRows(MainWindow& w, const QList<int>& rows) {
    auto* table = w.historyPanel()->table();
    table->clearSelection();
    for (int row : rows) {
        table->selectionModel()->select(table->model()->index(row, 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
}

// The shown row whose name is `name`, or -1.
int rowNamed(MainWindow& w, const QString& name) {
    auto* model = w.historyPanel()->shownModel();
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, HistoryModel::Name).data(Qt::EditRole).toString() == name) {
            return row;
        }
    }
    return -1;
}

// The search space of sweep `sweepId` in the store at `url`.
QString searchSpaceOf(const QString& url, const QString& sweepId) {
    RunStore store;
    QString error;
    const auto summary = store.open(*parseStoreUrl(url, &error), &error)
                             ? searchSummary(store, sweepId, &error)
                             : std::nullopt;
    return summary ? summary->space : QString();
}

// Every run the store at `url` holds (none when it cannot be read).
std::vector<RunRecord> storedRuns(const QString& url) {
    RunStore store;
    QString error;
    const auto runs =
        store.open(*parseStoreUrl(url, &error), &error) ? store.listRuns(&error) : std::nullopt;
    return runs ? *runs : std::vector<RunRecord>{};
}

} // namespace

class TestHistory : public QObject {
    Q_OBJECT

private:
    ScratchFolder dir_;
    static StoreLocation locationOf(const QString& url) {
        QString error;
        return *parseStoreUrl(url, &error);
    }

private Q_SLOTS:
    void runsSurviveClosingTheWindow() {
        const QString url = dir_.freshStore();
        std::vector<double> trained;
        QString name;
        {
            MainWindow w(false, url);
            w.show();
            setEpochs(w, 300);
            w.startAction()->trigger();
            const auto* e = w.runs()->entryAt(0);
            QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
            trained = e->losses();
            name = e->name();
            QVERIFY(!w.store()->hasProblem());
        } // the window closes
        MainWindow reopened(false, url);
        reopened.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(reopened), 1, kTimeoutMs);
        const auto& r = reopened.historyPanel()->model()->runs().front();
        QCOMPARE(r.name, name);
        QCOMPARE(r.status, RecordStatus::Finished);
        QCOMPARE(r.epochsDone, qint64(300));
        QCOMPARE(r.finalLoss, trained.back());
        QCOMPARE(r.parameters, qint64(145));
        QCOMPARE(r.dataFingerprint.size(), 64);
        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        QCOMPARE(*store.lossHistory(r.id, &error), trained); // every epoch, exact
        // The parameters of every epoch and of the end model, not predictions.
        QVERIFY(store.snapshots(r.id, &error)->empty());
        const auto kept = store.parameterFrames(r.id, &error);
        QCOMPARE(kept->size(), size_t(301));
        QCOMPARE(kept->width, int64_t(145));
        QCOMPARE(kept->epochs.back(), int64_t(300));
    }

    // A shell reaches a run training in the window through the store: the
    // change applies, the window journals and marks it, and stopping from
    // the shell ends it, recorded as a stop. The answer reaches the shell
    // from the training thread, even while the window's thread is busy.
    void aShellChangesARunTrainingInTheWindow() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        w.show();
        setEpochs(w, 50'000'000);
        w.startAction()->trigger();
        const int id = w.runs()->entryAt(0)->id;
        QString recordId;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                RunStore store;
                QString error;
                auto runs =
                    store.open(locationOf(url), &error) ? store.listRuns(&error) : std::nullopt;
                if (runs && runs->size() == 1 && runs->front().status == RecordStatus::Running) {
                    recordId = runs->front().id;
                }
                return !recordId.isEmpty();
            }(),
            kTimeoutMs);
        // Blocking here keeps the window's thread busy: the answer does not need it.
        QProcess shell;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_STORE"), url);
        shell.setProcessEnvironment(environment);
        shell.start(QStringLiteral(DREDGE_STUDIO_EXE), {"runs", "set", recordId, "lr=0.004"});
        QVERIFY(shell.waitForFinished(60000));
        QVERIFY2(shell.exitCode() == 0, shell.readAllStandardError().constData());
        QTRY_COMPARE_WITH_TIMEOUT(w.runs()->entry(id)->journal().size(), size_t(1), kTimeoutMs);
        QCOMPARE(w.runs()->entry(id)->journal().front().source, ChangeSource::Shell);
        QCOMPARE(w.runs()->entry(id)->currentConfig().train.learningRate, 0.004);
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->changeMarks(id), 1, kTimeoutMs);

        shell.start(QStringLiteral(DREDGE_STUDIO_EXE), {"runs", "stop", recordId});
        QVERIFY(shell.waitForFinished(60000));
        QVERIFY2(shell.exitCode() == 0, shell.readAllStandardError().constData());
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(id)->ended(), kTimeoutMs);
        QCOMPARE(w.runs()->entry(id)->record.status, RecordStatus::Stopped);
        const auto& journal = w.runs()->entry(id)->journal();
        QCOMPARE(journal.back().action, ChangeAction::Stop);
        QCOMPARE(journal.back().source, ChangeSource::Shell);
    }

    // A window run keeps checkpoints (every N epochs and where it ended) and,
    // ended by a stop rule, its last epoch's parameters; the CLI resumes it.
    void windowRunsKeepCheckpointsToResumeFrom() {
        const QString url = dir_.freshStore();
        QString id;
        std::vector<double> trained;
        {
            MainWindow w(false, url);
            auto c = w.form()->config();
            c.train.epochs = 5000;
            c.train.checkpointEvery = 40;
            c.train.stop.targetLoss = 0.1; // reached after some 100 epochs
            w.form()->setConfig(c);
            w.startAction()->trigger();
            const auto* e = w.runs()->entryAt(0);
            QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
            QVERIFY(w.store()->flush());
            id = e->record.id;
            trained = e->losses();
        }
        const auto done = qint64(trained.size());
        QVERIFY(done > 40 && done < 5000);
        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        std::vector<qint64> expected;
        for (qint64 e = 40; e < done; e += 40) {
            expected.push_back(e);
        }
        expected.push_back(done);
        // And one at the best loss, as it was before that epoch's update.
        const auto best =
            qint64(std::min_element(trained.begin(), trained.end()) - trained.begin());
        if (std::find(expected.begin(), expected.end(), best) == expected.end()) {
            expected.push_back(best);
            std::sort(expected.begin(), expected.end());
        }
        QCOMPARE(*store.checkpointEpochs(id, &error), expected);
        const auto kept = store.parameterFrames(id, &error);
        QCOMPARE(kept->epochs.back(), done); // the end model, after the last epoch
        QCOMPARE(kept->epochs[kept->size() - 2], done - 1);

        // Resumed from its first checkpoint with the same settings, it ends
        // where the window's run ended, with the same history.
        const auto out = dir_.filePath(QStringLiteral("from-window.json"));
        QProcess resume;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_STORE"), url);
        resume.setProcessEnvironment(environment);
        resume.start(QStringLiteral(DREDGE_STUDIO_EXE),
                     {"train", "--resume", id + "@40", "--out", out});
        QVERIFY(resume.waitForFinished(120000));
        QCOMPARE(resume.exitCode(), 0);
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto history =
            QJsonDocument::fromJson(file.readAll())["result"]["loss_history"].toArray();
        QCOMPARE(history.size(), qsizetype(done));
        QCOMPARE(history.last().toDouble(), trained.back());
    }

    // Fork from a checkpoint in the window: the fork starts with its parent's
    // history up to the checkpoint, is linked to it, and without changed
    // settings repeats it bit for bit; with a new rate it goes its own way.
    // The epoch slider replays a run's kept parameters, live runs included:
    // every epoch exact on every point, its MSE the loss there; play walks
    // through them; a stored run brings its own, and a store's predictions
    // from before version 6 still show.
    void theEpochSliderReplaysKeptParameters() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        const auto* e = trainToEnd(w, 300);
        QVERIFY(e);
        auto* view = w.predictionView();
        view->showRun(e->id);
        QCOMPARE(e->parameters().size(), size_t(301));
        auto* slider = view->epochSlider();
        QCOMPARE(slider->minimum(), 0);
        QCOMPARE(slider->maximum(), 300); // the end model
        QCOMPARE(slider->value(), slider->maximum());
        for (int epoch : {0, 150, 299}) {
            slider->setValue(epoch);
            const auto* p = e->replayed(size_t(epoch));
            QVERIFY(p);
            QCOMPARE(view->linePlot()->graph(1)->data()->at(5)->value, double(p->values[5]));
            QVERIFY2(view->titleText().contains(QStringLiteral("epoch %1").arg(epoch + 1)),
                     qPrintable(view->titleText()));
            const double loss = e->losses()[size_t(epoch)];
            QVERIFY(std::abs(p->mse - loss) <= 1e-6 * loss);
        }
        slider->setValue(slider->maximum() - 3); // play goes on from here to the end
        view->playButton()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(!view->playButton()->isChecked(), kTimeoutMs);
        QCOMPARE(slider->value(), slider->maximum());

        // A second run on the same data, selected too: drawn over the first
        // at the same epoch.
        auto faster = w.form()->config();
        faster.train.learningRate = 1e-2;
        w.form()->setConfig(faster);
        w.startAction()->trigger();
        const auto* other = w.runs()->entryAt(1);
        QTRY_VERIFY_WITH_TIMEOUT(other->ended(), kTimeoutMs);
        view->showRun(e->id);
        view->setComparedRuns({other->id});
        slider->setValue(2);
        const auto* overlay = view->comparedGraphOf(other->id);
        QVERIFY(overlay);
        QCOMPARE(overlay->data()->at(5)->value, double(other->replayed(2)->values[5]));
        QCOMPARE(overlay->pen().color(), other->color);
        view->setComparedRuns({});
        QVERIFY(!view->comparedGraphOf(other->id));

        // A stored run's kept predictions from before version 6, on every 2nd
        // point: the others are gaps, and the MSE is over the points kept.
        LoadedRun stored;
        stored.record = e->record;
        stored.record.id = QStringLiteral("another");
        stored.losses = e->losses();
        std::vector<float> half;
        for (size_t i = 0; i < e->data()->targets.size(); i += 2) {
            half.push_back(e->data()->targets[i] + 0.5f);
        }
        stored.snapshots = {StoredSnapshot{7, 2, half}};
        stored.record.dataFingerprint = e->record.dataFingerprint;
        const int id = w.runs()->addStoredRun(stored);
        QCOMPARE(w.runs()->entry(id)->snapshots.size(), size_t(1));
        QVERIFY(w.runs()->entry(id)->data()); // its data made again, the same
        view->showRun(id);
        QCOMPARE(slider->maximum(), 0); // no latest: it ends on its kept one
        const auto* drawn = view->linePlot()->graph(1)->data().data();
        QCOMPARE(drawn->at(2)->value, double(half[1]));
        QVERIFY(std::isnan(drawn->at(3)->value));
        QVERIFY2(view->titleText().contains("MSE 0.25"), qPrintable(view->titleText()));

        // The store gives back every kept frame, bit for bit.
        QVERIFY(w.store()->flush());
        QSignalSpy loaded(w.store(), &StoreClient::runLoaded);
        w.store()->requestRun(e->record.id);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kTimeoutMs);
        const auto back = loaded.at(0).at(0).value<LoadedRun>();
        QCOMPARE(back.parameters.epochs, e->parameters().epochs);
        QCOMPARE(back.parameters.values, e->parameters().values);
    }

    // Triggers `action`, picks the dialog's `typeIndex`-th filter and `path`,
    // and returns the store's answer (path, what was written, error).
    static QList<QVariant> exportThroughDialog(QAction* action, QSignalSpy& exported,
                                               const QString& path, int typeIndex) {
        QTimer::singleShot(0, [path, typeIndex] {
            auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            dialog->selectNameFilter(dialog->nameFilters().value(typeIndex));
            dialog->selectFile(path);
            static_cast<QDialog*>(dialog)->accept(); // (protected in QFileDialog)
        });
        action->trigger();
        if (!QTest::qWaitFor([&] { return !exported.isEmpty(); }, kTimeoutMs)) {
            return {path, QString(), QStringLiteral("none")}; // the caller's checks say what
        }
        return exported.takeFirst();
    }

    // File → Export field…: an image run's field drawn afresh at twice its
    // size (the field is continuous), at the epoch the slider shows; the same
    // picture `runs export --png --scale 2` draws. A run on the chirp has no
    // field to export.
    void exportFieldDrawsAPictureAtTwiceItsSize() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        trainToEnd(w, 5);
        QVERIFY(!w.exportFieldAction()->isEnabled()); // the chirp
        QImage image(10, 6, QImage::Format_Grayscale8);
        for (int y = 0; y < 6; ++y) {
            for (int x = 0; x < 10; ++x) {
                image.setPixel(x, y, qRgb(x * 25, x * 25, x * 25));
            }
        }
        const QString picture = dir_.filePath(QStringLiteral("ramp.png"));
        QVERIFY(image.save(picture));
        w.form()->setConfig(sirenOnFile(w, DataKind::Image, picture, 8));
        const auto* e = trainToEnd(w, 30, 1);
        QVERIFY(e);
        w.runsTable()->selectRow(1);
        QVERIFY(w.exportFieldAction()->isEnabled());
        w.predictionView()->epochSlider()->setValue(10);
        QSignalSpy exported(w.store(), &StoreClient::modelExported);
        const auto path = dir_.filePath(QStringLiteral("ramp-2x.png"));
        const auto answer = exportThroughDialog(w.exportFieldAction(), exported, path, 1);
        QVERIFY2(answer.at(2).toString().isEmpty(), qPrintable(answer.at(2).toString()));
        QVERIFY2(answer.at(1).toString().contains(QStringLiteral("at epoch 10 drawn at 20×12")),
                 qPrintable(answer.at(1).toString()));
        const QImage drawn(path);
        QCOMPARE(drawn.size(), QSize(20, 12));
        QVERIFY(drawn.isGrayscale());
        const auto fourTimes = exportThroughDialog(w.exportFieldAction(), exported,
                                                   dir_.filePath(QStringLiteral("x.png")), 2);
        QVERIFY2(fourTimes.at(1).toString().contains(QStringLiteral("drawn at 40×24")),
                 qPrintable(fourTimes.at(1).toString()));
    }

    // File → Export model (TorchScript)…: the selected run at the epoch the
    // slider shows, written by the store's thread; the module predicts what
    // the window replays at that epoch. At the slider's end, the end model.
    void exportModelWritesTheEpochTheSliderShows() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        const auto* e = trainToEnd(w, 100);
        QVERIFY(e);
        QVERIFY(w.exportModelAction()->isEnabled()); // the run just started is selected
        auto* slider = w.predictionView()->epochSlider();
        QSignalSpy exported(w.store(), &StoreClient::modelExported);
        const auto exportTo = [&](const QString& path, int typeIndex) {
            return exportThroughDialog(w.exportModelAction(), exported, path, typeIndex);
        };
        slider->setValue(40);
        const auto at40 = dir_.filePath(QStringLiteral("at40.pt"));
        const auto answer = exportTo(at40, 0);
        QVERIFY2(answer.at(2).toString().isEmpty(), qPrintable(answer.at(2).toString()));
        QVERIFY2(answer.at(1).toString().contains("at epoch 40 written to"),
                 qPrintable(answer.at(1).toString()));
        QVERIFY(w.statusBar()->currentMessage().contains("at epoch 40"));
        const ScriptedField module(at40.toStdString());
        const auto predicted = module.predict(e->data()->coords);
        const auto& replayed = e->replayed(40)->values;
        QCOMPARE(predicted.size(), replayed.size());
        double difference = 0, norm = 0;
        for (size_t i = 0; i < predicted.size(); ++i) {
            difference += std::pow(double(predicted[i]) - replayed[i], 2);
            norm += double(replayed[i]) * replayed[i];
        }
        QVERIFY2(std::sqrt(difference / norm) <= 1e-6, qPrintable(QString::number(difference)));

        slider->setValue(slider->maximum());
        const auto end = exportTo(dir_.filePath(QStringLiteral("end.pt")), 1); // INT8
        QVERIFY2(end.at(1).toString().contains("the end model (after 100 epochs)"),
                 qPrintable(end.at(1).toString()));
        QVERIFY(end.at(1).toString().contains("INT8"));
    }

    // The window's insight server reads the window's store: /predict answers
    // with the run just trained, at a kept epoch, what the window replays.
    void theWindowsServerPredictsFromItsStore() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        const auto* e = trainToEnd(w, 50);
        QVERIFY(e);
        w.serverPanel()->portBox()->setValue(0); // any free port
        QSignalSpy listening(w.server(), &InsightServer::listening);
        w.serverPanel()->toggleButton()->click();
        QVERIFY(!listening.isEmpty() || listening.wait(kTimeoutMs));
        const auto port = listening.at(0).at(1).value<quint16>();
        const auto& coords = e->data()->coords;
        QJsonArray points;
        for (int i = 0; i < 5; ++i) {
            points.append(QJsonArray{coords[size_t(100 * i)]});
        }
        const QJsonObject body{{"run", e->record.id.left(8)}, {"epoch", 20}, {"points", points}};
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/predict").arg(port)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        QNetworkAccessManager nam;
        auto* reply = nam.post(request, QJsonDocument(body).toJson());
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || done.wait(kTimeoutMs));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const auto values = QJsonDocument::fromJson(reply->readAll())["values"].toArray();
        reply->deleteLater();
        QCOMPARE(values.size(), 5);
        const auto* replayed = e->replayed(20);
        QVERIFY(replayed);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(float(values[i].toArray().at(0).toDouble()),
                     replayed->values[size_t(100 * i)]);
        }
    }

    void forksGoOnFromACheckpoint() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        auto c = w.form()->config();
        c.train.epochs = 60;
        c.train.checkpointEvery = 20;
        w.form()->setConfig(c);
        w.startAction()->trigger();
        const int parentId = w.runs()->entryAt(0)->id;
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(parentId)->ended(), kTimeoutMs);
        QVERIFY(w.store()->flush());
        const auto parentLosses = w.runs()->entry(parentId)->losses();

        QString error;
        // The checkpoint is read on the store's thread; the fork starts when it comes.
        const auto fork = [&w](int parent, qint64 epoch, const ExperimentConfig& config) {
            QSignalSpy started(&w, &MainWindow::forkStarted);
            QSignalSpy failed(&w, &MainWindow::forkFailed);
            const QString problem = w.forkRun(parent, epoch, config);
            if (!problem.isEmpty()) {
                return std::pair(0, problem);
            }
            if (!QTest::qWaitFor([&] { return started.size() + failed.size() > 0; }, kTimeoutMs)) {
                return std::pair(0, QStringLiteral("no answer from the store"));
            }
            return started.isEmpty() ? std::pair(0, failed.front().front().toString())
                                     : std::pair(started.front().front().toInt(), QString());
        };
        int same = 0;
        std::tie(same, error) = fork(parentId, 45, c); // the last checkpoint before: 40
        QVERIFY2(same != 0, qPrintable(error));
        QCOMPARE(w.runs()->entry(same)->losses().size(), size_t(40)); // its parent's start
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(same)->ended(), kTimeoutMs);
        QCOMPARE(w.runs()->entry(same)->losses(), parentLosses);
        QCOMPARE(w.runs()->entry(same)->record.parentId, w.runs()->entry(parentId)->record.id);
        QCOMPARE(w.runs()->entry(same)->record.forkEpoch, qint64(40));
        // Its curve starts at epoch 40: its parent's curve draws the epochs before.
        const auto* drawn = w.lossPlot()->graphOf(same);
        QTRY_COMPARE(drawn->data()->size(), 20);
        QCOMPARE(drawn->data()->begin()->key, 40.0);

        auto faster = c;
        faster.train.learningRate = 1e-2;
        faster.train.epochs = 80;
        int other = 0;
        std::tie(other, error) = fork(parentId, 20, faster);
        QVERIFY2(other != 0, qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(other)->ended(), kTimeoutMs);
        const auto& forked = w.runs()->entry(other)->losses();
        QCOMPARE(forked.size(), size_t(80));
        QVERIFY(std::equal(forked.begin(), forked.begin() + 21, parentLosses.begin()));
        QVERIFY(forked[21] != parentLosses[21]); // epoch 21 trained at the new rate
        QVERIFY(w.store()->flush());
        RunStore store;
        QVERIFY(store.open(locationOf(url), &error));
        QCOMPARE(*store.lossHistory(w.runs()->entry(other)->record.id, &error), forked);
        QCOMPARE(store.loadRun(w.runs()->entry(other)->record.id, &error)->forkEpoch, qint64(20));

        auto bigger = c;
        bigger.model.waves = 8;
        int refused = -1;
        std::tie(refused, error) = fork(parentId, 40, bigger);
        QCOMPARE(refused, 0);
        QVERIFY(error.contains("keeps its parent's data and model"));

        // The dialog offers the checkpoints and the training settings only.
        ForkDialog dialog(QStringLiteral("parent"), c, {20, 40, 60}, 40);
        QCOMPARE(dialog.checkpointEpoch(), qint64(40));
        dialog.form()->field<QLineEdit>("lr")->setText(QStringLiteral("3e-3"));
        QString problem;
        QCOMPARE(dialog.config(&problem).train.learningRate, 3e-3);
        QVERIFY(problem.isEmpty());
        dialog.checkpointBox()->setCurrentIndex(2); // after epoch 60, the run's end
        QCOMPARE(dialog.config(&problem).train.epochs, int64_t(120)); // as many again
        QVERIFY(problem.isEmpty());
    }

    // Double-clicking a stored run's name shows the run (as the guide says);
    // F2 renames it.
    void doubleClickShowsARunAndF2RenamesIt() {
        const QString url = dir_.freshStore();
        QCOMPARE(storeRuns(url, {{"stored", 1e-3, 0, {0.5, 0.25}}}).size(), size_t(1));
        MainWindow w(false, url);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 1, kTimeoutMs);
        auto* table = w.historyPanel()->table();
        const auto name = table->model()->index(0, HistoryModel::Name);
        const QPoint at = table->visualRect(name).center();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, at);
        const auto editing = [table] {
            const auto* editor = table->viewport()->findChild<QLineEdit*>();
            return editor && editor->isVisible();
        };
        QVERIFY(!editing());
        QTRY_COMPARE_WITH_TIMEOUT(w.runs()->rowCount(), 1, kTimeoutMs); // shown in the plot
        table->setCurrentIndex(name);
        QTest::keyClick(table, Qt::Key_F2);
        QTRY_VERIFY(editing());
    }

    // A sweep's runs are queued in one moment: sorted by when they were
    // made, they keep their task order (not a jumble of equal keys).
    void runsMadeInOneMomentSortInTaskOrder() {
        const QString url = dir_.freshStore();
        {
            RunStore store;
            QString error;
            QVERIFY(store.open(locationOf(url), &error));
            const auto moment = QDateTime::currentDateTimeUtc();
            for (int task : {2, 0, 3, 1}) {
                auto r = newRunRecord(ExperimentConfig{}, QStringLiteral("task %1").arg(task));
                r.created = moment;
                r.sweepTask = task;
                QVERIFY2(store.insertRun(r, &error), qPrintable(error));
            }
        }
        MainWindow w(false, url);
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 4, kTimeoutMs);
        w.historyPanel()->table()->sortByColumn(HistoryModel::Created, Qt::AscendingOrder);
        for (int task = 0; task < 4; ++task) {
            QCOMPARE(rowNamed(w, QStringLiteral("task %1").arg(task)), task);
        }
        w.historyPanel()->table()->sortByColumn(HistoryModel::Created, Qt::DescendingOrder);
        QCOMPARE(rowNamed(w, QStringLiteral("task 3")), 0);
    }

    void filterSortAndShowStoredRunsInThePlot() {
        const QString url = dir_.freshStore();
        const auto stored = storeRuns(url, {{"slow lr", 1e-4, 0, {0.5, 0.4, 0.3}},
                                            {"fast lr", 1e-2, 1, {0.5, 0.1, 0.01, 0.001}},
                                            {"other", 1e-3, 2, {0.2}}});
        QCOMPARE(stored.size(), size_t(3));
        const RunRecord& fast = stored[1];
        MainWindow w(false, url);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 3, kTimeoutMs);
        QVERIFY(w.historyPanel()->statusLabel()->text().contains("3 of 3 runs"));

        QTest::keyClicks(w.historyPanel()->filterBox(), "lr");
        QCOMPARE(shownRows(w), 2);
        // Sorting by final loss puts the fast run first.
        w.historyPanel()->table()->sortByColumn(HistoryModel::FinalLoss, Qt::AscendingOrder);
        QCOMPARE(rowNamed(w, "fast lr"), 0);

        selectRows(w, {0, 1});
        QVERIFY(w.historyPanel()->showInPlotAction()->isEnabled());
        w.historyPanel()->showInPlotAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.runs()->rowCount(), 2, kTimeoutMs);
        const int id = w.runs()->idOfStored(fast.id);
        QVERIFY(id > 0);
        QCOMPARE(w.runs()->entry(id)->losses(), (std::vector<double>{0.5, 0.1, 0.01, 0.001}));
        QCOMPARE(w.runs()->entry(id)->statusText(), QString("finished"));
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->graphOf(id)->dataCount(), 4, kTimeoutMs);
        // Asked again, a shown run keeps its one row.
        QSignalSpy loaded(w.store(), &StoreClient::runLoaded);
        w.historyPanel()->showInPlotAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, kTimeoutMs);
        QCOMPARE(w.runs()->rowCount(), 2);

        w.historyPanel()->filterBox()->clear();
        QCOMPARE(shownRows(w), 3);
    }

    // A run an asha sweep pruned at a rung: faded in the plot beside the
    // runs that went on, with a "✕" mark where it stopped.
    void aPrunedRunIsFadedAndMarkedWhereItStopped() {
        const QString url = dir_.freshStore();
        auto stored = storeRuns(
            url, {{"went on", 1e-2, 0, {0.5, 0.1, 0.05, 0.01}}, {"pruned", 1e-4, 1, {0.5, 0.45}}});
        QCOMPARE(stored.size(), size_t(2));
        {
            RunStore store;
            QString error;
            QVERIFY(store.open(*parseStoreUrl(url, &error), &error));
            stored[1].status = RecordStatus::Pruned;
            stored[1].epochsDone = 2;
            QVERIFY2(store.updateRun(stored[1], &error), qPrintable(error));
            SettingChange stop;
            stop.action = ChangeAction::Stop;
            stop.source = ChangeSource::Sweep;
            stop.state = ChangeState::Applied;
            stop.epoch = 2;
            QVERIFY2(store.recordChange(stored[1].id, stop, &error), qPrintable(error));
            QCOMPARE(shortChangeText(stop), QStringLiteral("✕"));
            // Both were judged at rung 1; the pruned one at rung 2 too. Runs
            // are judged within their sweep, which the store must hold.
            QString why;
            SweepSpec spec;
            spec.name = QStringLiteral("rungs");
            const auto sweep = newSweepRecord(spec, 2);
            QVERIFY2(store.insertSweep(sweep, &error), qPrintable(error));
            const SuccessiveHalving halving{1, 3.0, SeedObjective::Mean};
            for (const auto& [run, rung, loss] :
                 {std::tuple{0, 1, 0.1}, {1, 1, 0.45}, {1, 2, 0.45}}) {
                const RunStore::RungArrival arrival{
                    sweep.id, 0, rung, stored[size_t(run)].id, QString::number(run), loss};
                QVERIFY2(store.reachRung(arrival, halving, &error), qPrintable(error));
            }
        }
        MainWindow w(false, url);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 2, kTimeoutMs);
        selectRows(w, {0, 1});
        w.historyPanel()->showInPlotAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.runs()->rowCount(), 2, kTimeoutMs);
        const int pruned = w.runs()->idOfStored(stored[1].id);
        const int wentOn = w.runs()->idOfStored(stored[0].id);
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->graphOf(pruned)->dataCount(), 2, kTimeoutMs);
        QCOMPARE(w.runs()->entry(pruned)->statusText(), QString("pruned"));
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->changeMarks(pruned), 1, kTimeoutMs);
        w.lossPlot()->highlight(wentOn); // a highlighted run is never faded
        QVERIFY(w.lossPlot()->graphOf(pruned)->pen().color().alpha() < 255);
        QCOMPARE(w.lossPlot()->graphOf(wentOn)->pen().color().alpha(), 255);
        // The rungs the runs were judged at, as vertical lines; the wall-clock
        // axis, where runs do not share an x, has none.
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->rungLines(), (std::vector<qint64>{1, 2}),
                                  kTimeoutMs);
        w.lossPlot()->setXAxis(LossAxisX::WallClock);
        QTRY_VERIFY_WITH_TIMEOUT(w.lossPlot()->rungLines().empty(), kTimeoutMs);
        w.lossPlot()->setXAxis(LossAxisX::Epoch);

        // The builder opens an adaptive file: its mode and its keys.
        SweepDialog dialog(ExperimentConfig{}, 1);
        QString error;
        QVERIFY2(dialog.openFile(QFINDTESTDATA("../resources/presets/chirp-tuning.json"), &error),
                 qPrintable(error));
        QCOMPARE(dialog.modeBox()->currentData().toString(), QStringLiteral("asha"));
        QCOMPARE(dialog.methodBox()->text(), // the file's keys, in the file format's names
                 QStringLiteral("min_epochs=20, objective=mean, reduction=3"));
        QVERIFY(dialog.startButton()->isEnabled());
    }

    // An adaptive sweep from the window: the builder takes the mode's keys
    // (checked as the file's are), and the window runs `dredge-studio sweep`
    // on its store, its progress in the Sweeps panel and its runs in the
    // store; Cancel stops a sweep as Ctrl+C does (its runs recorded as
    // stopped), and a pbt population trains all at once.
    void anAdaptiveSweepRunsFromTheWindowAndStopsAsCtrlCDoes() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        w.setCommandPath(QStringLiteral(DREDGE_STUDIO_EXE));
        SweepDialog dialog(ExperimentConfig{}, 2);
        dialog.modeBox()->setCurrentIndex(dialog.modeBox()->findData(QStringLiteral("asha")));
        QCOMPARE(dialog.methodBox()->text(),
                 QStringLiteral("min_epochs=20, reduction=3, objective=mean"));
        dialog.setAxis(0, QStringLiteral("lr"), QStringLiteral("0.0001, 0.001, 0.01"));
        dialog.seedsBox()->setText(QStringLiteral("0"));
        dialog.methodBox()->setText(QStringLiteral("min_epochs=5, reduction=1"));
        QVERIFY(!dialog.startButton()->isEnabled());
        QVERIFY2(dialog.countLabel()->text().contains("(η) must be a number above 1"),
                 qPrintable(dialog.countLabel()->text()));
        dialog.methodBox()->setText(QStringLiteral("min_epochs=5, reduction=3"));
        QVERIFY(dialog.startButton()->isEnabled());
        QString error;
        auto spec = dialog.spec(&error);
        QVERIFY2(spec, qPrintable(error));
        spec->base.train.epochs = 30;
        auto* asha = w.startAdaptiveSweep(*spec, 2, &error);
        QVERIFY2(asha, qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(asha->state() != SweepProcess::State::Running, 120000);
        QVERIFY2(asha->state() == SweepProcess::State::Done, qPrintable(asha->problem()));
        auto* table = w.sweepPanel()->table();
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("3 / 3"));
        QCOMPARE(table->item(0, 4)->text(), QStringLiteral("done"));
        const auto runs = storedRuns(url);
        QCOMPARE(runs.size(), size_t(3));
        for (const auto& r : runs) {
            QVERIFY(r.status == RecordStatus::Finished || r.status == RecordStatus::Pruned);
            QVERIFY(r.tags.contains(QStringLiteral("asha")));
        }

        // A long pbt population of two: both run at once; Cancel stops it.
        dialog.modeBox()->setCurrentIndex(dialog.modeBox()->findData(QStringLiteral("pbt")));
        QVERIFY(!dialog.jobsBox()->isEnabled()); // a population trains at once
        dialog.methodBox()->setText(QStringLiteral("population=2, interval=100000"));
        spec = dialog.spec(&error);
        QVERIFY2(spec, qPrintable(error));
        spec->base.train.epochs = 1'000'000;
        auto* pbt = w.startAdaptiveSweep(*spec, 1, &error);
        QVERIFY2(pbt, qPrintable(error));
        const auto training = [&url] {
            const auto all = storedRuns(url);
            return std::count_if(all.begin(), all.end(), [](const RunRecord& r) {
                return r.status == RecordStatus::Running && r.epochsDone > 0;
            });
        };
        QTRY_COMPARE_WITH_TIMEOUT(training(), 2, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(pbt->running(), 2, 10000);
        table->selectRow(1);
        QVERIFY(w.sweepPanel()->cancelButton()->isEnabled());
        w.sweepPanel()->cancelButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(pbt->state() != SweepProcess::State::Running, 60000);
        QCOMPARE(pbt->state(), SweepProcess::State::Stopped);
        QVERIFY2(table->item(1, 4)->text().startsWith(QStringLiteral("stopped")),
                 qPrintable(table->item(1, 4)->text()));
        int stopped = 0;
        for (const auto& r : storedRuns(url)) {
            stopped += r.status == RecordStatus::Stopped && r.tags.contains(QStringLiteral("pbt"));
        }
        QCOMPARE(stopped, 2);
    }

    // The search view: a stored 2 × 3 grid sweep whose loss falls with lr
    // only. History's Search view (enabled for sweep runs only) draws the
    // best so far against epochs trained, stepping where it improved, and
    // bars of what mattered: lr all of it, waves none.
    void theSearchViewShowsTheBestSoFarAndWhatMattered() {
        const QString url = dir_.freshStore();
        QString error;
        SweepSpec spec;
        spec.name = QStringLiteral("view");
        spec.base.train.epochs = 40;
        spec.axes = {SweepAxis{"lr", {QJsonValue(1e-3), QJsonValue(3e-3)}},
                     SweepAxis{"waves", {QJsonValue(8), QJsonValue(16), QJsonValue(32)}}};
        const auto tasks = expandSweep(spec, &error);
        QVERIFY2(tasks, qPrintable(error));
        const auto sweep = newSweepRecord(spec, int(tasks->size()));
        {
            RunStore store;
            QVERIFY(store.open(*parseStoreUrl(url, &error), &error));
            QVERIFY2(store.insertSweep(sweep, &error), qPrintable(error));
            const auto start = QDateTime::currentDateTimeUtc();
            for (const auto& task : *tasks) { // worse first, so the best steps down
                auto record = queuedRun(sweep, task);
                record.status = RecordStatus::Finished;
                record.epochsDone = 40;
                record.finalLoss = task.config.train.learningRate > 2e-3 ? 0.01 : 0.1;
                record.bestLoss = record.finalLoss;
                record.ended = start.addSecs(task.index);
                QVERIFY2(store.insertRun(record, &error), qPrintable(error));
            }
        }
        storeRuns(url, {{"not of a sweep", 1e-3, 0, {0.5, 0.4}}});
        MainWindow w(false, url);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 7, kTimeoutMs);
        auto* search = w.historyPanel()->searchAction();
        selectRows(w, {rowNamed(w, "not of a sweep")});
        QVERIFY(!search->isEnabled());
        selectRows(w, {0, 1, 2, 3, 4, 5, 6});
        QVERIFY(search->isEnabled());
        search->trigger();
        auto* dialog = w.historyPanel()->findChild<SearchDialog*>();
        QVERIFY(dialog);
        QTRY_COMPARE_WITH_TIMEOUT(dialog->searches(), 1, kTimeoutMs);
        auto* progress = dialog->progressPlot()->graph(0);
        QCOMPARE(progress->dataCount(), 3); // 0.1 after 40, 0.01 after 160, held to 240
        QCOMPARE(progress->data()->at(0)->key, 40.0);
        QCOMPARE(progress->data()->at(1)->value, 0.01);
        QCOMPARE(progress->data()->at(2)->key, 240.0);
        QVERIFY2(progress->name().contains("6 settings complete, 240 epochs (100 %"),
                 qPrintable(progress->name()));
        auto* bars = qobject_cast<QCPBars*>(dialog->importancePlot()->plottable(0));
        QVERIFY(bars);
        QCOMPARE(bars->dataCount(), 2);
        QVERIFY(std::abs(bars->data()->at(0)->value - 1.0) < 1e-9); // lr
        QVERIFY(std::abs(bars->data()->at(1)->value) < 1e-9);       // waves
        // The same space searched with another search seed: its shares
        // pooled in a note, ± their spread across the search seeds.
        SearchSummary again;
        again.sweepId = QStringLiteral("another");
        again.name = QStringLiteral("view, search seed 2");
        again.space = QStringLiteral("{}");
        again.importance = {{"lr", 0.8, 0.0, 1}, {"waves", 0.2, 0.0, 1}};
        dialog->addSearch(again);
        QVERIFY2(!dialog->notes().contains("Across"), qPrintable(dialog->notes())); // other space
        again.sweepId = QStringLiteral("again");
        again.space = searchSpaceOf(url, sweep.id);
        dialog->addSearch(again);
        QVERIFY2(dialog->notes().contains("Across 2 searches of one space (view, view, search seed "
                                          "2), mean ± std over their search seeds: lr 90 % ± 14 %, "
                                          "waves 10 % ± 14 %."),
                 qPrintable(dialog->notes()));
        dialog->close();
    }

    // Issue 26 #13: a run shown again from History keeps the colour it had
    // live; runs that differ only in grid differ in name.
    void aRunKeepsItsColourAndRunsOfOtherGridsTheirNames() {
        const QString url = dir_.freshStore();
        QString storedId, storedName;
        QColor live;
        {
            MainWindow w(false, url);
            setEpochs(w, 30);
            // Two runs first, so that the third's colour is not the first by chance.
            for (int i = 0; i < 3; ++i) {
                w.startAction()->trigger();
            }
            const auto* e = w.runs()->entryAt(2);
            QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
            QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(0)->ended() && w.runs()->entryAt(1)->ended(),
                                     kTimeoutMs);
            storedId = e->record.id;
            storedName = e->name();
            live = e->color;
            QVERIFY(w.store()->flush());
        }
        MainWindow w(false, url);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 3, kTimeoutMs);
        const int row = rowNamed(w, storedName);
        QVERIFY(row >= 0);
        selectRows(w, {row});
        w.historyPanel()->showInPlotAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->idOfStored(storedId) > 0, kTimeoutMs);
        QCOMPARE(w.runs()->entry(w.runs()->idOfStored(storedId))->color, live);

        ExperimentConfig coarse, fine;
        coarse.data.kind = fine.data.kind = DataKind::Volume4d;
        coarse.data.grid = 12;
        fine.data.grid = 20;
        QVERIFY(describe(coarse) != describe(fine));
        QVERIFY(describe(fine).contains("grid 20"));
    }

    void compareShowsTheSettingsThatDiffer() {
        const QString url = dir_.freshStore();
        QCOMPARE(storeRuns(url, {{"a", 1e-3, 0, {0.5}}, {"b", 1e-3, 7, {0.25}}}).size(), size_t(2));
        MainWindow w(false, url);
        w.show();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 2, kTimeoutMs);
        selectRows(w, {0, 1});
        w.historyPanel()->compareAction()->trigger();
        auto* dialog = w.historyPanel()->findChild<CompareDialog*>();
        QVERIFY(dialog);
        auto* table = dialog->table();
        QCOMPARE(table->columnCount(), 2);
        const auto rowOf = [table](const QString& key) {
            for (int row = 0; row < table->rowCount(); ++row) {
                if (table->verticalHeaderItem(row)->text() == key) {
                    return row;
                }
            }
            return -1;
        };
        // Labelled as the form labels them (issue 26 #7), not "config.train.seed".
        const int seed = rowOf("Seed"), lr = rowOf("Learning rate");
        const int finalLoss = rowOf("Final loss"), id = rowOf("Id"), created = rowOf("Created");
        QVERIFY(seed >= 0 && lr >= 0 && finalLoss >= 0 && id >= 0 && created >= 0);
        QCOMPARE(rowOf("Grid size"), -1); // no chirp run has one
        QVERIFY(dialog->differencesOnly()->isChecked());
        QVERIFY(!table->isRowHidden(seed));
        QVERIFY(table->isRowHidden(lr));                                // the same in both
        QVERIFY(table->isRowHidden(id) && table->isRowHidden(created)); // always differ
        QCOMPARE(QSet<QString>({table->item(seed, 0)->text(), table->item(seed, 1)->text()}),
                 QSet<QString>({"0", "7"}));
        QCOMPARE(
            QSet<QString>({table->item(finalLoss, 0)->text(), table->item(finalLoss, 1)->text()}),
            QSet<QString>({"0.5", "0.25"}));
        QCOMPARE(table->item(seed, 0)->background().color(), QColor(255, 236, 179));
        QCOMPARE(table->item(lr, 0)->background().style(), Qt::NoBrush);
        dialog->differencesOnly()->click();
        QVERIFY(!table->isRowHidden(lr));
        QVERIFY(!table->isRowHidden(id));
        // Both runs' loss curves, overlaid below the table.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->plot()->graph(0)->dataCount() == 1 &&
                                     dialog->plot()->graph(1)->dataCount() == 1,
                                 kTimeoutMs);
        dialog->close();
    }

    void editsAndDeletesReachTheStore() {
        const QString url = dir_.freshStore();
        const auto stored = storeRuns(url, {{"keep", 1e-3, 0, {0.5}}, {"gone", 1e-3, 1, {0.25}}});
        QCOMPARE(stored.size(), size_t(2));
        const RunRecord &keep = stored[0], &gone = stored[1];
        MainWindow w(false, url);
        w.show();
        auto* panel = w.historyPanel();
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 2, kTimeoutMs);

        // Rename in the table, as a user double-clicks and types.
        const auto nameIndex = panel->shownModel()->index(rowNamed(w, "keep"), HistoryModel::Name);
        QVERIFY(panel->shownModel()->setData(nameIndex, "kept, renamed", Qt::EditRole));
        selectRows(w, {rowNamed(w, "kept, renamed")});
        panel->starAction()->trigger();
        panel->setTagsOfSelected({"best", "chirp"});
        panel->setNotesOfSelected("converges by epoch 1");
        panel->archiveAction()->trigger();
        QCOMPARE(shownRows(w), 1); // archived runs hide…
        panel->archivedBox()->click();
        QCOMPARE(shownRows(w), 2); // …until asked for

        // Delete asks first: answer Yes in the question box.
        selectRows(w, {rowNamed(w, "gone")});
        QTimer::singleShot(0, [] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            QVERIFY(box);
            QVERIFY(box->text().contains("1 run"));
            box->button(QMessageBox::Yes)->click();
        });
        panel->deleteAction()->trigger();
        QCOMPARE(shownRows(w), 1);
        QVERIFY(w.store()->flush());

        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(1));
        const auto& r = runs->front();
        QCOMPARE(r.id, keep.id);
        QCOMPARE(r.name, QString("kept, renamed"));
        QVERIFY(r.starred && r.archived);
        QCOMPARE(r.tags, (QStringList{"best", "chirp"}));
        QCOMPARE(r.notes, QString("converges by epoch 1"));
        QVERIFY(!store.loadRun(gone.id, &error));
    }

    void renamingInTheRunsTableKeepsTagsAndNotes() {
        const QString url = dir_.freshStore();
        RunRecord tagged;
        {
            RunStore store;
            QString error;
            QVERIFY(store.open(locationOf(url), &error));
            tagged = storeRun(store, QStringLiteral("before"), 1e-3, 0, {0.5, 0.25});
            tagged.tags = QStringList{QStringLiteral("keep")};
            tagged.notes = QStringLiteral("a note");
            QVERIFY(store.updateUserFields(tagged, &error));
        }
        MainWindow w(false, url);
        w.show();
        auto record = tagged;
        record.tags.clear(); // what a record from before the tagging holds
        record.notes.clear();
        const int id = showStored(w, record, {0.5, 0.25});
        const auto nameIndex = w.runs()->index(w.runs()->rowOf(id), RunsModel::Name);
        QVERIFY(w.runs()->setData(nameIndex, "after", Qt::EditRole));
        QVERIFY(w.store()->flush());
        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        const auto back = store.loadRun(tagged.id, &error);
        QCOMPARE(back->name, QString("after"));
        QCOMPARE(back->tags, QStringList{"keep"});
        QCOMPARE(back->notes, QString("a note"));
    }

    void aFailingStoreWarnsAndTrainingGoesOn() {
        const QString blocked = dir_.filePath(QStringLiteral("blocked"));
        QFile blocker(blocked);
        QVERIFY(blocker.open(QIODevice::WriteOnly)); // a file where the store's folder must go
        blocker.close();
        MainWindow w(false, QStringLiteral("sqlite:") + blocked + QStringLiteral("/runs.sqlite"));
        w.show();
        setEpochs(w, 200);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
        QCOMPARE(e->record.status, RecordStatus::Finished); // trained all the same
        QCOMPARE(e->losses().size(), size_t(200));
        auto* warning = w.findChild<QLabel*>("storeWarning");
        QTRY_VERIFY_WITH_TIMEOUT(warning->isVisible(), kTimeoutMs);
        QVERIFY(warning->toolTip().contains(blocked));
        QVERIFY(w.historyPanel()->statusLabel()->text().contains("kept in memory"));

        // Mended, the run held in memory reaches the store.
        QVERIFY(QFile::remove(blocked));
        QVERIFY(w.store()->flush());
        QTRY_VERIFY_WITH_TIMEOUT(!warning->isVisible(), kTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(shownRows(w), 1, kTimeoutMs);
        QCOMPARE(w.historyPanel()->model()->runs().front().status, RecordStatus::Finished);
    }

    void closingMidRunRecordsItStopped() {
        const QString url = dir_.freshStore();
        qint64 done = 0;
        {
            MainWindow w(false, url);
            w.show();
            setEpochs(w, 50'000'000);
            w.startAction()->trigger();
            const auto* e = w.runs()->entryAt(0);
            QTRY_VERIFY_WITH_TIMEOUT(e->losses().size() > 100, kTimeoutMs);
            QVERIFY(w.close());
        }
        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(1));
        QCOMPARE(runs->front().status, RecordStatus::Stopped);
        done = runs->front().epochsDone;
        QVERIFY(done > 100);
        QCOMPARE(qint64(store.lossHistory(runs->front().id, &error)->size()), done);
    }

    void aSweepFromTheBuilderRunsAtMostJobsAtOnce() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        w.show();
        setEpochs(w, 400);
        int live = 0, mostLive = 0;
        connect(w.runs(), &RunsModel::runChanged, this, [&] {
            live = 0;
            for (const auto& e : w.runs()->entries()) {
                live += e->isLive();
            }
            mostLive = std::max(mostLive, live);
        });
        // The builder, as a user fills it: 2 learning rates × seeds 0-2, 2 at once.
        QTimer::singleShot(0, [] {
            auto* dialog = qobject_cast<SweepDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog);
            dialog->nameBox()->setText("lr sweep");
            dialog->setAxis(0, "lr", "0.001, 0.003");
            dialog->seedsBox()->setText("0-2");
            dialog->jobsBox()->setValue(2);
            QCOMPARE(dialog->countLabel()->text(), QString("Starts 6 runs."));
            dialog->setAxis(1, "waves", "0"); // an impossible run: refused, named
            QVERIFY(!dialog->startButton()->isEnabled());
            QVERIFY(dialog->countLabel()->text().contains("task 0"));
            dialog->setAxis(1, "waves", "");
            QVERIFY(dialog->startButton()->isEnabled());
            dialog->startButton()->click();
        });
        w.newSweepAction()->trigger();
        auto* table = w.sweepPanel()->table();
        QTRY_COMPARE_WITH_TIMEOUT(table->rowCount(), 1, kTimeoutMs); // started from the loop
        QTRY_COMPARE_WITH_TIMEOUT(table->item(0, 1)->text(), QString("6 / 6"), kTimeoutMs);
        QCOMPARE(mostLive, 2); // two at once, never three
        QCOMPARE(w.runs()->rowCount(), 6);
        QVERIFY(w.store()->flush());

        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(6)); // the queued records, trained: no duplicates
        std::set<int> tasks;
        for (const auto& r : *runs) {
            QCOMPARE(r.status, RecordStatus::Finished);
            QCOMPARE(r.epochsDone, qint64(400));
            QVERIFY(r.name.startsWith("lr sweep #"));
            tasks.insert(r.sweepTask);
        }
        QCOMPARE(tasks.size(), size_t(6));
    }

    void seedGroupsDrawAsOneCurveWithABand() {
        MainWindow w(false);
        w.show();
        const std::vector<std::vector<double>> histories{{4, 2, 1}, {2, 4, 2}, {6, 3, 3}};
        std::vector<int> members;
        for (uint64_t seed = 0; seed < 3; ++seed) {
            ExperimentConfig config;
            config.train.seed = seed;
            auto r = newRunRecord(config, QString("seed %1").arg(seed));
            r.status = RecordStatus::Finished;
            r.finalLoss = r.bestLoss = histories[seed].back();
            members.push_back(showStored(w, r, histories[seed]));
        }
        ExperimentConfig other;
        other.train.learningRate = 0.01;
        auto lone = newRunRecord(other, "alone");
        lone.status = RecordStatus::Finished;
        lone.finalLoss = 5.0; // worse than the group's mean final loss, 2
        const int alone = showStored(w, lone, {1.0, 5.0});

        w.groupSeedsAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->groupGraphs().size(), size_t(1), kTimeoutMs);
        const auto& g = w.lossPlot()->groupGraphs().front();
        QCOMPARE(g.members, members);
        const auto at = [](QCPGraph* graph, int i) { return graph->data()->at(i)->value; };
        QCOMPARE(at(g.center, 0), 4.0); // mean of 4, 2, 6
        QCOMPARE(at(g.center, 1), 3.0);
        QCOMPARE(at(g.low, 0), 2.0); // min–max band
        QCOMPARE(at(g.high, 0), 6.0);
        QVERIFY(g.center->name().startsWith("mean of 3 seeds"));
        for (int id : members) {
            QVERIFY(!w.lossPlot()->graphOf(id)->visible()); // one curve, not three lines
        }
        QVERIFY(w.lossPlot()->graphOf(alone)->visible()); // a group of one stays a line

        // Another data set's run, with a lower loss: ranked among its own.
        ExperimentConfig volume;
        volume.data.kind = DataKind::Volume4d;
        auto elsewhere = newRunRecord(volume, "4-D");
        elsewhere.status = RecordStatus::Finished;
        elsewhere.finalLoss = elsewhere.bestLoss = 0.5;
        showStored(w, elsewhere, {1.0, 0.5});

        w.groupsPanel()->refresh();
        auto* table = w.groupsPanel()->table();
        QCOMPARE(table->rowCount(), 3);
        const auto cell = [table](int row, int column) { return table->item(row, column)->text(); };
        QCOMPARE(cell(0, 0), QString("chirp"));
        QCOMPARE(cell(0, 1), QString("lr=0.001")); // named by what differs in its data set
        QCOMPARE(cell(1, 1), QString("lr=0.01"));
        QCOMPARE(cell(0, 2), QString("3")); // best mean final loss first within the chirp
        QCOMPARE(cell(0, 3), QString("2 ± 1"));
        QCOMPARE(cell(1, 2), QString("1"));
        QCOMPARE(cell(1, 3), QString("5"));        // one run: no spread
        QCOMPARE(cell(2, 0), QString("volume4d")); // after the chirp's, though its loss is lower
        QCOMPARE(cell(2, 3), QString("0.5"));

        w.groupSeedsAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.lossPlot()->groupGraphs().empty(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(w.lossPlot()->graphOf(members[0])->visible(), kTimeoutMs);
    }

    void queuedRunsOfASweepComeBackAfterARestart() {
        const QString url = dir_.freshStore();
        {
            // What a window (or `sweep`) closed mid-sweep leaves: runs queued.
            SweepSpec spec;
            spec.name = "left over";
            spec.base.train.epochs = 150;
            spec.seeds = {0, 1, 2};
            QString error;
            const auto tasks = expandSweep(spec, &error);
            const auto sweep = newSweepRecord(spec, int(tasks->size()));
            RunStore store;
            QVERIFY(store.open(locationOf(url), &error));
            QVERIFY(store.insertSweep(sweep, &error));
            for (const auto& task : *tasks) {
                QVERIFY2(store.insertRun(queuedRun(sweep, task), &error), qPrintable(error));
            }
            // A tpe sweep's runs are left to `sweep`: their settings are not
            // proposed yet (and a window would train the base's).
            spec.mode = SweepMode::Tpe;
            spec.trials = 2;
            spec.axes = {SweepAxis{"lr", {}, true, 1e-4, 1e-2, true}};
            const auto trials = expandSweep(spec, &error);
            QVERIFY2(trials, qPrintable(error));
            const auto tpe = newSweepRecord(spec, int(trials->size()));
            QVERIFY(store.insertSweep(tpe, &error));
            for (const auto& task : *trials) {
                const auto record = queuedRun(tpe, task);
                QVERIFY(record.tags.contains("tpe"));
                QVERIFY2(store.insertRun(record, &error), qPrintable(error));
            }
        }
        MainWindow w(false, url);
        w.show();
        auto* table = w.sweepPanel()->table();
        QTRY_COMPARE_WITH_TIMEOUT(table->rowCount(), 1, kTimeoutMs);
        QCOMPARE(table->item(0, 0)->text(), QString("left over (queued earlier)"));
        QCOMPARE(table->item(0, 3)->text(), QString("3"));      // queued
        QCOMPARE(table->item(0, 4)->text(), QString("paused")); // until the user says
        QCOMPARE(w.runs()->rowCount(), 0);
        table->selectRow(0);
        w.sweepPanel()->resumeButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(table->item(0, 1)->text(), QString("3 / 3"), kTimeoutMs);
        QVERIFY(w.store()->flush());
        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(9)); // the queued records themselves, trained
        for (const auto& r : *runs) {
            const bool tpe = r.tags.contains("tpe"); // still queued, for `sweep`
            QCOMPARE(r.status, tpe ? RecordStatus::Queued : RecordStatus::Finished);
            QCOMPARE(r.epochsDone, qint64(tpe ? 0 : 150));
        }
    }

    void parallelCoordinatesPickRunsOut() {
        MainWindow w(false);
        w.show();
        std::map<int, double> lrOf;
        double final = 0.1;
        for (const char* model : {"wave-ensemble", "siren"}) {
            for (double lr : {1e-4, 1e-3, 1e-2}) {
                ExperimentConfig config;
                config.model.kind = *modelKindFromName(model);
                config.train.learningRate = lr;
                auto r = newRunRecord(config, QString("%1 %2").arg(model).arg(lr));
                r.status = RecordStatus::Finished;
                final /= 2;
                lrOf[showStored(w, r, {1.0, final})] = lr;
            }
        }
        auto* view = w.parallelCoordinates();
        view->refresh();
        const auto& axes = view->axes();
        QCOMPARE(int(axes.size()), 3); // the two settings that differ, then the final loss
        QCOMPARE(axes[0].name, QString("lr"));
        QVERIFY(axes[0].log); // a span of two decades
        QCOMPARE(axes[1].name, QString("model"));
        QVERIFY(axes[1].categorical);
        QCOMPARE(axes[1].categories, (QStringList{"siren", "wave-ensemble"}));
        QVERIFY(axes[2].log);

        QSignalSpy matched(view, &ParallelCoordinates::matchesChanged);
        view->setBrush(0, 0.0, 0.1); // the smallest learning rate
        QCOMPARE(matched.count(), 1);
        const auto ids = view->matches();
        QCOMPARE(ids.size(), size_t(2));
        for (int id : ids) {
            QCOMPARE(lrOf[id], 1e-4);
        }
        view->setBrush(1, 0.0, 0.0); // and only siren
        QCOMPARE(view->matches().size(), size_t(1));
        const int match = *view->matches().begin();
        // The match stands out in the loss plot and is selected in the table.
        QTRY_VERIFY_WITH_TIMEOUT(w.lossPlot()->graphOf(match)->pen().color().alpha() == 255,
                                 kTimeoutMs);
        for (const auto& [id, lr] : lrOf) {
            if (id != match) {
                QCOMPARE(w.lossPlot()->graphOf(id)->pen().color().alpha(), 40);
            }
        }
        QCOMPARE(w.selectedRun(), match);
        view->clearBrushes();
        QVERIFY(view->matches().empty());
        QCOMPARE(w.lossPlot()->graphOf(lrOf.begin()->first)->pen().color().alpha(), 255);
    }

    // Issue 26 #6: a run without a value on an axis crosses it at "n/a" and
    // its line goes on; whole numbers read whole; the loss axis ends at the
    // runs' own extremes; a brush fades the seed groups' curves too.
    void parallelCoordinatesKeepLinesWholeAndGroupsFade() {
        MainWindow w(false);
        w.show();
        ExperimentConfig chirp, volume;
        chirp.train.epochs = 1000;
        volume.data.kind = DataKind::Volume4d;
        volume.train.epochs = 2000;
        const auto shown = [&w](const ExperimentConfig& c, double final) {
            auto r = newRunRecord(c, QStringLiteral("run"));
            r.status = RecordStatus::Finished;
            r.finalLoss = r.bestLoss = final;
            return showStored(w, r, {1.0, final});
        };
        const int onChirp = shown(chirp, 0.5);
        volume.data.grid = 12;
        shown(volume, 0.05);
        volume.data.grid = 20; // two grids: a grid axis, which the chirp run lacks
        shown(volume, 0.1);
        auto* view = w.parallelCoordinates();
        view->refresh();
        const auto& axes = view->axes();
        const auto axisNamed = [&axes](const QString& name) {
            for (size_t a = 0; a < axes.size(); ++a) {
                if (axes[a].name == name) {
                    return int(a);
                }
            }
            return -1;
        };
        const int grid = axisNamed("grid"), epochs = axisNamed("epochs");
        QVERIFY(grid >= 0 && epochs >= 0);
        QVERIFY(axes[size_t(grid)].anyMissing);
        const auto line = view->lineOf(onChirp);
        QVERIFY(std::isfinite(line[size_t(grid)]) && line[size_t(grid)] < 0.0); // n/a, not a gap
        QCOMPARE(view->tickText(epochs, 0.0), QString("1000"));
        QCOMPARE(view->tickText(epochs, 1.0), QString("2000"));
        const int loss = int(axes.size()) - 1;
        QCOMPARE(view->tickText(loss, 0.0), QString("0.05"));
        QCOMPARE(view->tickText(loss, 1.0), QString("0.5"));

        // Two seeds of the chirp run form a group; keep only the 4-D runs.
        auto seed = chirp;
        seed.train.seed = 1;
        shown(seed, 0.4);
        w.groupSeedsAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->groupGraphs().size(), size_t(1), kTimeoutMs);
        view->refresh();
        view->setBrush(grid, 0.0, 1.0); // the runs with a grid: the 4-D ones
        QCOMPARE(view->matches().size(), size_t(2));
        QTRY_VERIFY_WITH_TIMEOUT(
            w.lossPlot()->groupGraphs().front().center->pen().color().alpha() == 40, kTimeoutMs);
        view->clearBrushes();
        QTRY_VERIFY_WITH_TIMEOUT(
            w.lossPlot()->groupGraphs().front().center->pen().color().alpha() == 255, kTimeoutMs);
    }

    void aSweepPausesAndCancels() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        w.show();
        setEpochs(w, 50'000'000);
        SweepSpec spec;
        spec.name = "long";
        spec.base = w.form()->config();
        spec.seeds = {0, 1, 2, 3};
        QString error;
        auto* queue = w.startSweep(spec, 1, &error);
        QVERIFY2(queue, qPrintable(error));
        QCOMPARE(queue->running(), 1);
        QCOMPARE(queue->queued(), 3);
        w.sweepPanel()->pauseButton()->click();
        QVERIFY(queue->isPaused());
        const int first = queue->runningRuns().front();
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(first)->losses().size() > 10, kTimeoutMs);
        w.sweepPanel()->cancelButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(queue->isFinished(), kTimeoutMs);
        QCOMPARE(queue->cancelled(), 3);
        QCOMPARE(w.runs()->rowCount(), 1); // paused: nothing more started
        QCOMPARE(w.runs()->entry(first)->record.status, RecordStatus::Stopped);
        QVERIFY(w.store()->flush());
        RunStore store;
        QVERIFY(store.open(locationOf(url), &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(4));
        for (const auto& r : *runs) {
            QCOMPARE(r.status, RecordStatus::Stopped); // none left queued forever
        }
    }

    void theWindowAndTwoTrainCommandsShareOneStore() {
        const QString url = dir_.freshStore();
        MainWindow w(false, url);
        w.show();
        setEpochs(w, 3000);
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("DREDGE_STORE", url);
        QProcess trains[2];
        for (int i = 0; i < 2; ++i) {
            trains[i].setProcessEnvironment(environment);
            trains[i].start(QStringLiteral(DREDGE_STUDIO_EXE),
                            {"train", "--epochs", "3000", "--seed", QString::number(10 + i),
                             "--name", QStringLiteral("cli %1").arg(i), "--out",
                             dir_.filePath(QStringLiteral("cli%1.json").arg(i))});
        }
        w.startAction()->trigger();
        w.startAction()->trigger();
        for (auto& train : trains) {
            QVERIFY(train.waitForFinished(kTimeoutMs));
            QCOMPARE(train.exitCode(), 0);
        }
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(0)->ended() && w.runs()->entryAt(1)->ended(),
                                 kTimeoutMs);
        QVERIFY(w.store()->flush());

        RunStore store;
        QString error;
        QVERIFY(store.open(locationOf(url), &error));
        const auto runs = store.listRuns(&error);
        QCOMPARE(runs->size(), size_t(4));
        for (const auto& r : *runs) {
            QCOMPARE(r.status, RecordStatus::Finished);
            QCOMPARE(r.epochsDone, qint64(3000));
            const auto losses = store.lossHistory(r.id, &error);
            QVERIFY2(losses, qPrintable(error));
            QCOMPARE(losses->size(), size_t(3000));
            QCOMPARE(losses->back(), r.finalLoss);
        }
        // The CLI's result names its stored run.
        QFile result(dir_.filePath("cli0.json"));
        QVERIFY(result.open(QIODevice::ReadOnly));
        const auto json = QJsonDocument::fromJson(result.readAll()).object();
        QVERIFY(json["stored"].toBool());
        QCOMPARE(store.loadRun(json["run_id"].toString(), &error)->name, QString("cli 0"));
    }
};

QTEST_MAIN(TestHistory)
#include "test_history.moc"
