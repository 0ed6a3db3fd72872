// The main window driven through its real widgets, offscreen: the AMP and clip
// toggles reach the started run, runs plot live, pause / resume / stop, the
// server toggle serves HTTP, and experiments round-trip through files. Waits
// on conditions with timeouts; never sleeps for timing.
//
// Threads and ThreadSanitizer: the window's runs and its insight server work on
// QThreads and reach the widgets by queued signals (not checkable with
// Debian's Qt under TSan); their shared state outside Qt is checked by
// test_training_run_threads and test_insight_threads.

#include "DataFingerprint.h"
#include "DecadeTicker.h"
#include "ExperimentForm.h"
#include "ExperimentJson.h"
#include "FitFigures.h"
#include "GradientNormPlot.h"
#include "GridSliceView.h"
#include "ImageFieldView.h"
#include "InsightServer.h"
#include "LossPlot.h"
#include "LossPlotBar.h"
#include "LossSmoothing.h"
#include "MainWindow.h"
#include "ModelInspector.h"
#include "ParameterReplay.h"
#include "PlotFiles.h"
#include "PredictionView.h"
#include "QCustomPlotInclude.h"
#include "RunsModel.h"
#include "ScratchFolder.h"
#include "ServerPanel.h"
#include "Settings.h"
#include "SpectrogramView.h"
#include "StoreClient.h"
#include "WindowTestHelpers.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSet>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QXmlStreamReader>
#include <QtTest>

using namespace dredge;

namespace {

// A mono 16-bit WAV file of `seconds` of a sine of `hertz` at half scale.
bool writeSineWav(const QString& path, int rate, double hertz, double seconds) {
    const auto frames = quint32(seconds * rate);
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setByteOrder(QDataStream::LittleEndian);
    out.writeRawData("RIFF", 4);
    out << quint32(36 + 2 * frames);
    out.writeRawData("WAVEfmt ", 8);
    out << quint32(16) << quint16(1) << quint16(1) << quint32(rate) << quint32(2 * rate)
        << quint16(2) << quint16(16);
    out.writeRawData("data", 4);
    out << quint32(2 * frames);
    for (quint32 i = 0; i < frames; ++i) {
        out << qint16(std::lround(16383.0 * std::sin(2.0 * M_PI * hertz * i / rate)));
    }
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

int pointsOf(MainWindow& w, int id) {
    auto* graph = w.lossPlot()->graphOf(id);
    return graph ? graph->dataCount() : -1;
}

QByteArray configJson(const ExperimentConfig& c) {
    return QJsonDocument(toJson(c)).toJson(QJsonDocument::Compact);
}

// Trains the form's 50-epoch run and finds its companion curve (validation
// or averaged) once drawn: one point an epoch, the last the run's own.
void trainAndFindCompanion(MainWindow& w, QCPGraph* (LossPlot::*graphOf)(int) const,
                           const std::vector<double>& (RunEntry::*losses)() const,
                           const QCPGraph** found) {
    w.startAction()->trigger();
    const auto* e = w.runs()->entryAt(0);
    QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
    QCOMPARE((e->*losses)().size(), size_t(50));
    QTRY_VERIFY((w.lossPlot()->*graphOf)(e->id) != nullptr);
    const auto* graph = (w.lossPlot()->*graphOf)(e->id);
    QTRY_COMPARE(graph->data()->size(), 50);
    QCOMPARE(graph->data()->at(49)->value, (e->*losses)().back());
    *found = graph;
}

// Trains `config` in the window and waits for its end (null when it did
// not end in time).
const RunEntry* trainToTheEnd(MainWindow& w, const ExperimentConfig& config) {
    w.form()->setConfig(config);
    w.startAction()->trigger();
    const auto* e = w.runs()->entryAt(w.runs()->rowCount() - 1);
    return QTest::qWaitFor([e] { return e->ended(); }, kTimeoutMs) ? e : nullptr;
}

// A wave ensemble on the 6-D grid, trained to its end.
const RunEntry* trainHyperGrid(MainWindow& w, int grid, int waves, int64_t epochs) {
    auto c = w.form()->config();
    c.data = DataConfig{};
    c.data.kind = DataKind::Hyper6d;
    c.data.grid = grid;
    c.model.waves = waves;
    c.train.epochs = epochs;
    return trainToTheEnd(w, c);
}

// The inspector brought to the front, looking inside `e`'s model (null when
// it did not show).
ModelInspector* inspectorShowing(MainWindow& w, const RunEntry& e) {
    auto* inspector = w.modelInspector();
    if (!w.raisePanel(QStringLiteral("inspector")).isEmpty() ||
        !QTest::qWaitFor([inspector] { return inspector->isVisible(); })) {
        return nullptr;
    }
    w.predictionView()->showRun(e.id);
    return inspector;
}

} // namespace

class TestGui : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ampAndClipTogglesReachTheRun() {
        MainWindow w(false);
        w.show();
        setEpochs(w, 200);
        QVERIFY(!w.form()->field<QCheckBox>("amp")->isChecked());
        QTest::mouseClick(w.form()->field<QCheckBox>("amp"), Qt::LeftButton, {}, QPoint(5, 5));
        QTest::mouseClick(w.form()->field<QCheckBox>("clip"), Qt::LeftButton, {}, QPoint(5, 5));
        QVERIFY(w.form()->field<QLineEdit>("clip-max-norm")->isVisibleTo(w.form()));
        w.form()->field<QLineEdit>("clip-max-norm")->setText("0.25");
        w.startAction()->trigger();
        QCOMPARE(w.runs()->rowCount(), 1);
        const auto* run = w.runs()->entryAt(0);
        QVERIFY(run->config().train.mixedPrecision);
        QVERIFY(run->config().train.clipGradients);
        QCOMPARE(run->config().train.clipMaxNorm, 0.25);
        QCOMPARE(run->run->config().train.mixedPrecision, true); // what the worker received
        QCOMPARE(w.runs()->data(w.runs()->index(0, RunsModel::Amp), Qt::DisplayRole).toString(),
                 QString("on"));
        // The kernel it runs (issue 26 #4): on the CPU, AMP keeps the fused
        // kernel, which rounds as autocast does (issue 29); only CUDA's AMP
        // runs the composed ops, and the tooltip says so there.
        const auto kernel = w.runs()->index(0, RunsModel::Kernel);
        QCOMPARE(w.runs()->data(kernel, Qt::DisplayRole).toString(), QString("fused"));
        QVERIFY(w.runs()->data(kernel, Qt::ToolTipRole).toString().isEmpty());
        // The prediction's title says why its MSE and the AMP run's loss differ (#12).
        QTRY_VERIFY_WITH_TIMEOUT(run->ended(), kTimeoutMs);
        const auto* title = w.predictionView()->findChild<QLabel*>("predictionTitle");
        QTRY_VERIFY_WITH_TIMEOUT(title->toolTip().contains("bfloat16 autocast"), kTimeoutMs);
        // Untick AMP: the next run gets it off, the first keeps its settings.
        QTest::mouseClick(w.form()->field<QCheckBox>("amp"), Qt::LeftButton, {}, QPoint(5, 5));
        w.startAction()->trigger();
        QVERIFY(!w.runs()->entryAt(1)->config().train.mixedPrecision);
        QVERIFY(w.runs()->entryAt(0)->config().train.mixedPrecision);
    }

    // SIREN's AMP on a CPU without bfloat16 dot products is slower and less
    // precise (issue 29): the form says so under its fields before the run,
    // and says nothing where the CPU has them or the model is another.
    void sirenAmpNoteNamesWhatTheCpuLacks() {
        MainWindow w(false);
        w.show();
        setEpochs(w, 20);
        ExperimentForm& form = *w.form();
        form.setCpuHasBFloat16Dot(false);
        auto* model = form.field<QComboBox>("model");
        model->setCurrentIndex(model->findData("siren"));
        QVERIFY(form.note().isEmpty()); // AMP off
        QTest::mouseClick(form.field<QCheckBox>("amp"), Qt::LeftButton, {}, QPoint(5, 5));
        QVERIFY(form.note().contains("no bfloat16 dot products"));
        QVERIFY(form.findChild<QLabel*>("formNote")->isVisible());
        QVERIFY(form.problem().isEmpty()); // a note, not a reason to refuse the run
        // Start: the run goes ahead, and the status bar repeats the note
        // (the form's end may be out of sight).
        w.startAction()->trigger();
        QCOMPARE(w.runs()->rowCount(), 1);
        QVERIFY(w.statusBar()->currentMessage().contains("no bfloat16 dot products"));
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(0)->ended(), kTimeoutMs);
        form.setCpuHasBFloat16Dot(true);
        QVERIFY(form.note().isEmpty());
        form.setCpuHasBFloat16Dot(false);
        model->setCurrentIndex(model->findData("wave-ensemble"));
        QVERIFY(form.note().isEmpty());
        QVERIFY(!form.findChild<QLabel*>("formNote")->isVisible());
        w.statusBar()->clearMessage();
        w.startAction()->trigger(); // no note, none in the status bar
        QVERIFY(!w.statusBar()->currentMessage().contains("bfloat16"));
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(1)->ended(), kTimeoutMs);
    }

    // An experiment that asks for several ranks (a file made for `train
    // --ranks` or srun) trains in the window as one process: the form and the
    // status bar say so and how to run it on the ranks, and the run's config
    // (what its record keeps) says the one rank it trained on.
    void anExperimentOfSeveralRanksTrainsHereAsOne() {
        MainWindow w(false);
        w.show();
        ExperimentConfig config = w.form()->config();
        config.train.epochs = 20;
        config.train.ranks = 3;
        w.form()->setConfig(config);
        QVERIFY2(w.form()->note().contains("asks for 3 ranks"), qPrintable(w.form()->note()));
        QVERIFY(w.form()->note().contains("--ranks 3"));
        QVERIFY(w.form()->problem().isEmpty());
        w.startAction()->trigger();
        QCOMPARE(w.runs()->rowCount(), 1);
        QVERIFY2(w.statusBar()->currentMessage().contains("one process"),
                 qPrintable(w.statusBar()->currentMessage()));
        QCOMPARE(w.runs()->entryAt(0)->run->config().train.ranks, 1);
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(0)->ended(), kTimeoutMs);
        QVERIFY(w.runs()->entryAt(0)->run->result().has_value());
        QCOMPARE(w.runs()->entryAt(0)->run->result()->status, RunStatus::Finished);
        // Opened from a file, the note (at the form's end, often out of
        // sight) is in the status bar at once.
        QTemporaryDir dir;
        const auto path = dir.filePath("ranks.json");
        QCOMPARE(w.saveExperimentTo(path), QString());
        MainWindow opened(false);
        opened.show();
        QCOMPARE(opened.openExperimentFrom(path), QString());
        QVERIFY2(opened.statusBar()->currentMessage().contains("asks for 3 ranks"),
                 qPrintable(opened.statusBar()->currentMessage()));
        config.train.ranks = 1;
        w.form()->setConfig(config);
        QVERIFY(w.form()->note().isEmpty());
    }

    // With earlier runs selected, the run just started becomes the selection
    // (not one more row of it), so Pause and Stop act on it at once.
    void theRunJustStartedIsTheSelection() {
        MainWindow w(false);
        w.show();
        setEpochs(w, 20);
        w.startAction()->trigger();
        w.startAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(0)->ended() && w.runs()->entryAt(1)->ended(),
                                 kTimeoutMs);
        w.runsTable()->selectAll();
        QCOMPARE(w.runsTable()->selectionModel()->selectedRows().size(), 2);
        setEpochs(w, 50'000'000);
        QTest::keyClick(w.runsTable(), Qt::Key_R, Qt::ControlModifier); // Start, as users press it
        QCOMPARE(w.runs()->rowCount(), 3);
        const int id = w.runs()->entryAt(2)->id;
        QCOMPARE(w.runsTable()->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(w.selectedRun(), id);
        QTRY_VERIFY_WITH_TIMEOUT(w.pauseAction()->isEnabled(), kTimeoutMs);
        QVERIFY(w.stopAction()->isEnabled());
        w.stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(id)->ended(), kTimeoutMs);
    }

    // --compare-amp starts the experiment with AMP off and on and leaves the
    // form's AMP as it was: a session's option does not become a setting.
    // While the AMP run trains selected, the form shows its settings; once it
    // ends, the draft comes back as it was.
    void compareAmpLeavesTheFormAsItWas() {
        MainWindow w(false);
        setEpochs(w, 400);
        QVERIFY(!w.form()->config().train.mixedPrecision);
        w.compareAmp();
        QCOMPARE(w.runs()->rowCount(), 2);
        QVERIFY(!w.runs()->entryAt(0)->config().train.mixedPrecision);
        QVERIFY(w.runs()->entryAt(1)->config().train.mixedPrecision);
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(1)->ended(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!w.form()->isLive(), kTimeoutMs);
        QVERIFY(!w.form()->config().train.mixedPrecision);
        QVERIFY(!w.form()->field<QCheckBox>("amp")->isChecked());
    }

    // With one training run selected the form shows its settings: the live
    // rows editable, the others read-only with why; Apply (or Enter) sends the
    // changes, which apply at an epoch boundary and go into the journal, the
    // loss plot marks them, and the form follows. Stop is journaled too.
    void theFormChangesARunningRun() {
        MainWindow w(false);
        w.show();
        setEpochs(w, 50'000'000);
        const auto draft = w.form()->config();
        w.startAction()->trigger();
        const int id = w.runs()->entryAt(0)->id;
        QTRY_VERIFY_WITH_TIMEOUT(w.form()->isLive(), kTimeoutMs);
        auto* form = w.form();
        QVERIFY(!form->fieldWidget("seed")->isEnabled());
        QVERIFY(form->fieldWidget("seed")->toolTip().contains("fork"));
        QVERIFY(form->fieldWidget("lr")->isEnabled());
        auto* apply = form->findChild<QPushButton*>("applyLive");
        QVERIFY(apply && apply->isVisible() && !apply->isEnabled()); // nothing changed yet
        QTRY_VERIFY_WITH_TIMEOUT(!w.runs()->entry(id)->losses().empty(), kTimeoutMs);
        auto* lr = form->field<QLineEdit>("lr");
        lr->setText("0.005");
        QVERIFY(apply->isEnabled());
        QTest::mouseClick(apply, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!w.runs()->entry(id)->journal().empty(), kTimeoutMs);
        const auto first = w.runs()->entry(id)->journal().front();
        QCOMPARE(first.state, ChangeState::Applied);
        QCOMPARE(first.source, ChangeSource::Window);
        QCOMPARE(first.to.toDouble(), 0.005);
        QVERIFY(first.epoch > 0);
        QCOMPARE(w.runs()->entry(id)->currentConfig().train.learningRate, 0.005);

        form->field<QCheckBox>("clip")->setChecked(true); // shows the clip norm
        auto* norm = form->field<QLineEdit>("clip-max-norm");
        norm->setText("0.25");
        QTest::keyClick(norm, Qt::Key_Return); // Enter applies, as Apply does
        QTRY_COMPARE_WITH_TIMEOUT(w.runs()->entry(id)->journal().size(), size_t(3), kTimeoutMs);
        QVERIFY(w.runs()->entry(id)->currentConfig().train.clipGradients);
        QCOMPARE(w.runs()->entry(id)->currentConfig().train.clipMaxNorm, 0.25);
        QCOMPARE(w.lossPlot()->changeMarks(id), 3);

        w.stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entry(id)->ended(), kTimeoutMs);
        QCOMPARE(stopEpoch(w.runs()->entry(id)->journal()), w.runs()->entry(id)->losses().size());
        QTRY_VERIFY_WITH_TIMEOUT(!form->isLive(), kTimeoutMs);
        QCOMPARE(form->config().train.learningRate, draft.train.learningRate);
        QVERIFY(form->fieldWidget("seed")->isEnabled());

        // The gradient norm under the loss, on demand, with the threshold from
        // the epoch clipping came on.
        QVERIFY(!w.gradientPlot()->isVisible());
        w.lossPlot()->bar()->gradientNormButton()->click();
        QVERIFY(w.gradientPlot()->isVisible());
        QCOMPARE(w.gradientPlot()->shownRun(), id);
        const auto epochs = int(w.runs()->entry(id)->losses().size());
        QTRY_COMPARE_WITH_TIMEOUT(w.gradientPlot()->normGraph()->dataCount(), epochs, kTimeoutMs);
        const auto* threshold = w.gradientPlot()->thresholdGraph()->data().data();
        QVERIFY(threshold->size() >= 2);
        QCOMPARE(threshold->at(threshold->size() - 1)->value, 0.25);
        QVERIFY(
            w.gradientPlot()->clippedText().endsWith(QStringLiteral(" of %1 epochs").arg(epochs)));
    }

    void startPlotsPauseHoldsResumeContinuesStopEnds() {
        MainWindow w(false);
        w.show();
        setEpochs(w, 50'000'000);
        w.startAction()->trigger();
        const int id = w.runs()->entryAt(0)->id;
        QCOMPARE(w.selectedRun(), id);
        QTRY_VERIFY_WITH_TIMEOUT(pointsOf(w, id) > 0, kTimeoutMs); // the graph gains points
        QTRY_VERIFY_WITH_TIMEOUT(w.pauseAction()->isEnabled(), kTimeoutMs);

        w.pauseAction()->trigger();
        const auto* entry = w.runs()->entry(id);
        QTRY_COMPARE_WITH_TIMEOUT(entry->run->state(), TrainingRun::State::Paused, kTimeoutMs);
        QCoreApplication::processEvents();
        const int paused = pointsOf(w, id);
        QCOMPARE(qsizetype(paused), qsizetype(entry->losses().size()));
        QVERIFY(w.resumeAction()->isEnabled());
        QVERIFY(!w.pauseAction()->isEnabled());

        w.resumeAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(pointsOf(w, id) > paused, kTimeoutMs);
        // Points continue from where the pause left them: keys are 0..n-1.
        auto* graph = w.lossPlot()->graphOf(id);
        QCOMPARE(graph->data()->at(paused)->key, double(paused));

        w.stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(entry->ended(), kTimeoutMs);
        QCOMPARE(entry->record.status, RecordStatus::Stopped);
        QCOMPARE(entry->statusText(), QString("stopped"));
        QVERIFY(!w.stopAction()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(pointsOf(w, id), int(entry->losses().size()), kTimeoutMs);
    }

    void severalRunsPlotSideBySide() {
        MainWindow w(false);
        w.show();
        auto* legend = w.lossPlot()->plot()->legend;
        QTRY_VERIFY_WITH_TIMEOUT(!legend->visible(), kTimeoutMs); // nothing to name yet
        setEpochs(w, 300);
        w.startAction()->trigger();
        w.startAction()->trigger();
        QCOMPARE(w.runs()->rowCount(), 2);
        for (int row = 0; row < 2; ++row) {
            const auto* e = w.runs()->entryAt(row);
            QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
            QTRY_COMPARE_WITH_TIMEOUT(pointsOf(w, e->id), 300, kTimeoutMs);
        }
        QCOMPARE(w.lossPlot()->plot()->graphCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(legend->visible(), kTimeoutMs);
        QCOMPARE(legend->itemCount(), 2);
        // Hiding a run hides its curve; removing it removes the curve.
        const int first = w.runs()->entryAt(0)->id;
        w.runs()->setData(w.runs()->index(0, RunsModel::Visible), Qt::Unchecked,
                          Qt::CheckStateRole);
        QVERIFY(!w.lossPlot()->graphOf(first)->visible());
        w.runs()->removeRun(first);
        QCOMPARE(w.lossPlot()->plot()->graphCount(), 1);
    }

    void invalidLearningRateIsFlaggedNotClamped() {
        MainWindow w(false);
        w.form()->field<QLineEdit>("lr")->setText(QStringLiteral("fast"));
        QVERIFY(!w.form()->problem().isEmpty());
        QVERIFY(!w.startAction()->isEnabled());
        QCOMPARE(w.startRun(), 0);
        w.form()->field<QLineEdit>("lr")->setText(QStringLiteral("-1"));
        QVERIFY(w.form()->problem().contains("learning rate"));
        w.form()->field<QLineEdit>("lr")->setText(QStringLiteral("2e-3"));
        QVERIFY(w.form()->problem().isEmpty());
        QCOMPARE(w.form()->config().train.learningRate, 2e-3);
    }

    void serverToggleServesHttp() {
        MainWindow w(false);
        w.show();
        w.serverPanel()->portBox()->setValue(0); // any free port
        QSignalSpy listening(w.server(), &InsightServer::listening);
        QTest::mouseClick(w.serverPanel()->toggleButton(), Qt::LeftButton);
        QVERIFY(!listening.isEmpty() || listening.wait(kTimeoutMs));
        const auto port = listening.at(0).at(1).value<quint16>();
        QNetworkAccessManager nam;
        auto* reply =
            nam.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port))));
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || done.wait(kTimeoutMs));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(reply->readAll().contains("healthy"));
        reply->deleteLater();
        // Counted in words: "1 request", "0 entries (0 bytes)", not "1 requests".
        const auto* traffic = w.serverPanel()->findChild<QLabel*>("serverTraffic");
        QTRY_VERIFY_WITH_TIMEOUT(traffic->text().startsWith("1 request,"), kTimeoutMs);
        QVERIFY2(traffic->text().contains("0 entries (0 bytes)"), qPrintable(traffic->text()));
        QCOMPARE(w.serverPanel()->toggleButton()->text(), QString("Stop server"));
        QSignalSpy stopped(w.server(), &InsightServer::stopped);
        QTest::mouseClick(w.serverPanel()->toggleButton(), Qt::LeftButton);
        QVERIFY(!stopped.isEmpty() || stopped.wait(kTimeoutMs));
        QVERIFY(!w.server()->isListening());
    }

    // Issue 26 #17: quitting with the server running, a client connected,
    // takes well under half a second (it took 2–4 s).
    void quittingWithTheServerRunningIsQuick() {
        QNetworkAccessManager nam; // keeps its connection open after the reply
        QElapsedTimer clock;
        {
            MainWindow w(false);
            w.show();
            QSignalSpy listening(w.server(), &InsightServer::listening);
            w.serverPanel()->portBox()->setValue(0);
            QTest::mouseClick(w.serverPanel()->toggleButton(), Qt::LeftButton);
            QVERIFY(!listening.isEmpty() || listening.wait(kTimeoutMs));
            const auto port = listening.at(0).at(1).value<quint16>();
            auto* reply = nam.get(
                QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port))));
            QSignalSpy done(reply, &QNetworkReply::finished);
            QVERIFY(reply->isFinished() || done.wait(kTimeoutMs));
            reply->deleteLater();
            clock.start();
            w.close();
        }
        QVERIFY2(clock.elapsed() < 500, qPrintable(QString::number(clock.elapsed())));
    }

    void aPortInUseIsReportedAndThePanelStaysUsable() {
        QTcpServer occupant;
        QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
        MainWindow w(false);
        w.show();
        w.serverPanel()->portBox()->setValue(occupant.serverPort());
        QSignalSpy failed(w.server(), &InsightServer::startFailed);
        QTest::mouseClick(w.serverPanel()->toggleButton(), Qt::LeftButton);
        QVERIFY(!failed.isEmpty() || failed.wait(kTimeoutMs));
        QVERIFY(failed.at(0).at(0).toString().contains("Cannot listen"));
        // The spy hears the server thread at once; the panel hears it queued.
        QTRY_VERIFY_WITH_TIMEOUT(w.serverPanel()->toggleButton()->isEnabled(), kTimeoutMs);
        QCOMPARE(w.serverPanel()->toggleButton()->text(), QString("Start server"));
        // Still usable: another port works.
        w.serverPanel()->portBox()->setValue(0);
        QSignalSpy listening(w.server(), &InsightServer::listening);
        QTest::mouseClick(w.serverPanel()->toggleButton(), Qt::LeftButton);
        QVERIFY(!listening.isEmpty() || listening.wait(kTimeoutMs));
        QVERIFY(w.server()->isListening());
        QVERIFY(w.startRun() != 0); // and training still starts
    }

    void saveOpenRoundTripsEveryField() {
        QTemporaryDir dir;
        ExperimentConfig c;
        c.data.kind = DataKind::Hyper6d;
        c.data.grid = 5;
        c.model.kind = ModelKind::RandomFourier;
        c.model.kernel = WaveKernel::Composed;
        c.model.waves = 7;
        c.model.fields = 3;
        c.model.hidden = 17;
        c.model.features = 64;
        c.model.rffScale = 3.5;
        c.train.epochs = 123;
        c.train.learningRate = 0.02;
        c.train.seed = 9;
        c.train.threads = 2;
        c.train.mixedPrecision = true;
        c.train.clipGradients = true;
        c.train.clipMaxNorm = 0.25;
        c.train.schedule.kind = LrSchedule::Plateau;
        c.train.schedule.warmupEpochs = 11;
        c.train.schedule.gamma = 0.3;
        c.train.schedule.stepEvery = 13;
        c.train.schedule.patience = 17;
        c.train.schedule.minLr = 1e-5;
        c.train.stop.targetLoss = 2.5e-4;
        c.train.stop.earlyStopPatience = 40;
        c.train.stop.minDelta = 1e-7;
        c.train.stop.restoreBest = true;
        c.train.checkpointEvery = 250;
        c.train.validationShare = 0.15;
        MainWindow w(false);
        w.form()->setConfig(c);
        QCOMPARE(configJson(w.form()->config()), configJson(c));
        const auto path = dir.filePath("experiment.json");
        QCOMPARE(w.saveExperimentTo(path), QString());

        MainWindow other(false);
        QVERIFY(configJson(other.form()->config()) != configJson(c));
        QCOMPARE(other.openExperimentFrom(path), QString());
        QCOMPARE(configJson(other.form()->config()), configJson(c));

        // The CSV path, the other data sets and weight averaging round-trip too.
        c.data = DataConfig{};
        c.data.kind = DataKind::Volume4d;
        c.data.grid = 12;
        c.train.stop.restoreBest = false; // a run ends with its best or its averaged weights
        c.train.averaging = {c.train.epochs / 2, 25};
        c.model.kind = ModelKind::Interference;
        w.form()->setConfig(c);
        QCOMPARE(w.saveExperimentTo(path), QString());
        QCOMPARE(other.openExperimentFrom(path), QString());
        QCOMPARE(configJson(other.form()->config()), configJson(c));
    }

    // Each data set opens with its own grid: a 4-D run's grid 20 does not
    // carry over to the 6-D set (3.2 million points).
    // Issue 26 #9: on a 1280×720 screen the window fits, every shown dock
    // inside it, the form's fields whole (no horizontal scrolling, none
    // squeezed below its minimum) and the plots keep most of the width.
    void theWindowFitsA1280x720Screen() {
        MainWindow w(false);
        w.resize(1280, 720);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY2(w.minimumSizeHint().width() <= 1280 && w.minimumSizeHint().height() <= 720,
                 qPrintable(QStringLiteral("minimum %1×%2")
                                .arg(w.minimumSizeHint().width())
                                .arg(w.minimumSizeHint().height())));
        QCOMPARE(w.size(), QSize(1280, 720));
        for (const auto* dock : w.findChildren<QDockWidget*>()) {
            if (dock->isVisible() && !dock->visibleRegion().isEmpty()) { // not a tab behind
                QVERIFY2(w.rect().contains(dock->geometry()), qPrintable(dock->objectName()));
            }
        }
        const QScrollArea* scroll = nullptr;
        for (auto* up = w.form()->parentWidget(); up && !scroll; up = up->parentWidget()) {
            scroll = qobject_cast<QScrollArea*>(up);
        }
        QVERIFY(scroll);
        QVERIFY(!scroll->horizontalScrollBar()->isVisible());
        const QRect viewport = scroll->viewport()->rect();
        int fields = 0;
        for (const auto& setting : settings()) {
            const auto* field = w.form()->fieldWidget(setting.name);
            if (!field || !field->isVisible()) {
                continue;
            }
            ++fields;
            const QRect inViewport(field->mapTo(scroll->viewport(), QPoint(0, 0)), field->size());
            QVERIFY2(inViewport.left() >= viewport.left() && inViewport.right() <= viewport.right(),
                     qPrintable(setting.name));
            QVERIFY2(field->width() >= field->minimumSizeHint().width(), qPrintable(setting.name));
        }
        QVERIFY(fields >= 10);
        QVERIFY2(w.lossPlot()->width() >= 1280 * 6 / 10,
                 qPrintable(QString::number(w.lossPlot()->width())));
    }

    // Issue 26 #8: however many runs, no legend lies over a plot's axis rect;
    // beyond what one column holds, the loss legend collapses and says so.
    void noLegendCoversAPlot() {
        MainWindow w(false);
        w.resize(1280, 720);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* plot = w.lossPlot()->plot();
        const auto legendClear = [](QCustomPlot* p) {
            p->replot();
            if (!p->legend->visible()) {
                return true;
            }
            const QRect legend = p->legend->outerRect();
            for (auto* rect : p->axisRects()) {
                if (legend.intersects(rect->rect())) {
                    return false;
                }
            }
            return p->rect().contains(legend);
        };
        for (int i = 0; i < 12; ++i) {
            const auto record =
                newRunRecord(w.form()->config(), QStringLiteral("run number %1").arg(i));
            showStored(w, record, {0.5, 0.25 / (i + 1)});
            if (i == 1) {
                QTRY_VERIFY(plot->legend->visible() && plot->legend->itemCount() == 2);
            }
            QTRY_VERIFY2(legendClear(plot), qPrintable(QStringLiteral("%1 runs").arg(i + 1)));
        }
        QTRY_VERIFY(!plot->legend->visible()); // twelve do not fit 720 px
        QVERIFY(w.lossPlot()->lineStylesText().contains("12 runs: colours as in the Runs table"));

        auto* prediction =
            w.predictionView()->findChild<QCustomPlot*>(QStringLiteral("predictionPlot"));
        QVERIFY(prediction->legend->visible());
        QVERIFY(legendClear(prediction));
    }

    // Issue 26 #14: before any run, whatever the data set, the prediction
    // pane says what to do instead of drawing a made-up 1-D plot.
    void withoutARunThePredictionPaneSaysWhatToDo() {
        MainWindow w(false);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const auto* empty =
            w.predictionView()->findChild<QLabel*>(QStringLiteral("predictionEmpty"));
        QVERIFY(empty);
        QVERIFY(empty->isVisible());
        QVERIFY(empty->text().contains("Press Start (Ctrl+R)"));
        QVERIFY(!w.predictionView()
                     ->findChild<QCustomPlot*>(QStringLiteral("predictionPlot"))
                     ->isVisible());
        auto* data = w.form()->field<QComboBox>("data");
        data->setCurrentIndex(data->findData("hyper6d"));
        QCOMPARE(w.form()->config().data.kind, DataKind::Hyper6d);
        QVERIFY(empty->isVisible());
        QVERIFY(!w.predictionView()->findChild<GridSliceView*>()->isVisible());

        w.startAction()->trigger(); // a run: its prediction replaces the empty state
        QTRY_VERIFY_WITH_TIMEOUT(!empty->isVisible(), kTimeoutMs);
        w.stopAction()->trigger();
    }

    void eachDataSetOpensWithItsOwnGrid() {
        MainWindow w(false);
        auto* data = w.form()->field<QComboBox>("data");
        auto* grid = w.form()->field<QSpinBox>("grid");
        QVERIFY(!grid->isVisibleTo(w.form())); // the chirp has none
        data->setCurrentIndex(data->findData("volume4d"));
        QVERIFY(grid->isVisibleTo(w.form()));
        QCOMPARE(grid->value(), 20);
        grid->setValue(24);
        QCOMPARE(w.form()->config().data.grid, 24);
        auto* epochs = w.form()->field<QSpinBox>("epochs");
        epochs->setValue(300);
        data->setCurrentIndex(data->findData("hyper6d"));
        QCOMPARE(grid->value(), 8);
        QCOMPARE(effectiveGrid(w.form()->config().data), 8);
        QCOMPARE(epochs->value(), 2000); // the 6-D set's own: not the 4-D run's
        QVERIFY(w.form()->problem().isEmpty());
        // Back to the 4-D volume: its grid and epochs as they were left.
        data->setCurrentIndex(data->findData("volume4d"));
        QCOMPARE(grid->value(), 24);
        QCOMPARE(epochs->value(), 300);
        data->setCurrentIndex(data->findData("hyper6d"));
        QCOMPARE(grid->value(), 8);
    }

    // Issue 26 #2: a run above 10⁶ points asks first, with its points, time
    // per epoch and memory; Cancel starts nothing, Start starts it.
    void aLargeRunAsksFirst() {
        MainWindow w(false);
        w.show();
        auto config = w.form()->config();
        config.data.kind = DataKind::Hyper6d;
        config.data.grid = 20; // 3.2 million points
        config.train.epochs = 1;
        w.form()->setConfig(config);
        QString asked;
        const auto answer = [&asked](QMessageBox::ButtonRole role) {
            QTimer::singleShot(0, [&asked, role] {
                auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
                QVERIFY(box);
                asked = box->text();
                for (auto* button : box->buttons()) {
                    if (box->buttonRole(button) == role) {
                        button->click();
                    }
                }
            });
        };
        answer(QMessageBox::RejectRole);
        w.startAction()->trigger();
        QVERIFY2(asked.contains(QLocale().toString(3'200'000) + " points"), qPrintable(asked));
        QVERIFY(asked.contains("not yet measured")); // no run of this kind measured yet
        QVERIFY(asked.contains("of memory"));
        QCOMPARE(w.runs()->rowCount(), 0);

        asked.clear();
        answer(QMessageBox::AcceptRole);
        w.startAction()->trigger();
        QVERIFY(!asked.isEmpty());
        QCOMPARE(w.runs()->rowCount(), 1);
        w.stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(0)->ended(), kTimeoutMs);

        asked.clear(); // a small run asks nothing
        config.data.grid = 4;
        w.form()->setConfig(config);
        w.startAction()->trigger();
        QVERIFY(asked.isEmpty());
        QCOMPARE(w.runs()->rowCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(w.runs()->entryAt(1)->ended(), kTimeoutMs);
    }

    // The schedule's rows show only where the chosen kind reads them, and a
    // stop rule's end shows in the runs table with its reason.
    void scheduleRowsAndAStopRuleInTheWindow() {
        MainWindow w(false);
        auto* box = w.form();
        auto* stepEvery = box->field<QSpinBox>("step-every");
        auto* schedule = box->field<QComboBox>("schedule");
        schedule->setCurrentIndex(schedule->findData("step"));
        QVERIFY(stepEvery->isVisibleTo(box));
        schedule->setCurrentIndex(schedule->findData("cosine"));
        QVERIFY(!stepEvery->isVisibleTo(box));
        auto c = w.form()->config();
        QCOMPARE(c.train.schedule.kind, LrSchedule::Cosine);
        c.train.epochs = 5000;
        c.train.stop.targetLoss = 0.05;
        w.form()->setConfig(c);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
        QVERIFY(e->record.epochsDone < 5000);
        QCOMPARE(e->statusText(), QString("finished early"));
        const auto tip =
            w.runs()->data(w.runs()->index(0, RunsModel::Status), Qt::ToolTipRole).toString();
        QVERIFY2(tip.startsWith("reached the target loss at epoch"), qPrintable(tip));
    }

    // Data where time moves: the prediction view shows one instant at a time,
    // and its time slider walks the packet along.
    void aTimeSliderWalksThroughAMovingPacket() {
        MainWindow w(false);
        w.show();
        auto c = w.form()->config();
        c.data.kind = DataKind::Packet1d;
        c.data.times = 3;
        c.data.velocity = 2.0;
        c.train.epochs = 30;
        w.form()->setConfig(c);
        QCOMPARE(w.form()->config().data.times, 3);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
        auto* slider = w.predictionView()->findChild<QSlider*>(QStringLiteral("tSlider"));
        QTRY_VERIFY(slider->isVisible());
        QCOMPARE(slider->maximum(), 2);
        auto* plot = w.predictionView()->findChild<QCustomPlot*>(QStringLiteral("predictionPlot"));
        const auto peakAt = [&] { // where the truth's envelope is highest
            const auto data = plot->graph(0)->data();
            double best = 0.0, at = 0.0;
            for (auto it = data->constBegin(); it != data->constEnd(); ++it) {
                if (std::abs(it->value) > best) {
                    best = std::abs(it->value);
                    at = it->key;
                }
            }
            return at;
        };
        QCOMPARE(plot->graph(0)->data()->size(), 500); // one instant's points
        slider->setValue(0);
        const double start = peakAt();
        slider->setValue(2); // t = 2: moved by v t = 4
        QVERIFY2(std::abs(peakAt() - start - 4.0) < 0.5,
                 qPrintable(QStringLiteral("%1 → %2").arg(start).arg(peakAt())));
    }

    void aValidationSplitDrawsADashedCurve() {
        MainWindow w(false);
        auto c = w.form()->config();
        c.train.epochs = 50;
        c.train.validationShare = 0.1;
        w.form()->setConfig(c);
        QCOMPARE(w.form()->config().train.validationShare, 0.1);
        const QCPGraph* held = nullptr;
        trainAndFindCompanion(w, &LossPlot::validationGraphOf, &RunEntry::validationLosses, &held);
        QVERIFY(held);
        QCOMPARE(held->pen().style(), Qt::DashLine);
        QCOMPARE(held->pen().color(), w.runs()->entryAt(0)->color);
    }

    // Set in the form: the averaged model's loss is drawn dotted from the
    // first average on, and the run's last prediction says it is the average.
    void weightAveragingDrawsADottedCurve() {
        MainWindow w(false);
        auto c = w.form()->config();
        c.train.epochs = 50;
        w.form()->setConfig(c);
        auto* from = w.form()->field<QLineEdit>("swa-start");
        QVERIFY(from);
        QCOMPARE(from->text(), QString()); // empty: the placeholder says "off"
        QCOMPARE(from->placeholderText(), QString("off"));
        from->setText("20");
        QCOMPARE(w.form()->config().train.averaging.start, std::optional<int64_t>(20));
        const QCPGraph* averaged = nullptr;
        trainAndFindCompanion(w, &LossPlot::averagedGraphOf, &RunEntry::averagedLosses, &averaged);
        QVERIFY(averaged);
        const auto* e = w.runs()->entryAt(0);
        QCOMPARE(averaged->pen().style(), Qt::DotLine);
        QVERIFY(std::isnan(averaged->data()->at(19)->value));
        QVERIFY(w.lossPlot()->lineStylesText().contains("dotted: averaged"));
        QTRY_VERIFY(e->prediction && e->prediction->averaged);
        QTRY_VERIFY2(w.predictionView()->titleText().contains("averaged weights"),
                     qPrintable(w.predictionView()->titleText()));
    }

    // The log loss axis labels every decade in view and only decades, with
    // 2…9 times them as minor ticks; zoomed in, it still has a scale.
    void theLogAxisLabelsEveryDecade() {
        DecadeTicker ticker;
        const auto ticksIn = [&ticker](double lower, double upper) {
            QVector<double> ticks, subTicks;
            QVector<QString> labels;
            ticker.generate(QCPRange(lower, upper), QLocale::c(), 'g', 0, ticks, &subTicks,
                            &labels);
            QStringList shown;
            for (qsizetype i = 0; i < ticks.size(); ++i) {
                if (ticks[i] >= lower && ticks[i] <= upper) {
                    shown << labels[i];
                }
            }
            return std::make_pair(shown, subTicks);
        };
        const auto [wide, wideMinor] = ticksIn(3e-9, 0.2);
        QCOMPARE(wide,
                 QStringList({"10⁻⁸", "10⁻⁷", "10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"}));
        QVERIFY(wideMinor.contains(2e-5) && wideMinor.contains(9e-2));
        // The range that crowded the old labels (1.5·10⁻¹, 1.3·10⁻¹, …).
        QCOMPARE(ticksIn(0.04, 0.16).first, QStringList({"5·10⁻²", "10⁻¹"}));
        const auto narrow = ticksIn(0.12, 0.18).first; // evenly spaced, still labelled
        QVERIFY2(narrow.size() >= 2 && narrow.contains("0.15"), qPrintable(narrow.join(' ')));
        QCOMPARE(DecadeTicker::label(1.0), QString("1"));
        QCOMPARE(DecadeTicker::label(100.0), QString("10²"));
        QCOMPARE(DecadeTicker::label(3e-7), QString("3·10⁻⁷"));
    }

    // The smoothing slider draws each run's debiased EMA over its full
    // history, the raw curve faint behind; a one-epoch spike among 100,000
    // epochs still shows (min–max sampling), smoothed or not.
    void smoothingKeepsTheRawCurveAndItsSpikes() {
        MainWindow w(false);
        SavedRun saved;
        saved.name = QStringLiteral("spiky");
        saved.config = w.form()->config();
        saved.result.lossHistory.assign(100'000, 1e-3);
        saved.result.lossHistory[51'234] = 1.0;
        saved.result.epochsDone = 100'000;
        saved.result.msPerEpoch = 0.1;
        const int id = w.runs()->addSavedRun(saved);
        auto* plot = w.lossPlot();
        plot->bar()->smoothingSlider()->setValue(99);
        QCOMPARE(plot->smoothing(), 0.99);
        const auto* smoothed = plot->smoothedGraphOf(id);
        QVERIFY(smoothed);
        QCOMPARE(smoothed->data()->size(), 100'000);
        const auto expected = smoothedLosses(saved.result.lossHistory, 0.99);
        QCOMPARE(smoothed->data()->at(51'300)->value, expected[51'300]);
        QVERIFY(plot->graphOf(id)->pen().color().alpha() <= 70);
        QVERIFY(plot->plot()->legend->hasItemWithPlottable(smoothed));
        QVERIFY(!plot->plot()->legend->hasItemWithPlottable(plot->graphOf(id)));

        plot->plot()->replot();
        const QImage image = plot->plot()->toPixmap(800, 400).toImage();
        const int column = int(plot->plot()->xAxis->coordToPixel(51'234));
        const int top =
            int(plot->plot()->yAxis->coordToPixel(0.5)); // well above the smoothed curve
        bool spikeDrawn = false;
        for (int x = column - 1; x <= column + 1; ++x) {
            const QColor c = image.pixelColor(x, top);
            spikeDrawn = spikeDrawn || c != QColor(Qt::white);
        }
        QVERIFY2(spikeDrawn, "the raw curve's spike is not drawn");

        plot->bar()->smoothingSlider()->setValue(0);
        QVERIFY(!plot->smoothedGraphOf(id));
        QCOMPARE(plot->graphOf(id)->pen().color().alpha(), 255);
    }

    // Epochs, training time or wall clock on x; the crosshair lists every
    // visible run's loss at the hovered x.
    void theXAxisAndTheCrosshair() {
        MainWindow w(false);
        SavedRun a, b;
        a.name = QStringLiteral("first");
        b.name = QStringLiteral("second");
        a.config = b.config = w.form()->config();
        a.result.lossHistory = {0.5, 0.25, 0.125, 0.0625};
        b.result.lossHistory = {0.9, 0.8};
        a.result.epochsDone = 4;
        b.result.epochsDone = 2;
        a.result.msPerEpoch = b.result.msPerEpoch = 500.0;
        const int ia = w.runs()->addSavedRun(a);
        w.runs()->addSavedRun(b);
        auto* plot = w.lossPlot();
        const QString at1 = plot->valuesAt(1.0);
        QVERIFY2(at1.startsWith("epoch 1") && at1.contains("first: 0.25") &&
                     at1.contains("second: 0.8"),
                 qPrintable(at1));
        QVERIFY(!plot->valuesAt(3.0).contains("second")); // it ended before
        plot->bar()->xAxisBox()->setCurrentIndex(1);      // training time
        QCOMPARE(plot->xAxisKind(), LossAxisX::TrainingTime);
        QCOMPARE(plot->graphOf(ia)->data()->at(3)->key, 1.5); // 3 epochs × 0.5 s
        QVERIFY(plot->valuesAt(1.5).contains("first: 0.0625"));
        RunRecord stored = newRunRecord(a.config, QStringLiteral("stored"));
        stored.started = QDateTime::currentDateTimeUtc();
        stored.epochsDone = 2;
        stored.msPerEpoch = 1000.0;
        const int is = showStored(w, stored, {0.3, 0.2});
        plot->bar()->xAxisBox()->setCurrentIndex(2); // wall clock: its start + training time
        const double start = QCPAxisTickerDateTime::dateTimeToKey(stored.started);
        QCOMPARE(plot->graphOf(is)->data()->at(1)->key, start + 1.0);
    }

    // A zoom stays where the user put it while runs add points; a
    // double-click fits everything again.
    void aLossPlotZoomStaysWhileRunsGrow() {
        MainWindow w(false);
        SavedRun a;
        a.name = QStringLiteral("long");
        a.config = w.form()->config();
        a.result.lossHistory.assign(1000, 0.1);
        const int id = w.runs()->addSavedRun(a);
        w.resize(1200, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* plot = w.lossPlot()->plot();
        QTRY_COMPARE(plot->xAxis->range().upper, 999.0); // fitted
        plot->replot();
        const QPointF inside = plot->axisRect()->rect().center();
        QWheelEvent wheel(inside, plot->mapToGlobal(inside), QPoint(), QPoint(0, 240), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(plot, &wheel);
        const auto zoomed = plot->xAxis->range();
        QVERIFY(zoomed.size() < 900.0);
        Q_EMIT w.runs()->lossesAppended(id, 1000, std::vector<double>(500, 0.05));
        const int redraws = w.lossPlot()->redrawCount();
        QTRY_VERIFY(w.lossPlot()->redrawCount() > redraws);
        QCOMPARE(plot->xAxis->range(), zoomed);
        QMouseEvent click(QEvent::MouseButtonDblClick, inside, plot->mapToGlobal(inside),
                          Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(plot, &click);
        QTRY_COMPARE(plot->xAxis->range().upper, 1499.0);
    }

    // PNG at twice the plot's size, PDF and SVG as vectors, CSV of the curves.
    void theLossPlotExports() {
        QTemporaryDir dir;
        MainWindow w(false);
        w.resize(1200, 800);
        SavedRun a;
        a.name = QStringLiteral("exported, \"quoted\"");
        a.config = w.form()->config();
        a.result.lossHistory = {0.5, 0.05, 0.005};
        a.result.epochsDone = 3;
        w.runs()->addSavedRun(a);
        auto* plot = w.lossPlot();
        plot->plot()->resize(600, 300);
        plot->bar()->smoothingSlider()->setValue(50);
        plot->plot()->replot();
        QString error;
        const auto file = [&](const char* name) { return dir.filePath(QLatin1String(name)); };
        QVERIFY2(plot->exportTo(file("l.png"), PlotFile::Png2x, &error), qPrintable(error));
        QCOMPARE(QImage(file("l.png")).size(), QSize(1200, 600));
        QVERIFY(plot->exportTo(file("l.pdf"), PlotFile::Pdf, &error));
        QFile pdf(file("l.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly) && pdf.read(5) == "%PDF-");
        QVERIFY2(plot->exportTo(file("l.svg"), PlotFile::Svg, &error), qPrintable(error));
        QFile svg(file("l.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&svg);
        int polylines = 0;
        QStringList texts;
        while (!xml.atEnd()) {
            if (xml.readNext() == QXmlStreamReader::StartElement) {
                polylines += xml.name() == QLatin1String("polyline");
                if (xml.name() == QLatin1String("text")) {
                    texts << xml.readElementText();
                }
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(polylines >= 2); // the raw and the smoothed curve at least
        QVERIFY2(texts.contains("epoch") && texts.contains("10⁻²"), qPrintable(texts.join('|')));
        QVERIFY(plot->exportTo(file("l.csv"), PlotFile::Csv, &error));
        QFile csv(file("l.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
        const auto lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].startsWith("run_id,run_name,epoch,loss,validation_loss,averaged_loss,x,"
                                    "smoothed_loss"));
        QVERIFY2(
            lines[2].startsWith(",\"exported, \"\"quoted\"\"\",1,0.05,,,1,"), // no id: unstored
            qPrintable(lines[2]));
    }

    // A tiny relative MSE reads in scientific notation, never "0.0 %".
    void fitFiguresStayReadableWhenSmall() {
        QCOMPARE(lossText(2e-9), QString("2.000e-09"));
        QCOMPARE(lossText(0.006064), QString("0.006064"));
        QCOMPARE(relativeText(2e-9, 1e-2), QString("2.0e-07 of zero"));
        QCOMPARE(relativeText(8.61e-4, 1e-2), QString("8.61 % of zero"));
        QCOMPARE(psnrText(1e-2, 1.0), QString("20.0 dB"));
        QCOMPARE(fitText(1e-2, 0.1, 1.0), QString("MSE 0.01 · PSNR 20.0 dB · 10 % of zero"));
        MainWindow w(false);
        RunRecord tiny = newRunRecord(w.form()->config(), QStringLiteral("tiny"));
        tiny.zeroPredictorMse = 0.0801;
        const int id = showStored(w, tiny, {0.5, 1.6e-8});
        const auto cell = w.runs()->index(w.runs()->rowOf(id), RunsModel::FinalLoss);
        QCOMPARE(cell.data().toString(), QString("1.600e-08 (2.0e-07 of zero)"));
    }

    // A user's image: the form asks for its file, the run reads it, and the
    // view draws truth | prediction | error as pictures, replayed from kept
    // parameters by the epoch slider.
    void anImageFitShowsTruthPredictionAndErrorPictures() {
        QTemporaryDir dir;
        QImage image(10, 6, QImage::Format_RGB32);
        for (int y = 0; y < 6; ++y) {
            for (int x = 0; x < 10; ++x) {
                image.setPixel(x, y, qRgb(x * 25, y * 40, 200 - x * 10));
            }
        }
        const QString path = dir.filePath(QStringLiteral("picture.png"));
        QVERIFY(image.save(path));
        MainWindow w(false);
        w.show();
        auto c = sirenOnFile(w, DataKind::Image, path, 16);
        c.train.epochs = 40;
        w.form()->setConfig(c);
        auto* imageField = w.form()->findChild<QLineEdit*>(QStringLiteral("image"));
        QVERIFY(imageField && imageField->isVisibleTo(w.form()));
        QCOMPARE(imageField->text(), path);
        QVERIFY(w.form()->findChild<QLineEdit*>(QStringLiteral("resize"))->isVisibleTo(w.form()));
        const auto* e = trainToTheEnd(w, w.form()->config());
        QVERIFY(e);
        QCOMPARE(runStatusOf(e->record.status), RunStatus::Finished);
        w.predictionView()->showRun(e->id);
        auto* view = w.predictionView()->imageView();
        QTRY_VERIFY(view->isVisible() && !view->predictionImage().isNull());
        QCOMPARE(view->truthImage(), image.convertToFormat(QImage::Format_RGB32));
        QCOMPARE(e->data()->setup.outputs, 3);
        QVERIFY(w.predictionView()->titleText().contains(QStringLiteral("picture.png, 10×6 RGB")));
        const auto end = view->predictionImage();
        QVERIFY(end != image);
        QVERIFY(view->largestError() > 0.0);
        // The first epoch's prediction, from its kept parameters, is another picture.
        w.predictionView()->epochSlider()->setValue(0);
        QTRY_VERIFY(view->predictionImage() != end);
        QVERIFY(!view->errorImage().isNull());
    }

    // A sound's fit as spectrograms: the box beside the channel's switches
    // the view; truth, prediction and error rows cover the sound's seconds and
    // its frequencies to half its rate, and the truth's loudest bin is the sine.
    void aSoundFitShowsItsSpectrograms() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tone.wav"));
        QVERIFY(writeSineWav(path, 8000, 1000.0, 0.5));
        MainWindow w(false);
        w.show();
        auto c = sirenOnFile(w, DataKind::Audio, path, 16);
        c.model.firstW0 = 3000.0;
        c.train.epochs = 20;
        const auto* e = trainToTheEnd(w, c);
        QVERIFY(e);
        auto* view = w.predictionView();
        view->showRun(e->id);
        QVERIFY(view->linePlot()->isVisible()); // the waveform first
        auto* box = view->findChild<QComboBox*>(QStringLiteral("soundView"));
        QVERIFY(box);
        QVERIFY(box->isVisible());
        box->setCurrentIndex(1);
        auto* spectrogram = view->findChild<SpectrogramView*>();
        QVERIFY(spectrogram);
        QTRY_VERIFY(spectrogram->isVisible());
        QVERIFY(!view->linePlot()->isVisible());
        auto* truth = spectrogram->map(0)->data();
        QCOMPARE(truth->keySize(), 12); // 4000 samples: 12 windows of 1024, a quarter apart
        QCOMPARE(truth->valueSize(), 513);
        QCOMPARE(truth->valueRange().upper, 4.0); // kHz: bins up to half the rate
        int loudest = 0;
        for (int bin = 0; bin < truth->valueSize(); ++bin) {
            loudest = truth->cell(6, bin) > truth->cell(6, loudest) ? bin : loudest;
        }
        QCOMPARE(loudest, 128);                               // 1000 Hz
        QVERIFY(std::abs(truth->cell(6, 128) + 6.02) < 0.05); // half scale: −6 dB
        for (int row = 1; row < 3; ++row) {
            QCOMPARE(spectrogram->map(row)->data()->keySize(), 12);
        }
        QVERIFY(view->titleText().contains(QStringLiteral("tone.wav")));
        // Back to the waveform.
        box->setCurrentIndex(0);
        QTRY_VERIFY(view->linePlot()->isVisible());
    }

    // The spectrogram view keeps the truth's row while only the prediction
    // changes, and computes it again when the truth does: another buffer,
    // another channel of the same one, or the same buffer refilled.
    void theSpectrogramRedrawsTheTruthOnlyWhenItChanges() {
        constexpr int64_t kSamples = 4000;
        constexpr double kRate = 8000.0;
        auto sine = [](double hertz, int64_t i) {
            return float(0.5 * std::sin(2.0 * M_PI * hertz * double(i) / kRate));
        };
        std::vector<float> stereo(static_cast<size_t>(2 * kSamples));
        std::vector<float> prediction(static_cast<size_t>(2 * kSamples)); // as interleaved
        for (int64_t i = 0; i < kSamples; ++i) {
            stereo[size_t(2 * i)] = sine(1000.0, i);         // left: bin 128
            stereo[size_t(2 * i + 1)] = sine(2000.0, i);     // right: bin 256
            prediction[size_t(2 * i + 1)] = sine(3000.0, i); // bin 384
        }
        SpectrogramView view;
        auto loudestBin = [&](int row) {
            auto* data = view.map(row)->data();
            int loudest = 0;
            for (int bin = 0; bin < data->valueSize(); ++bin) {
                loudest = data->cell(6, bin) > data->cell(6, loudest) ? bin : loudest;
            }
            return loudest;
        };
        view.draw(stereo.data(), nullptr, kSamples, 2, kRate); // the left channel
        QCOMPARE(loudestBin(0), 128);
        QCOMPARE(view.map(1)->data()->keySize(), 0); // no prediction yet
        view.draw(stereo.data() + 1, prediction.data() + 1, kSamples, 2, kRate); // the right one
        QCOMPARE(loudestBin(0), 256);
        QCOMPARE(loudestBin(1), 384);
        // Only the prediction changes: the truth's row is not filled again
        // (a mark put in one of its cells stays).
        view.map(0)->data()->setCell(0, 0, 12345.0);
        for (int64_t i = 0; i < kSamples; ++i) {
            prediction[size_t(2 * i + 1)] = sine(1500.0, i); // bin 192
        }
        view.draw(stereo.data() + 1, prediction.data() + 1, kSamples, 2, kRate);
        QCOMPARE(loudestBin(1), 192);
        QCOMPARE(view.map(0)->data()->cell(0, 0), 12345.0);
        // The same buffer refilled in place is a new truth.
        for (int64_t i = 0; i < kSamples; ++i) {
            stereo[size_t(2 * i + 1)] = sine(500.0, i); // bin 64
        }
        view.draw(stereo.data() + 1, prediction.data() + 1, kSamples, 2, kRate);
        QVERIFY(view.map(0)->data()->cell(0, 0) != 12345.0);
        QCOMPARE(loudestBin(0), 64);
    }

    // A stored image run whose file has gone keeps its losses, and the
    // prediction view says why it shows no prediction instead of waiting.
    void aStoredRunWhoseFileHasGoneSaysWhy() {
        MainWindow w(false);
        w.show();
        LoadedRun run;
        run.record.id = QStringLiteral("0123456789abcdef0123456789abcdef");
        run.record.name = QStringLiteral("moved picture");
        run.record.config.data.kind = DataKind::Image;
        run.record.config.data.imagePath = "/nowhere/picture.png";
        run.losses = {0.3, 0.2};
        run.parameters.width = 1;
        run.parameters.add(0, std::vector<float>{0.5f}.data(), nullptr);
        const int id = w.runs()->addStoredRun(run);
        w.predictionView()->showRun(id);
        QVERIFY(w.predictionView()->titleText().contains(QStringLiteral("cannot be shown")));
        const auto* empty =
            w.predictionView()->findChild<QLabel*>(QStringLiteral("predictionEmpty"));
        QVERIFY(empty && empty->isVisible());
        QVERIFY2(empty->text().contains(QStringLiteral("image /nowhere/picture.png: no such file")),
                 qPrintable(empty->text()));
    }

    // A stored run's moved file, located: the same file elsewhere gives its
    // data back (and names the new path); another file is refused.
    void aMovedFileCanBeLocated() {
        QTemporaryDir dir;
        QImage image(8, 6, QImage::Format_Grayscale8);
        image.fill(90);
        const QString first = dir.filePath(QStringLiteral("first.png"));
        QVERIFY(image.save(first));
        LoadedRun run;
        run.record.id = QStringLiteral("00112233445566778899aabbccddeeff");
        run.record.name = QStringLiteral("moved picture");
        run.record.config.data.kind = DataKind::Image;
        run.record.config.data.imagePath = first.toStdString();
        run.record.dataFingerprint =
            dataFingerprint(run.record.config.data, std::vector<float>{}, std::vector<float>{});
        run.losses = {0.3, 0.2};
        run.parameters.width = 1;
        run.parameters.add(0, std::vector<float>{0.5f}.data(), nullptr);
        const QString moved = dir.filePath(QStringLiteral("elsewhere.png"));
        QVERIFY(QFile::rename(first, moved));
        image.fill(200);
        const QString other = dir.filePath(QStringLiteral("other.png"));
        QVERIFY(image.save(other));

        MainWindow w(false);
        w.show();
        const int id = w.runs()->addStoredRun(run);
        w.predictionView()->showRun(id);
        auto* locate = w.predictionView()->findChild<QPushButton*>(QStringLiteral("locateData"));
        QVERIFY(locate && locate->isVisible());
        const auto refused = w.locateDataAt(id, other);
        QVERIFY2(refused.contains(QStringLiteral("is not the file run 00112233 trained on")),
                 qPrintable(refused));
        QVERIFY(!w.runs()->entry(id)->data());
        QCOMPARE(w.locateDataAt(id, moved), QString());
        const auto* e = w.runs()->entry(id);
        QVERIFY(e->data() && e->dataProblem.isEmpty());
        QCOMPARE(QString::fromStdString(e->config().data.imagePath), moved);
        QVERIFY(!locate->isVisible());
    }

    // File → Open data…: the form fits the file chosen, a table's columns
    // guessed from its header; a file of no data set changes nothing.
    void openDataSetsTheFormToFitTheFile() {
        QTemporaryDir dir;
        const QString table = dir.filePath(QStringLiteral("flow.csv"));
        QFile csv(table);
        QVERIFY(csv.open(QIODevice::WriteOnly));
        csv.write("x,y,t,u\n0,1,0,2\n1,0,0.5,3\n");
        csv.close();
        MainWindow w(false);
        QCOMPARE(w.openDataFrom(table), QString());
        auto config = w.form()->config();
        QCOMPARE(config.data.kind, DataKind::Table);
        QCOMPARE(QString::fromStdString(config.data.tableInputs), QStringLiteral("x,y,t"));
        QCOMPARE(QString::fromStdString(config.data.tableOutputs), QStringLiteral("u"));
        const QString notes = dir.filePath(QStringLiteral("notes.xyz"));
        QFile text(notes);
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("nothing to fit");
        text.close();
        QVERIFY(w.openDataFrom(notes).contains(QStringLiteral("neither an image")));
        QCOMPARE(w.form()->config().data.kind, DataKind::Table);
    }

    // The 6-D view: truth | prediction | residual of a slice read from the
    // training points, any two axes across and up, a slider for each other.
    void theHyperGridShowsTruthPredictionAndResidual() {
        MainWindow w(false);
        const auto* e = trainHyperGrid(w, 6, 4, 30);
        QVERIFY(e);
        const auto c = e->config();
        w.predictionView()->showRun(e->id);
        QTRY_VERIFY(e->prediction && e->prediction->onTrainingPoints);
        auto* grid = w.predictionView()->gridView();
        grid->acrossBox()->setCurrentIndex(2); // x3 across
        grid->upBox()->setCurrentIndex(4);     // x5 up
        grid->sliderOf(0)->setValue(1);
        grid->sliderOf(1)->setValue(4);
        grid->sliderOf(3)->setValue(0);
        QVERIFY(grid->sliderOf(2)->isHidden() && grid->sliderOf(4)->isHidden());
        QVERIFY(!grid->sliderOf(0)->isHidden());
        const auto& data = *e->data();
        const auto rows = sliceRows(GridSlice{{6, 6, 6, 6, 6}, 2, 4, {1, 4, 0, 0, 0}, 0});
        QCOMPARE(grid->truthMap()->data()->keySize(), 6);
        for (int a = 0; a < 6; ++a) {
            for (int u = 0; u < 6; ++u) {
                const size_t row = rows[size_t(a * 6 + u)];
                QCOMPARE(grid->truthMap()->data()->cell(a, u), double(data.targets[row]));
                QCOMPARE(grid->residualMap()->data()->cell(a, u),
                         double(e->prediction->values[row]) - double(data.targets[row]));
            }
        }
        const auto range = grid->residualScale()->dataRange();
        QCOMPARE(range.lower, -range.upper); // centred on zero
        QVERIFY(range.upper > 0.0);
        const QString title = w.predictionView()->titleText();
        QVERIFY2(title.contains("x1 = -1.80") && title.contains("PSNR"), qPrintable(title));

        // Another run on the same grid, selected too: a row of its own, on
        // the same colour scales.
        auto other = c;
        other.train.learningRate = 3e-2;
        w.form()->setConfig(other);
        w.startAction()->trigger();
        const auto* second = w.runs()->entryAt(1);
        QTRY_VERIFY_WITH_TIMEOUT(second->ended(), kTimeoutMs);
        QTRY_VERIFY(second->prediction);
        w.predictionView()->showRun(e->id);
        w.predictionView()->setComparedRuns({second->id});
        QCOMPARE(grid->runRows(), 2);
        for (int a = 0; a < 6; ++a) {
            const size_t row = rows[size_t(a * 6 + 3)];
            QCOMPARE(grid->predictionMap(1)->data()->cell(a, 3),
                     double(second->prediction->values[row]));
            QCOMPARE(grid->residualMap(1)->data()->cell(a, 3),
                     double(second->prediction->values[row]) - double(data.targets[row]));
        }
        QCOMPARE(grid->predictionMap(1)->colorScale(), grid->predictionMap(0)->colorScale());
        w.predictionView()->setComparedRuns({});
        QCOMPARE(grid->runRows(), 1);
    }

    // Issue 26 #3: at any kept epoch a 6-D slice where x5 is not its first
    // value is filled, prediction and residual, from the kept parameters; the
    // title's MSE (all points) is the run's loss at that epoch.
    void aSixDimensionalSliceIsFilledAtEveryKeptEpoch() {
        MainWindow w(false);
        const auto* e = trainHyperGrid(w, 8, 6, 100);
        QVERIFY(e);
        auto* view = w.predictionView();
        view->showRun(e->id);
        auto* grid = view->gridView();
        grid->acrossBox()->setCurrentIndex(0);
        grid->upBox()->setCurrentIndex(1);
        grid->sliderOf(2)->setValue(3);
        grid->sliderOf(3)->setValue(6);
        grid->sliderOf(4)->setValue(5); // x5 ≠ its first value
        const auto rows = sliceRows(GridSlice{{8, 8, 8, 8, 8}, 0, 1, {0, 0, 3, 6, 5}, 0});
        const auto& data = *e->data();
        for (int epoch : {0, 85, 99}) {
            view->epochSlider()->setValue(epoch);
            const auto* kept = e->replayed(size_t(epoch));
            QVERIFY(kept);
            QSet<double> distinct;
            for (int a = 0; a < 8; ++a) {
                for (int u = 0; u < 8; ++u) {
                    const size_t row = rows[size_t(a * 8 + u)];
                    const double shown = grid->predictionMap()->data()->cell(a, u);
                    QVERIFY2(shown == double(kept->values[row]),
                             qPrintable(QString("epoch %1, cell %2,%3: %4 against %5")
                                            .arg(epoch)
                                            .arg(a)
                                            .arg(u)
                                            .arg(shown, 0, 'g', 12)
                                            .arg(kept->values[row], 0, 'g', 12)));
                    QCOMPARE(grid->residualMap()->data()->cell(a, u),
                             shown - double(data.targets[row]));
                    distinct.insert(shown);
                }
            }
            QVERIFY2(distinct.size() > 32, qPrintable(QString::number(distinct.size())));
            const double loss = e->losses()[size_t(epoch)];
            QVERIFY2(std::abs(kept->mse - loss) <= 1e-6 * loss,
                     qPrintable(QString("%1 against %2").arg(kept->mse).arg(loss)));
            const QString title = view->titleText();
            QVERIFY2(title.contains(QStringLiteral("epoch %1").arg(epoch + 1)) &&
                         title.contains(QStringLiteral("x5 = ")),
                     qPrintable(title));
        }
    }

    // The model inspector at the slider's epoch: each wave's parameters as
    // kept, its contribution under the sum, norms and gradients over the
    // kept epochs; muting a wave gives the MSE of the model whose head
    // weight for it is zero, computed here independently.
    void theInspectorShowsEachWaveAndMutesIt() {
        MainWindow w(false);
        w.show();
        auto c = w.form()->config();
        c.train.epochs = 300;
        const auto* e = trainToTheEnd(w, c);
        QVERIFY(e);
        auto* inspector = inspectorShowing(w, *e);
        QVERIFY(inspector);
        w.predictionView()->epochSlider()->setValue(150);
        QCOMPARE(inspector->shownEpoch(), int64_t(150));
        QVERIFY2(inspector->summaryText().contains("epoch 151"),
                 qPrintable(inspector->summaryText()));

        const auto& frames = e->parameters();
        const auto& layout = e->replay()->evaluator().layout();
        auto* table = inspector->unitTable();
        QCOMPARE(table->rowCount(), 16);
        QCOMPARE(table->horizontalHeaderItem(1)->text(), QString("A")); // amplitude, wave by wave
        const auto amplitude = layout.front();                          // the first tensor
        QCOMPARE(amplitude.name, std::string("amplitude"));
        QCOMPARE(table->item(2, 1)->text(),
                 QString::number(frames.frame(150)[amplitude.offset + 2], 'g', 4));

        // Wave 3 muted: the fit without it, against a model without it.
        const auto head = *std::find_if(layout.begin(), layout.end(),
                                        [](const auto& s) { return s.name == "head.weight"; });
        auto without = frames.frameValues(150);
        without[size_t(head.offset + 2)] = 0.0f;
        FieldEvaluator independent(e->config().model, 1, e->config().train.seed);
        independent.setParameters(without.data(), int64_t(without.size()));
        const double expected =
            meanSquaredError(independent.predict(e->data()->coords), e->data()->targets);
        table->item(2, 0)->setCheckState(Qt::Checked); // as a click on its box
        QVERIFY2(std::abs(inspector->mutedMse() - expected) <= 1e-6 * expected,
                 qPrintable(QString("%1 against %2").arg(inspector->mutedMse()).arg(expected)));
        QVERIFY(inspector->mutedMse() != e->replayed(150)->mse);
        QCOMPARE(table->item(2, table->columnCount() - 1)->text(),
                 QString::number(expected, 'g', 4));
        QVERIFY2(inspector->summaryText().contains("without 1 muted wave: MSE"),
                 qPrintable(inspector->summaryText()));
        // truth, the sum, the fit without wave 3, and the 16 waves
        QCOMPARE(inspector->contributionPlot()->graphCount(), 3 + 16);
        inspector->setMuted(2, false);
        QCOMPARE(inspector->mutedMse(), e->replayed(150)->mse);
        // At the end model too.
        w.predictionView()->epochSlider()->setValue(300);
        const size_t end = frames.size() - 1;
        auto atEnd = frames.frameValues(end);
        atEnd[size_t(head.offset + 2)] = 0.0f;
        independent.setParameters(atEnd.data(), int64_t(atEnd.size()));
        const double expectedAtEnd =
            meanSquaredError(independent.predict(e->data()->coords), e->data()->targets);
        inspector->setMuted(2, true);
        QVERIFY2(
            std::abs(inspector->mutedMse() - expectedAtEnd) <= 1e-6 * expectedAtEnd,
            qPrintable(QString("%1 against %2").arg(inspector->mutedMse()).arg(expectedAtEnd)));
        inspector->setMuted(2, false);
        w.predictionView()->epochSlider()->setValue(150);

        // Over the kept epochs: a norm per tensor, the global gradient norm
        // and the bands of the chosen tensor's gradient.
        QCOMPARE(inspector->normPlot()->graphCount(), int(layout.size()));
        QCOMPARE(inspector->normPlot()->graph(0)->data()->size(), int(frames.size()));
        auto* gradients = inspector->gradientPlot();
        QCOMPARE(gradients->graph(0)->data()->size(), int(frames.size()));
        double squares = 0.0;
        for (int64_t i = 0; i < frames.width; ++i) {
            squares += double(frames.gradient(150)[i]) * frames.gradient(150)[i];
        }
        QCOMPARE(gradients->graph(0)->data()->at(150)->value, std::sqrt(squares));
        QCOMPARE(gradients->graphCount(), 1 + 6 + 1); // the norm, three bands, the median
        inspector->normsOfBox()->setCurrentIndex(1);  // each tensor's gradient
        const auto headIndex =
            int(std::find_if(layout.begin(), layout.end(),
                             [](const auto& s) { return s.name == "head.weight"; }) -
                layout.begin());
        double headSquares = 0.0;
        for (int64_t i = 0; i < head.count; ++i) {
            const double g = frames.gradient(150)[head.offset + i];
            headSquares += g * g;
        }
        QCOMPARE(inspector->normPlot()->graph(headIndex)->data()->at(150)->value,
                 std::sqrt(headSquares));
        inspector->normsOfBox()->setCurrentIndex(0);
        inspector->trajectoryBox()->setCurrentIndex(1); // k
        QCOMPARE(inspector->trajectoryPlot()->graphCount(), 16);
        QCOMPARE(inspector->trajectoryPlot()->yAxis->label(), QString("k"));

        // Every plot exports its numbers.
        ScratchFolder scratch;
        QString error;
        const auto csv = scratch.filePath("norms.csv");
        QVERIFY2(savePlot(inspector->normPlot(), csv, &error), qPrintable(error));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().count('\n'), 1 + qsizetype(layout.size() * frames.size()));
    }

    // While a run trains the inspector follows its latest kept epoch (at
    // most a redraw a second: each runs the model on every point).
    void theInspectorFollowsALiveRun() {
        MainWindow w(false);
        w.show();
        auto c = w.form()->config();
        c.train.epochs = 10'000'000;
        w.form()->setConfig(c);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        auto* inspector = inspectorShowing(w, *e);
        QVERIFY(inspector);
        QTRY_VERIFY_WITH_TIMEOUT(inspector->shownEpoch() > 0, kTimeoutMs);
        const auto first = inspector->shownEpoch();
        QTRY_VERIFY_WITH_TIMEOUT(inspector->shownEpoch() > first, kTimeoutMs);
        QVERIFY(e->isLive());
        w.stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
    }

    // The interference basis shares its envelope; SIREN has no units but
    // norms and gradients; RFF shows its frequencies against the spectrum.
    void theInspectorFollowsEveryModel_data() {
        QTest::addColumn<int>("kind");
        QTest::newRow("interference") << int(ModelKind::Interference);
        QTest::newRow("siren") << int(ModelKind::Siren);
        QTest::newRow("rff") << int(ModelKind::RandomFourier);
    }
    void theInspectorFollowsEveryModel() {
        QFETCH(int, kind);
        MainWindow w(false);
        w.show();
        auto c = w.form()->config();
        c.model.kind = ModelKind(kind);
        c.train.epochs = 60;
        const auto* e = trainToTheEnd(w, c);
        QVERIFY(e);
        auto* inspector = inspectorShowing(w, *e);
        QVERIFY(inspector);
        auto* tabs = inspector->tabs();
        const bool units = ModelKind(kind) == ModelKind::Interference;
        QCOMPARE(tabs->isTabVisible(0), units);
        QCOMPARE(tabs->isTabVisible(4), ModelKind(kind) == ModelKind::RandomFourier);
        QCOMPARE(inspector->normPlot()->graphCount(),
                 int(e->replay()->evaluator().layout().size()));
        if (units) {
            QCOMPARE(inspector->unitTable()->rowCount(), c.model.fields);
            QVERIFY2(inspector->sharedText().startsWith("Shared envelope: σ = ") &&
                         inspector->sharedText().contains("; v = "),
                     qPrintable(inspector->sharedText()));
        }
        if (ModelKind(kind) == ModelKind::RandomFourier) {
            auto* spectrum = inspector->spectrumPlot();
            QCOMPARE(spectrum->plottableCount(), 2); // the frequencies' bars, the data's line
            double features = 0.0;
            auto* bars = qobject_cast<QCPBars*>(spectrum->plottable(0));
            for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) {
                features += it->value;
            }
            QCOMPARE(features, double(c.model.features));
        }
    }

    // 1-D: the residual under the curve; a zoom in x stays while the run trains.
    void theChirpShowsItsResidualAndKeepsAZoom() {
        MainWindow w(false);
        auto c = w.form()->config();
        c.train.epochs = 40;
        w.form()->setConfig(c);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
        w.predictionView()->showRun(e->id);
        auto* plot = w.predictionView()->linePlot();
        QTRY_COMPARE(plot->graph(2)->data()->size(), 1000);
        const auto& data = *e->data();
        QCOMPARE(plot->graph(2)->data()->at(10)->value,
                 double(e->prediction->values[10]) - double(data.targets[10]));
        QWheelEvent wheel(QPointF(200, 100), plot->mapToGlobal(QPointF(200, 100)), QPoint(),
                          QPoint(0, 120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(plot, &wheel);
        const auto zoomed = plot->xAxis->range();
        QVERIFY(zoomed.size() < 20.0);
        QCOMPARE(plot->graph(2)->keyAxis()->range().size(), zoomed.size());
        Q_EMIT w.runs()->predictionUpdated(e->id); // a new prediction arrives
        QCOMPARE(plot->xAxis->range().size(), zoomed.size());
    }

    void learningRatesShowOnASecondAxis() {
        MainWindow w(false);
        auto c = w.form()->config();
        c.train.epochs = 60;
        c.train.schedule.kind = LrSchedule::Step;
        c.train.schedule.stepEvery = 20;
        c.train.schedule.gamma = 0.5;
        w.form()->setConfig(c);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
        w.findChild<QAction*>(QStringLiteral("showLearningRate"))->trigger();
        QTRY_VERIFY(w.lossPlot()->rateGraphOf(e->id) != nullptr);
        const auto* rates = w.lossPlot()->rateGraphOf(e->id);
        QCOMPARE(rates->data()->size(), 60);
        QCOMPARE(rates->data()->at(19)->value, c.train.learningRate);
        QCOMPARE(rates->data()->at(45)->value, c.train.learningRate * 0.25);
        QVERIFY(w.lossPlot()->plot()->yAxis2->visible());
    }

    void finishedRunsTravelWithTheExperiment() {
        QTemporaryDir dir;
        MainWindow w(false);
        setEpochs(w, 40);
        w.startAction()->trigger();
        const auto* e = w.runs()->entryAt(0);
        QTRY_VERIFY_WITH_TIMEOUT(e->ended(), kTimeoutMs);
        const auto path = dir.filePath("with-runs.json");
        QCOMPARE(w.saveExperimentTo(path), QString());

        MainWindow other(false);
        QCOMPARE(other.openExperimentFrom(path), QString());
        QCOMPARE(other.runs()->rowCount(), 1);
        const auto* opened = other.runs()->entryAt(0);
        QCOMPARE(opened->losses(), e->losses());
        QCOMPARE(opened->name(), e->name());
        QCOMPARE(pointsOf(other, opened->id), 40);

        // The CSV export, the one loss CSV: a header, then one row per epoch
        // naming the run.
        const auto lines = other.runs()->lossHistoryCsv().split('\n');
        QCOMPARE(lines.first(), "run_id,run_name,epoch,loss,validation_loss,averaged_loss");
        QCOMPARE(lines.size(), 1 + 40 + 1); // header, epochs, final newline
        QVERIFY(lines.at(40).contains('"' + e->name().toUtf8() + '"'));
        QCOMPARE(lines.at(40).split(',').at(3).toDouble(), e->losses().back());
    }

    void badFilesChangeNothing_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("truncated")
            << QByteArray("{\"format\": \"dredge-studio-experiment\", \"vers") << "truncated";
        QTest::newRow("not an experiment")
            << QByteArray("{\"hello\": 1}") << "not an experiment file";
        QTest::newRow("wrong version")
            << QByteArray("{\"format\": \"dredge-studio-experiment\", \"version\": 99}")
            << "unsupported version 99";
        QTest::newRow("bad field")
            << QByteArray("{\"format\": \"dredge-studio-experiment\", \"version\": 1, "
                          "\"experiment\": {\"train\": {\"epochs\": \"many\"}}}")
            << "train.epochs";
        QTest::newRow("bad model")
            << QByteArray("{\"format\": \"dredge-studio-experiment\", \"version\": 1, "
                          "\"experiment\": {\"model\": {\"kind\": \"gpt\"}}}")
            << "model.kind";
    }
    void badFilesChangeNothing() {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const auto path = dir.filePath("bad.json");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
        file.close();
        MainWindow w(false);
        auto config = w.form()->config();
        config.train.seed = 77;
        w.form()->setConfig(config);
        const auto error = w.openExperimentFrom(path);
        QVERIFY2(error.contains(message), qPrintable(error));
        QCOMPARE(w.form()->config().train.seed, uint64_t(77));
        QCOMPARE(w.runs()->rowCount(), 0);
    }

    void failedSaveLeavesTheOldFile() {
        QTemporaryDir dir;
        {
            MainWindow w(false);
            const auto error = w.saveExperimentTo(dir.filePath("missing-folder/x.json"));
            QVERIFY2(error.contains("missing-folder"), qPrintable(error));
        }
        const auto path = dir.filePath("keep.json");
        MainWindow w(false);
        QCOMPARE(w.saveExperimentTo(path), QString());
        QFile original(path);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const auto before = original.readAll();
        original.close();
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner); // no new files
        setEpochs(w, 999);
        const auto error = w.saveExperimentTo(path);
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        if (error.isEmpty()) {
            QSKIP("running as root: the directory stays writable");
        }
        QVERIFY(original.open(QIODevice::ReadOnly));
        QCOMPARE(original.readAll(), before);
    }

    void closingDuringTrainingStopsRuns() {
        auto* w = new MainWindow(false);
        w->show();
        setEpochs(*w, 50'000'000);
        w->startAction()->trigger();
        w->startAction()->trigger();
        const int id = w->runs()->entryAt(0)->id;
        QTRY_VERIFY_WITH_TIMEOUT(pointsOf(*w, id) > 0, kTimeoutMs);
        QVERIFY(w->close()); // returns once both runs have stopped and joined
        QCOMPARE(w->runs()->rowCount(), 0);
        delete w;
    }
};

QTEST_MAIN(TestGui)
#include "test_gui.moc"
