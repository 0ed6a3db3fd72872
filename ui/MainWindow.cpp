#include "MainWindow.h"

#include "FitFigures.h"
#include "RunCost.h"

#include "ExperimentForm.h"
#include "ExperimentJson.h"
#include "ForkDialog.h"
#include "ForkRecord.h"
#include "ForkRule.h"
#include "GradientNormPlot.h"
#include "GroupsPanel.h"
#include "HistoryPanel.h"
#include "InsightServer.h"
#include "LossPlot.h"
#include "LossPlotBar.h"
#include "ModelInspector.h"
#include "ParallelCoordinates.h"
#include "PlotFiles.h"
#include "PredictionView.h"
#include "Preference.h"
#include "RunsModel.h"
#include "ServerPanel.h"
#include "SignalFiles.h"
#include "StoreClient.h"
#include "SweepDialog.h"
#include "SweepPanel.h"
#include "SweepProcess.h"
#include "SweepQueue.h"
#include "SweepRecords.h"
#include "VersionReport.h"

#include "QCustomPlotInclude.h"
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHash>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSysInfo>
#include <QTableView>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <set>

// The icon and presets are compiled into the static ui library, whose
// resource object nothing else references: without this the linker drops it.
// (Q_INIT_RESOURCE must stand outside any namespace.)
static void initUiResources() {
    Q_INIT_RESOURCE(resources);
}

namespace dredge {

MainWindow::MainWindow(bool useSettings, const QString& storeUrl, bool followSymlinks,
                       QWidget* parent)
    : QMainWindow(parent)
    , useSettings_(useSettings)
    , followSymlinks_(followSymlinks)
    , commandPath_(QCoreApplication::applicationFilePath())
    , runs_(new RunsModel(this))
    , server_(new InsightServer(this))
    , form_(new ExperimentForm)
    , lossPlot_(new LossPlot(runs_))
    , gradientPlot_(new GradientNormPlot(runs_))
    , prediction_(new PredictionView(runs_))
    , inspector_(new ModelInspector(runs_, prediction_))
    , serverPanel_(new ServerPanel(server_))
    , history_(new HistoryPanel(runs_))
    , sweepPanel_(new SweepPanel)
    , groupsPanel_(new GroupsPanel(runs_))
    , parallel_(new ParallelCoordinates(runs_))
    , table_(new QTableView)
    , statusText_(new QLabel)
    , storeWarning_(new QLabel)
    , statusProgress_(new QProgressBar) {
    setWindowTitle(tr("DREDGE Studio"));
    initUiResources();
    setWindowIcon(QIcon(QStringLiteral(":/dredge-studio.svg")));
    // 1440×900, or what the screen has room for (a 1280×720 screen cut the
    // window's right and bottom edges).
    resize(QSize(1440, 900).boundedTo(screen()->availableSize()));

    // The gradient norm, on demand, shares the loss plot's room (an inner
    // splitter), so that the prediction keeps its own.
    auto* curves = new QSplitter(Qt::Vertical);
    curves->addWidget(lossPlot_);
    curves->addWidget(gradientPlot_);
    curves->setStretchFactor(0, 3);
    curves->setStretchFactor(1, 2);
    gradientPlot_->hide(); // the loss plot's Gradient norm button shows it
    connect(lossPlot_->bar(), &LossPlotBar::gradientNormToggled, gradientPlot_,
            &QWidget::setVisible);
    auto* centre = new QSplitter(Qt::Vertical);
    centre->addWidget(curves);
    centre->addWidget(prediction_);
    centre->setStretchFactor(0, 3);
    centre->setStretchFactor(1, 2);
    centre->setSizes({600, 400}); // the stretch factors share only what is left over
    setCentralWidget(centre);

    buildActions();
    buildDocks();

    statusProgress_->setMaximumWidth(240);
    statusProgress_->setTextVisible(true);
    statusBar()->addWidget(statusText_, 1);
    storeWarning_->setObjectName(QStringLiteral("storeWarning"));
    storeWarning_->setStyleSheet(QStringLiteral("color: #b00020"));
    storeWarning_->hide();
    statusBar()->addPermanentWidget(storeWarning_);
    statusBar()->addPermanentWidget(statusProgress_);

    connect(form_, &ExperimentForm::changed, this, &MainWindow::updateActions);
    connect(runs_, &RunsModel::runChanged, this, [this](int id) {
        if (id == selectedRun()) {
            updateStatus();
            updateActions();
        }
        if (id == liveRunInForm_ || id == selectedRun()) {
            followSelectionInForm(); // it ended, or it started training
        }
    });
    connect(runs_, &RunsModel::journalChanged, this, [this](int id) {
        const auto* e = runs_->entry(id);
        if (!e || e->journal().empty()) {
            return;
        }
        const auto& change = e->journal().back();
        const bool applied = change.state == ChangeState::Applied;
        statusBar()->showMessage(
            applied ? tr("%1: %2").arg(e->name(), describeChange(change))
                    : tr("%1: refused %2: %3").arg(e->name(), change.setting, change.message),
            applied ? 5000 : 15000);
        if (id == liveRunInForm_) {
            form_->updateLive(e->currentConfig());
        }
    });
    connect(form_, &ExperimentForm::applyRequested, this, &MainWindow::applyLiveChanges);
    connect(form_, &ExperimentForm::leaveLiveRequested, this,
            [this] { table_->selectionModel()->clearSelection(); });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const int id = selectedRun();
        lossPlot_->highlight(id);
        gradientPlot_->showRun(id);
        prediction_->showRun(id);
        auto others = selectedRuns(); // drawn beside it where the data are the same
        others.erase(std::remove(others.begin(), others.end(), id), others.end());
        prediction_->setComparedRuns(others);
        updateStatus();
        updateActions();
        followSelectionInForm();
    });
    if (useSettings_) {
        loadSettings();
    }
    const QString configured = useSettings_ ? preferences::storeUrl.get() : QString();
    const QString url =
        useSettings_ || !storeUrl.isEmpty() ? chooseStoreUrl(storeUrl, configured) : QString();
    if (const auto error = useStore(url); !error.isEmpty()) {
        statusBar()->showMessage(error, 15000);
    }
    updateActions();
    updateStatus();
}

MainWindow::~MainWindow() {
    runs_->clear(); // live runs end and are recorded while the store still exists
}

void MainWindow::buildActions() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New experiment"), QKeySequence::New, this, &MainWindow::newExperiment);
    file->addAction(tr("&Open experiment…"), QKeySequence::Open, this, &MainWindow::openExperiment);
    file->addAction(tr("Open &data…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this,
                    &MainWindow::openData);
    connect(prediction_, &PredictionView::locateDataRequested, this, &MainWindow::locateData);
    file->addAction(tr("&Save experiment…"), QKeySequence::Save, this, &MainWindow::saveExperiment);
    saveRuns_ = file->addAction(tr("Save finished runs with the experiment"));
    saveRuns_->setCheckable(true);
    saveRuns_->setChecked(true);
    file->addSeparator();
    file->addAction(tr("Export loss history as &CSV…"), this, &MainWindow::exportLossCsv);
    file->addAction(tr("Export &plots as PNG, PDF or SVG…"), this, &MainWindow::exportPlots);
    exportModel_ =
        file->addAction(tr("Export &model (TorchScript)…"), this, &MainWindow::exportModel);
    exportModel_->setToolTip(tr("The selected run's model at the epoch the prediction shows (at "
                                "the slider's end: the model it ended with), for torch.jit.load"));
    exportField_ =
        file->addAction(tr("Export &field (PNG, WAV or .npy)…"), this, &MainWindow::exportField);
    exportField_->setToolTip(
        tr("The selected image, sound or volume run's field at the epoch the prediction shows, "
           "sampled afresh: a picture at 1×, 2× or 4× its size, a sound at its rate or twice it, "
           "a volume on its voxels or twice as fine"));
    file->addSeparator();
    file->addAction(tr("Run s&tore…"), this, &MainWindow::chooseStore);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    auto* run = menuBar()->addMenu(tr("&Run"));
    start_ = run->addAction(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("&Start"),
                            QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] { startRun(); });
    start_->setToolTip(tr("Start a new run of the experiment (Ctrl+R)"));
    pause_ = run->addAction(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("&Pause"),
                            QKeySequence(Qt::CTRL | Qt::Key_P), this, [this] {
                                for (int id : selectedRuns()) {
                                    runs_->pause(id);
                                }
                            });
    resume_ = run->addAction(QIcon::fromTheme(QStringLiteral("media-seek-forward")), tr("R&esume"),
                             QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), this, [this] {
                                 for (int id : selectedRuns()) {
                                     runs_->resume(id);
                                 }
                             });
    stop_ = run->addAction(QIcon::fromTheme(QStringLiteral("media-playback-stop")), tr("S&top"),
                           QKeySequence(Qt::CTRL | Qt::Key_Period), this, [this] {
                               for (int id : selectedRuns()) {
                                   runs_->stop(id);
                               }
                           });
    stopAll_ =
        run->addAction(tr("Stop &all runs"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Period),
                       runs_, &RunsModel::stopAll);
    newSweep_ = run->addAction(tr("New s&weep…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
                               this, &MainWindow::askForSweep);
    newSweep_->setToolTip(tr("Vary settings and seeds of the experiment, runs queued"));
    run->addSeparator();
    fork_ = run->addAction(tr("&Fork from a checkpoint…"), this, [this] { askForFork(false); });
    fork_->setToolTip(tr("A new run from one of the selected run's checkpoints, with other "
                         "training settings"));
    revertToBest_ = run->addAction(tr("Revert to &best…"), this, [this] { askForFork(true); });
    revertToBest_->setToolTip(tr("A new run from the selected run's last checkpoint at or "
                                 "before its best epoch"));
    remove_ = run->addAction(tr("&Remove selected runs"), QKeySequence::Delete, this, [this] {
        for (int id : selectedRuns()) {
            runs_->removeRun(id);
        }
    });

    auto* view = menuBar()->addMenu(tr("&View"));
    logScale_ = view->addAction(tr("&Logarithmic loss axis"));
    logScale_->setCheckable(true);
    logScale_->setChecked(true);
    connect(logScale_, &QAction::toggled, lossPlot_, &LossPlot::setLogScale);
    view->addAction(tr("&Fit loss plot"), QKeySequence(Qt::CTRL | Qt::Key_0), lossPlot_,
                    &LossPlot::fitAll);
    auto* rates = view->addAction(tr("Learning &rate on a second axis"));
    rates->setObjectName(QStringLiteral("showLearningRate"));
    rates->setCheckable(true);
    connect(rates, &QAction::toggled, lossPlot_, &LossPlot::setShowLearningRate);
    view->addSeparator();
    groupSeeds_ = view->addAction(tr("Draw &seed groups as one curve and band"));
    groupSeeds_->setCheckable(true);
    groupSeeds_->setToolTip(tr("Runs that differ only in the seed: their mean (or median) "
                               "with a min–max (or ±1 std) band instead of a line each"));
    connect(groupSeeds_, &QAction::toggled, lossPlot_, &LossPlot::setGroupSeeds);
    auto* median = view->addAction(tr("Seed groups: &median instead of mean"));
    median->setCheckable(true);
    connect(median, &QAction::toggled, lossPlot_, [this](bool on) {
        lossPlot_->setGroupCenter(on ? CurveCenter::Median : CurveCenter::Mean);
    });
    auto* stdBand = view->addAction(tr("Seed groups: ±1 std band instead of min–max"));
    stdBand->setCheckable(true);
    connect(stdBand, &QAction::toggled, lossPlot_, [this](bool on) {
        lossPlot_->setGroupBand(on ? CurveBand::StdDev : CurveBand::MinMax);
    });
    view->setObjectName(QStringLiteral("viewMenu"));

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About DREDGE Studio"), this, &MainWindow::about);

    auto* toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName(QStringLiteral("runToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({start_, pause_, resume_, stop_});
    toolbar->addSeparator();
    toolbar->addAction(logScale_);
}

namespace {

// A panel that scrolls up and down only: as wide as its narrowest layout plus
// the vertical scroll bar, so that no field is cut, and as short as the
// window needs.
QScrollArea* scrolledDown(QWidget* panel) {
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidget(panel);
    scroll->setMinimumWidth(panel->minimumSizeHint().width() +
                            scroll->verticalScrollBar()->sizeHint().width() +
                            2 * scroll->frameWidth());
    return scroll;
}

} // namespace

QDockWidget* MainWindow::addDock(const QString& title, const QString& name, QWidget* widget,
                                 Qt::DockWidgetArea area, QDockWidget* tabbedWith) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    if (tabbedWith) {
        tabifyDockWidget(tabbedWith, dock);
    }
    menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))->addAction(dock->toggleViewAction());
    return dock;
}

void MainWindow::buildDocks() {
    menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"))->addSeparator();
    auto* formDock = addDock(tr("Experiment"), QStringLiteral("experimentDock"),
                             scrolledDown(form_), Qt::LeftDockWidgetArea);

    table_->setObjectName(QStringLiteral("runsTable"));
    table_->setModel(runs_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(RunsModel::Name, QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setContextMenuPolicy(Qt::ActionsContextMenu);
    table_->addActions({pause_, resume_, stop_, fork_, revertToBest_, remove_});
    const auto bottom = Qt::BottomDockWidgetArea;
    auto* runsDock = addDock(tr("Runs"), QStringLiteral("runsDock"), table_, bottom);
    auto* historyDock =
        addDock(tr("History"), QStringLiteral("historyDock"), history_, bottom, runsDock);
    auto* sweepDock =
        addDock(tr("Sweeps"), QStringLiteral("sweepDock"), sweepPanel_, bottom, historyDock);
    auto* groupsDock =
        addDock(tr("Groups"), QStringLiteral("groupsDock"), groupsPanel_, bottom, sweepDock);
    addDock(tr("Parallel coordinates"), QStringLiteral("parallelDock"), parallel_, bottom,
            groupsDock);
    runsDock->raise();
    // The plots first: the table starts at a few rows (a QTableView asks for
    // ~300 px, which on a 720-px screen leaves the loss plot a strip).
    resizeDocks({runsDock}, {150}, Qt::Vertical);
    // Ranges kept on the axes pick runs out in the loss plot and the table.
    connect(parallel_, &ParallelCoordinates::matchesChanged, this,
            [this](const std::set<int>& ids) {
                lossPlot_->setEmphasis(ids);
                if (ids.empty()) {
                    return;
                }
                table_->clearSelection();
                for (int id : ids) {
                    table_->selectionModel()->select(runs_->index(runs_->rowOf(id), 0),
                                                     QItemSelectionModel::Select |
                                                         QItemSelectionModel::Rows);
                }
            });
    connect(sweepPanel_, &SweepPanel::cancelRequested, this, &MainWindow::cancelSweep);

    // Behind the form, not beside the plots: at 1280×720 a third column of
    // panels would leave the plots half the window.
    addDock(tr("Insight server"), QStringLiteral("serverDock"), scrolledDown(serverPanel_),
            Qt::LeftDockWidgetArea, formDock);
    // Beside the form too: the prediction it looks inside stays in view.
    addDock(tr("Inspector"), QStringLiteral("inspectorDock"), inspector_, Qt::LeftDockWidgetArea,
            formDock);
    formDock->raise();
    // New runs are selected so that their progress shows at once.
    connect(runs_, &RunsModel::runAdded, this, &MainWindow::selectRun);
}

int MainWindow::startRun() {
    if (!form_->problem().isEmpty()) {
        statusBar()->showMessage(form_->problem(), 5000);
        return 0;
    }
    if (!confirmCost(form_->config())) {
        return 0;
    }
    // Read before the start: the form then shows the new run's own settings.
    const QString note = form_->note();
    const int id = runs_->startRun(form_->config());
    if (!note.isEmpty()) { // the form's end may be scrolled out of sight
        statusBar()->showMessage(note, 15000);
    }
    return id;
}

bool MainWindow::confirmCost(const ExperimentConfig& config) {
    std::vector<RunRecord> measured;
    for (const auto& e : runs_->entries()) {
        measured.push_back(e->record);
    }
    const auto cost = estimateRunCost(config, measured);
    const double memory = physicalMemoryBytes();
    if (!isLargeRun(cost, memory)) {
        return true;
    }
    QMessageBox box(QMessageBox::Question, tr("A large run"),
                    tr("This run is large: %1.").arg(costText(cost, memory)), QMessageBox::Cancel,
                    this);
    box.setObjectName(QStringLiteral("largeRunBox"));
    box.setInformativeText(tr("A smaller grid trains in a fraction of the time. Start anyway?"));
    box.addButton(tr("Start"), QMessageBox::AcceptRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.buttonRole(box.clickedButton()) == QMessageBox::AcceptRole;
}

// The run becomes the whole selection, and the views follow it. (selectRow
// would read the keys held: with Start's Ctrl+R it added the row to the rows
// already selected, and Pause and Stop stayed off.)
void MainWindow::compareAmp() {
    if (!form_->problem().isEmpty()) {
        statusBar()->showMessage(form_->problem(), 5000);
        return;
    }
    auto config = form_->config();
    for (bool amp : {false, true}) {
        config.train.mixedPrecision = amp;
        runs_->startRun(config);
    }
}

void MainWindow::selectRun(int id) {
    const int row = runs_->rowOf(id);
    if (row >= 0) {
        const auto index = runs_->index(row, RunsModel::Name);
        table_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
    }
}

void MainWindow::followSelectionInForm() {
    const auto ids = selectedRuns();
    const auto* e = ids.size() == 1 ? runs_->entry(ids.front()) : nullptr;
    if (e && e->isLive()) {
        if (liveRunInForm_ != e->id) {
            form_->showLive(e->name(), e->currentConfig());
            liveRunInForm_ = e->id;
        }
    } else if (liveRunInForm_ != 0) {
        form_->endLive();
        liveRunInForm_ = 0;
    }
}

void MainWindow::applyLiveChanges() {
    auto changes = form_->liveChanges();
    if (liveRunInForm_ == 0 || changes.empty()) {
        return;
    }
    statusBar()->showMessage(tr("%n change(s) sent: they apply at the run's next epoch boundary",
                                nullptr, int(changes.size())),
                             5000);
    runs_->change(liveRunInForm_, std::move(changes));
}

int MainWindow::selectedRun() const {
    const auto rows = table_->selectionModel()->selectedRows();
    const auto* e = rows.isEmpty() ? nullptr : runs_->entryAt(rows.first().row());
    return e ? e->id : 0;
}

std::vector<int> MainWindow::selectedRuns() const {
    std::vector<int> ids;
    for (const auto& index : table_->selectionModel()->selectedRows()) {
        if (const auto* e = runs_->entryAt(index.row())) {
            ids.push_back(e->id);
        }
    }
    return ids;
}

void MainWindow::updateActions() {
    start_->setEnabled(form_->problem().isEmpty());
    bool anyActive = false, anyPaused = false, anyLive = false;
    for (int id : selectedRuns()) {
        const auto* e = runs_->entry(id);
        if (e && e->isLive()) {
            anyLive = true;
            anyActive = anyActive || e->run->state() != TrainingRun::State::Paused;
            anyPaused = anyPaused || e->run->state() == TrainingRun::State::Paused;
        }
    }
    pause_->setEnabled(anyActive);
    resume_->setEnabled(anyPaused);
    stop_->setEnabled(anyLive);
    remove_->setEnabled(!selectedRuns().empty());
    const auto* one = selectedRuns().size() == 1 ? runs_->entry(selectedRuns().front()) : nullptr;
    const bool forkable = store_ && one && one->ended() && !one->losses().empty();
    fork_->setEnabled(forkable);
    exportModel_->setEnabled(store_ && one && !one->record.id.isEmpty());
    exportField_->setEnabled(store_ && one && !one->record.id.isEmpty() &&
                             fieldFileFor(one->config().data.kind));
    revertToBest_->setEnabled(forkable);
}

// One answer of the store to a request about run `id` (answers come in the
// order asked): `handle` takes it, then the connection goes.
template <typename Signal, typename Handle>
void whenAnswered(StoreClient* store, Signal signal, const QString& id, QObject* context,
                  Handle handle) {
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = QObject::connect(
        store, signal, context, [id, connection, handle](const QString& answered, auto&&... rest) {
            if (answered == id) {
                QObject::disconnect(*connection);
                handle(rest...);
            }
        });
}

void MainWindow::askForFork(bool fromBest) {
    const auto ids = selectedRuns();
    const auto* e = ids.size() == 1 ? runs_->entry(ids.front()) : nullptr;
    if (!e || !store_) {
        return;
    }
    const int runId = ids.front();
    whenAnswered(store_.get(), &StoreClient::checkpointsListed, e->record.id, this,
                 [this, runId, fromBest](const std::vector<qint64>& epochs, const QString& error) {
                     offerFork(runId, fromBest, epochs, error);
                 });
    store_->requestCheckpoints(e->record.id);
}

void MainWindow::offerFork(int runId, bool fromBest, const std::vector<qint64>& epochs,
                           const QString& error) {
    const auto* e = runs_->entry(runId);
    if (!e) {
        return; // removed while the store answered
    }
    if (epochs.empty()) {
        QMessageBox::information(
            this, tr("No checkpoint"),
            error.isEmpty() ? tr("%1 kept no checkpoints. Runs keep them with Checkpoint every N "
                                 "epochs (Averaging).")
                                  .arg(e->name())
                            : error);
        return;
    }
    qint64 preselected = epochs.back();
    if (fromBest) { // the weights of best epoch b are those after b epochs
        // The best as the run watched it: its validation loss where it had a split.
        const auto& losses = e->validationLosses().empty() ? e->losses() : e->validationLosses();
        const auto best = qint64(std::min_element(losses.begin(), losses.end()) - losses.begin());
        if (best < e->record.forkEpoch) { // its best came before it went on from its parent
            QMessageBox::information(
                this, tr("Best epoch in the parent"),
                tr("%1 went on from epoch %2 of its parent and never beat the parent's best "
                   "(epoch %3): revert the parent to its best instead.")
                    .arg(e->name())
                    .arg(e->record.forkEpoch)
                    .arg(best + 1));
            return;
        }
        const auto at = std::upper_bound(epochs.begin(), epochs.end(), best);
        preselected = at == epochs.begin() ? epochs.front() : *std::prev(at);
    }
    // The settings the run trained with up to there: a fork at a live
    // change's epoch goes on with the value before it (the undo).
    ForkDialog dialog(e->name(), configAt(e->record.config, e->journal(), preselected - 1), epochs,
                      preselected, this);
    if (fromBest) {
        dialog.setWindowTitle(tr("Revert %1 to its best").arg(e->name()));
    }
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    QString problem;
    const auto config = dialog.config(&problem);
    if (problem.isEmpty()) {
        problem = forkRun(runId, dialog.checkpointEpoch(), config);
    }
    if (!problem.isEmpty()) {
        QMessageBox::warning(this, tr("Cannot fork"), problem);
    }
}

QString MainWindow::forkRun(int runId, qint64 epoch, const ExperimentConfig& config) {
    const auto* e = runs_->entry(runId);
    if (!e || !store_) {
        return tr("no such stored run");
    }
    const RunRecord parent = e->record;
    if (auto problem = forkProblem(parent.config, config); !problem.isEmpty()) {
        return problem; // before the checkpoint is read
    }
    whenAnswered(
        store_.get(), &StoreClient::resumePointLoaded, parent.id, this,
        [this, parent, config](const std::optional<ResumePoint>& point, const QString& error) {
            QString why = error;
            auto record = point ? forkRecord(parent, *point, config, {}, &why) : std::nullopt;
            if (!record) {
                statusBar()->showMessage(tr("Cannot fork: %1").arg(why), 10000);
                Q_EMIT forkFailed(why);
                return;
            }
            Q_EMIT forkStarted(runs_->startRun(std::move(*record), false, *point));
        });
    store_->requestResumePoint(parent.id, epoch);
    return {};
}

void MainWindow::updateStatus() {
    const auto* e = runs_->entry(selectedRun());
    if (!e) {
        statusText_->setText(runs_->rowCount() ? tr("Select a run")
                                               : tr("Ready: press Start (Ctrl+R)"));
        statusProgress_->hide(); // no run, no progress
        return;
    }
    statusProgress_->show();
    const auto total = e->config().train.epochs;
    const auto done = int64_t(e->losses().size());
    statusProgress_->setRange(0, 1000);
    statusProgress_->setValue(int(1000.0 * double(done) / double(std::max<int64_t>(1, total))));
    statusProgress_->setFormat(QStringLiteral("%1 / %2").arg(done).arg(total));
    QString text = tr("%1 — %2").arg(e->name(), e->statusText());
    if (e->isLive() && e->epochsPerSecond() > 0) {
        text += tr(" — %1 epochs/s, ETA %2 s")
                    .arg(e->epochsPerSecond(), 0, 'f', 0)
                    .arg(e->etaSeconds(), 0, 'f', 1);
    } else if (e->ended()) {
        text += tr(" — final loss %1, %2 ms/epoch")
                    .arg(lossText(e->record.finalLoss))
                    .arg(e->record.msPerEpoch, 0, 'f', 3);
    }
    statusText_->setText(text);
}

QString MainWindow::saveExperimentTo(const QString& path) {
    ExperimentDocument document{form_->config(), {}};
    if (saveRuns_->isChecked()) {
        document.runs = runs_->finishedRuns();
    }
    const auto error = dredge::saveExperiment(path, document);
    if (error.isEmpty()) {
        lastFile_ = path;
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    }
    return error;
}

QString MainWindow::openExperimentFrom(const QString& path) {
    QString error;
    const auto document = dredge::openExperiment(path, &error);
    if (!document) {
        return error; // nothing changed
    }
    form_->setConfig(document->experiment);
    for (const auto& run : document->runs) {
        runs_->addSavedRun(run);
    }
    lastFile_ = path;
    // The form's note (a file that asks for several ranks, say) sits at the
    // form's end, often scrolled out of sight: the status bar repeats it.
    const QString opened = tr("Opened %1 (%2 runs)").arg(path).arg(document->runs.size());
    if (form_->note().isEmpty()) {
        statusBar()->showMessage(opened, 5000);
    } else {
        statusBar()->showMessage(opened + QStringLiteral(". ") + form_->note(), 20000);
    }
    return {};
}

QString MainWindow::openDataFrom(const QString& path) {
    auto config = form_->config();
    QString error;
    if (!chooseDataFile(config.data, path, &error)) {
        return error; // the form as it was
    }
    form_->setConfig(config);
    const auto& about = config.data.samples->description;
    statusBar()->showMessage(
        config.data.kind == DataKind::Table
            ? tr("%1. Inputs and outputs are the columns named under Data: change them there")
                  .arg(QString::fromStdString(about))
            : QString::fromStdString(about),
        15000);
    return {};
}

void MainWindow::openData() {
    const auto path = QFileDialog::getOpenFileName(
        this, tr("Open data"), QString(),
        tr("Data files (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.nii *.nii.gz *.npy "
           "*.wav *.flac *.ogg *.aiff *.csv *.tsv);;Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif "
           "*.tiff *.webp);;Volumes (*.nii *.nii.gz *.npy);;Sounds (*.wav *.flac *.ogg "
           "*.aiff);;Tables (*.csv *.tsv);;All files (*)"));
    if (!path.isEmpty()) {
        warnIfFailed(tr("Cannot open data"), openDataFrom(path));
    }
}

QString MainWindow::locateDataAt(int runId, const QString& path) {
    const QString error = runs_->relocateData(runId, path);
    if (error.isEmpty()) {
        statusBar()->showMessage(
            tr("Found the data of %1 at %2").arg(runs_->entry(runId)->name(), path), 10000);
    }
    return error;
}

void MainWindow::locateData(int runId) {
    const auto* e = runs_->entry(runId);
    if (!e) {
        return;
    }
    // Files of its kind first (a moved file is often renamed too): *.png, *.nii.gz.
    const QFileInfo was(dataSourceFile(e->config().data));
    const QStringList parts = was.fileName().split(u'.');
    const QString suffix = parts.size() > 2 && parts.last() == QLatin1String("gz")
                               ? parts.mid(parts.size() - 2).join(u'.')
                               : was.suffix();
    const auto path = QFileDialog::getOpenFileName(
        this, tr("Locate %1").arg(was.fileName()), was.absolutePath(),
        tr("Files like %1 (*.%2);;All files (*)").arg(was.fileName(), suffix));
    if (!path.isEmpty()) {
        warnIfFailed(tr("Cannot use this file"), locateDataAt(runId, path));
    }
}

void MainWindow::newExperiment() {
    form_->setConfig(ExperimentConfig{});
    lastFile_.clear();
}

void MainWindow::openExperiment() {
    const auto path = QFileDialog::getOpenFileName(this, tr("Open experiment"), lastFile_,
                                                   tr("Experiments (*.json);;All files (*)"));
    if (!path.isEmpty()) {
        warnIfFailed(tr("Cannot open experiment"), openExperimentFrom(path));
    }
}

void MainWindow::saveExperiment() {
    const auto path = QFileDialog::getSaveFileName(
        this, tr("Save experiment"), lastFile_.isEmpty() ? tr("experiment.json") : lastFile_,
        tr("Experiments (*.json)"));
    if (!path.isEmpty()) {
        warnIfFailed(tr("Cannot save experiment"), saveExperimentTo(path));
    }
}

void MainWindow::warnIfFailed(const QString& title, const QString& error) {
    if (!error.isEmpty()) {
        QMessageBox::warning(this, title, error);
    }
}

// The selected stored run's model at the epoch the prediction view shows; the
// file dialog's filter chooses float32 or INT8 linear layers. The store's
// thread writes it (KeptModel) and answers in showModelExported.
void MainWindow::exportModel() {
    const auto* e = selectedStoredRun(tr("Export model"));
    if (!e) {
        return;
    }
    const auto [spec, epoch] = shownFrameSpec(*e);
    const QString float32 = tr("TorchScript, float32 (*.pt)");
    const QString int8 = tr("TorchScript, INT8 linear layers (*.pt)");
    QString filter = float32;
    const auto path = QFileDialog::getSaveFileName(
        this, tr("Export model"),
        QStringLiteral("%1%2.pt").arg(
            e->record.id.left(8), epoch >= 0 ? QStringLiteral("-epoch%1").arg(epoch) : QString()),
        float32 + QStringLiteral(";;") + int8, &filter);
    if (path.isEmpty()) {
        return;
    }
    store_->requestModelExport(spec, path,
                               filter == int8 ? ScriptPrecision::Int8 : ScriptPrecision::Float32);
    statusBar()->showMessage(tr("Exporting %1…").arg(path));
}

// The one selected run of the store, or null after saying what to select.
const RunEntry* MainWindow::selectedStoredRun(const QString& title) {
    const auto ids = selectedRuns();
    const auto* e = ids.size() == 1 ? runs_->entry(ids.front()) : nullptr;
    if (!store_ || !e || e->record.id.isEmpty()) {
        QMessageBox::information(this, title,
                                 tr("Select one run of the run store: its kept parameters are "
                                    "what is exported."));
        return nullptr;
    }
    return e;
}

// RUN@EPOCH for the epoch the prediction view shows (RUN alone, the model the
// run ended with, at the slider's end), and that epoch (-1 at the end).
std::pair<QString, qint64> MainWindow::shownFrameSpec(const RunEntry& e) const {
    const auto* slider = prediction_->epochSlider();
    const qint64 epoch = slider->value() < slider->maximum() ? prediction_->shownFrameEpoch() : -1;
    return {epoch >= 0 ? QStringLiteral("%1@%2").arg(e.record.id).arg(epoch) : e.record.id, epoch};
}

namespace {

// What File → Export field… offers for each kind of file: the dialog's
// filters, each with its scale (of pixels, samples or voxels).
struct FieldChoice {
    FieldFile file;
    const char* filter;
    double scale;
};

const FieldChoice kFieldChoices[] = {
    {FieldFile::Png, QT_TRANSLATE_NOOP("MainWindow", "PNG at the trained size (*.png)"), 1.0},
    {FieldFile::Png, QT_TRANSLATE_NOOP("MainWindow", "PNG at 2× the size (*.png)"), 2.0},
    {FieldFile::Png, QT_TRANSLATE_NOOP("MainWindow", "PNG at 4× the size (*.png)"), 4.0},
    {FieldFile::Wav, QT_TRANSLATE_NOOP("MainWindow", "WAV at the file's rate (*.wav)"), 1.0},
    {FieldFile::Wav, QT_TRANSLATE_NOOP("MainWindow", "WAV at twice the rate (*.wav)"), 2.0},
    {FieldFile::Npy, QT_TRANSLATE_NOOP("MainWindow", "NumPy array on the voxels (*.npy)"), 1.0},
    {FieldFile::Npy, QT_TRANSLATE_NOOP("MainWindow", "NumPy array twice as fine (*.npy)"), 2.0},
};

} // namespace

// The selected image, sound or volume run's field at the shown epoch, sampled
// afresh by the store's thread (exportField), answered in showModelExported.
void MainWindow::exportField() {
    const auto* e = selectedStoredRun(tr("Export field"));
    if (!e) {
        return;
    }
    const auto file = fieldFileFor(e->config().data.kind);
    if (!file) {
        QMessageBox::information(this, tr("Export field"),
                                 tr("Only a run on an image, a sound or a volume has a field to "
                                    "export; File → Export model… takes any run."));
        return;
    }
    QStringList filters;
    for (const auto& choice : kFieldChoices) {
        if (choice.file == *file) {
            filters << tr(choice.filter);
        }
    }
    const auto [spec, epoch] = shownFrameSpec(*e);
    const QString suffix = *file == FieldFile::Png   ? QStringLiteral("png")
                           : *file == FieldFile::Wav ? QStringLiteral("wav")
                                                     : QStringLiteral("npy");
    QString filter = filters.first();
    const auto path = QFileDialog::getSaveFileName(
        this, tr("Export field"),
        QStringLiteral("%1%2.%3").arg(
            e->record.id.left(8), epoch >= 0 ? QStringLiteral("-epoch%1").arg(epoch) : QString(),
            suffix),
        filters.join(QStringLiteral(";;")), &filter);
    if (path.isEmpty()) {
        return;
    }
    FieldExport request;
    request.file = *file;
    for (const auto& choice : kFieldChoices) {
        request.scale = tr(choice.filter) == filter ? choice.scale : request.scale;
    }
    store_->requestFieldExport(spec, path, request);
    statusBar()->showMessage(tr("Exporting %1…").arg(path));
}

void MainWindow::showModelExported(const QString& path, const QString& written,
                                   const QString& error) {
    if (!error.isEmpty()) {
        statusBar()->clearMessage();
        QMessageBox::warning(this, tr("Cannot export %1").arg(path), error);
        return;
    }
    statusBar()->showMessage(written, 10000);
}

void MainWindow::exportLossCsv() {
    const auto path = QFileDialog::getSaveFileName(this, tr("Export loss history"),
                                                   tr("losses.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty()) {
        return;
    }
    const QByteArray csv = runs_->lossHistoryCsv();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv) != csv.size() || !file.commit()) {
        QMessageBox::warning(this, tr("Cannot export"), file.errorString());
    }
}

void MainWindow::exportPlots() {
    const auto path = QFileDialog::getSaveFileName(
        this, tr("Export plots"), tr("loss.png"),
        tr("PNG images (*.png);;PDF documents (*.pdf);;SVG drawings (*.svg)"));
    if (path.isEmpty()) {
        return;
    }
    // The loss plot goes to the chosen file, the prediction beside it.
    const QFileInfo info(path);
    const auto format = plotFileForSuffix(info.suffix()).value_or(PlotFile::Png2x);
    const QString prediction = info.dir().filePath(info.completeBaseName() +
                                                   QStringLiteral("-prediction.") + info.suffix());
    auto* predictionPlot = prediction_->findChildren<QCustomPlot*>().value(0);
    for (auto* stacked : prediction_->findChildren<QCustomPlot*>()) {
        if (stacked->isVisible()) {
            predictionPlot = stacked;
        }
    }
    QString error;
    if (format == PlotFile::Csv || !savePlotImage(lossPlot_->plot(), path, format, &error) ||
        !savePlotImage(predictionPlot, prediction, format, &error)) {
        QMessageBox::warning(this, tr("Cannot export"),
                             error.isEmpty() ? tr("%1 is not an image format").arg(info.suffix())
                                             : error);
    } else {
        statusBar()->showMessage(tr("Exported %1 and %2").arg(path, prediction), 5000);
    }
}

void MainWindow::about() {
    const auto info = versionInfo();
    QMessageBox::about(
        this, tr("About DREDGE Studio"),
        tr("<h3>DREDGE Studio %1</h3>"
           "<p>A desktop lab for training wave-function neural fields.</p>"
           "<p>Qt %2<br>LibTorch %3 (%4)<br>%5<br>SQLite %6</p>"
           "<p>Runs are kept in %7.</p>")
            .arg(info.app, info.qt, info.torch, info.cuda ? tr("CUDA available") : tr("CPU only"),
                 info.openssl, info.sqlite,
                 store_ ? store_->location().display().toHtmlEscaped() : tr("no store")));
}

QString MainWindow::useStore(const QString& url) {
    for (const auto& e : runs_->entries()) {
        if (e->isLive()) {
            return tr("The run store changes once no run is training.");
        }
    }
    std::unique_ptr<StoreClient> next;
    if (!url.isEmpty()) {
        QString error;
        auto location = parseStoreUrl(url, &error);
        if (!location) {
            return error;
        }
        location->followSymlinks = followSymlinks_;
        next = std::make_unique<StoreClient>(*location);
        connect(next.get(), &StoreClient::problem, this, &MainWindow::showStoreState);
        connect(next.get(), &StoreClient::healthy, this, &MainWindow::showStoreState);
        connect(next.get(), &StoreClient::modelExported, this, &MainWindow::showModelExported);
    }
    runs_->setStore(next.get());
    history_->setStore(next.get());
    if (next) { // the store's first list tells whether a sweep waits from before
        connect(next.get(), &StoreClient::listed, this, &MainWindow::offerQueuedSweeps,
                Qt::SingleShotConnection);
    }
    store_ = std::move(next); // the old client writes what it holds, then goes
    serverPanel_->setStoreLocation(store_ ? std::optional(store_->location()) : std::nullopt);
    showStoreState();
    return {};
}

void MainWindow::askForSweep() {
    const int threads = std::max(1, form_->config().train.threads);
    std::optional<SweepSpec> spec;
    int jobs = 1;
    QString error;
    {
        SweepDialog dialog(form_->config(), std::max(1, QThread::idealThreadCount() / threads),
                           this);
        if (dialog.exec() != QDialog::Accepted) {
            return;
        }
        spec = dialog.spec(&error);
        jobs = dialog.jobs();
    }
    // Started from the event loop, once the dialog is gone.
    QTimer::singleShot(0, this, [this, spec, jobs, error]() mutable {
        const bool started = spec && (isAdaptiveMode(sweepModeName(spec->mode))
                                          ? startAdaptiveSweep(*spec, jobs, &error) != nullptr
                                          : startSweep(*spec, jobs, &error) != nullptr);
        if (!started) {
            QMessageBox::warning(this, tr("Cannot start the sweep"), error);
        }
    });
}

SweepProcess* MainWindow::startAdaptiveSweep(const SweepSpec& spec, int jobs, QString* error) {
    if (!store_) {
        *error = tr("An adaptive sweep decides through a run store (its rungs, proposals and "
                    "population): choose one with File → Run store….");
        return nullptr;
    }
    if (!expandSweep(spec, error)) {
        return nullptr;
    }
    const QString folder =
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/sweeps";
    const QString path =
        QStringLiteral("%1/%2-%3.json")
            .arg(folder, QString(spec.name).replace(QRegularExpression("[^A-Za-z0-9_.-]"), "-"),
                 QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    QSaveFile file(path);
    const QByteArray bytes = QJsonDocument(toJson(spec)).toJson(QJsonDocument::Indented);
    if (!QDir().mkpath(folder) || !file.open(QIODevice::WriteOnly) ||
        file.write(bytes) != bytes.size() || !file.commit()) {
        *error = tr("Cannot write the sweep file %1: %2").arg(path, file.errorString());
        return nullptr;
    }
    const auto& location = store_->location();
    QStringList arguments{path, QStringLiteral("--store"), location.display()};
    if (spec.mode != SweepMode::Pbt) { // a population trains at once
        arguments << QStringLiteral("--jobs") << QString::number(jobs);
    }
    if (followSymlinks_) {
        arguments << QStringLiteral("--follow-symlinks");
    }
    QProcessEnvironment environment; // the URL shown leaves the password out
    if (!location.password.isEmpty()) {
        environment.insert(QStringLiteral("PGPASSWORD"), location.password);
    }
    auto* process = new SweepProcess(
        tr("%1 (%2, %3)").arg(spec.name, sweepModeName(spec.mode), QDir::toNativeSeparators(path)),
        commandPath_, arguments, environment, this);
    sweepPanel_->addProcess(process);
    connect(process, &SweepProcess::finished, this, [this, process] {
        if (process->state() == SweepProcess::State::Failed) {
            statusText_->setText(tr("Sweep failed: %1").arg(process->problem()));
        }
    });
    process->start();
    return process;
}

SweepQueue* MainWindow::startSweep(const SweepSpec& spec, int jobs, QString* error) {
    auto tasks = expandSweep(spec, error);
    if (!tasks) {
        return nullptr;
    }
    // Every run is queued in the store before the first starts: the History
    // panel shows the whole sweep, each run keeps its queued record, and what
    // has not started survives closing the window.
    const auto sweep = newSweepRecord(spec, int(tasks->size()));
    std::map<int, RunRecord> records;
    for (const auto& task : *tasks) {
        records.emplace(task.index, queuedRun(sweep, task));
    }
    if (store_) {
        store_->insertSweep(sweep);
        for (const auto& [task, record] : records) {
            store_->insertRun(record);
        }
    }
    auto* queue = queueSweep(spec.name, std::move(*tasks), std::move(records), jobs);
    queue->begin();
    return queue;
}

SweepQueue* MainWindow::queueSweep(const QString& name, std::vector<SweepTask> tasks,
                                   std::map<int, RunRecord> records, int jobs) {
    auto shared = std::make_shared<std::map<int, RunRecord>>(std::move(records));
    const bool stored = store_ != nullptr;
    auto* queue = new SweepQueue(
        name, std::move(tasks), jobs,
        [this, shared, stored](const SweepTask& task) {
            RunRecord record = shared->at(task.index);
            record.pid = QCoreApplication::applicationPid(); // this process trains it
            return runs_->startRun(record, stored);
        },
        this);
    connect(runs_, &RunsModel::runEnded, queue, &SweepQueue::runEnded);
    // What cancel leaves unstarted is recorded as stopped, not left queued.
    connect(queue, &SweepQueue::finished, this, [this, queue, shared] {
        for (int task : queue->droppedTasks()) {
            if (store_) {
                RunRecord record = shared->at(task);
                record.status = RecordStatus::Stopped;
                record.ended = QDateTime::currentDateTimeUtc();
                record.error = tr("cancelled before it started");
                store_->updateRun(record);
            }
        }
    });
    sweepPanel_->addQueue(queue);
    return queue;
}

void MainWindow::offerQueuedSweeps(const std::vector<RunRecord>& runs) {
    const int threads = std::max(1, form_->config().train.threads);
    for (auto& sweep : queuedSweeps(runs, QSysInfo::machineHostName())) {
        auto* queue = queueSweep(tr("%1 (queued earlier)").arg(sweep.name), std::move(sweep.tasks),
                                 std::move(sweep.records),
                                 std::max(1, QThread::idealThreadCount() / threads));
        queue->pause(); // the user resumes it, or cancels it
        queue->begin();
    }
}

void MainWindow::cancelSweep(SweepQueue* queue) {
    const auto running = queue->runningRuns();
    queue->cancel();
    for (int id : running) {
        runs_->stop(id); // each ends within an epoch and reports back
    }
}

void MainWindow::chooseStore() {
    bool ok = false;
    const QString current = store_ ? store_->location().display() : defaultStoreUrl();
    const QString url = QInputDialog::getText(
        this, tr("Run store"),
        tr("Where runs are kept: sqlite:PATH (a file) or postgresql://user@host:port/db "
           "(shared).\nLeave empty for the default (%1).\n$DREDGE_STORE and --store take "
           "precedence at start.")
            .arg(defaultStoreUrl()),
        QLineEdit::Normal, current, &ok);
    if (!ok) {
        return;
    }
    const QString chosen = url.trimmed().isEmpty() ? defaultStoreUrl() : url.trimmed();
    if (const auto error = useStore(chosen); !error.isEmpty()) {
        QMessageBox::warning(this, tr("Run store"), error);
        return;
    }
    if (useSettings_) {
        preferences::storeUrl.set(url.trimmed());
    }
    statusBar()->showMessage(tr("Runs are kept in %1").arg(chosen), 5000);
}

void MainWindow::showStoreState() {
    const bool failing = store_ && store_->hasProblem();
    storeWarning_->setVisible(failing);
    if (failing) {
        storeWarning_->setText(tr("⚠ Run store unavailable: runs kept in memory"));
        storeWarning_->setToolTip(store_->problemText());
    }
}

QString MainWindow::raisePanel(const QString& name) {
    static const QHash<QString, QString> docks{
        {QStringLiteral("runs"), QStringLiteral("runsDock")},
        {QStringLiteral("history"), QStringLiteral("historyDock")},
        {QStringLiteral("sweeps"), QStringLiteral("sweepDock")},
        {QStringLiteral("groups"), QStringLiteral("groupsDock")},
        {QStringLiteral("parallel"), QStringLiteral("parallelDock")},
        {QStringLiteral("inspector"), QStringLiteral("inspectorDock")},
        {QStringLiteral("server"), QStringLiteral("serverDock")}};
    if (name == QLatin1String("gradient")) { // not a dock: the plot under the loss
        lossPlot_->bar()->gradientNormButton()->setChecked(true);
        return {};
    }
    auto* dock = findChild<QDockWidget*>(docks.value(name), Qt::FindDirectChildrenOnly);
    if (name.isEmpty() || !dock) {
        return tr("no panel '%1' (choose runs, history, sweeps, groups, parallel, inspector, "
                  "server, gradient)")
            .arg(name);
    }
    dock->show();
    dock->raise();
    return {};
}

void MainWindow::startServer(quint16 port) {
    serverPanel_->portBox()->setValue(port);
    if (!server_->isListening()) {
        serverPanel_->toggleButton()->click();
    }
}

void MainWindow::loadSettings() {
    restoreGeometry(preferences::windowGeometry.get());
    restoreState(preferences::windowState.get());
    logScale_->setChecked(preferences::logScale.get());
    serverPanel_->setAddress(preferences::serverAddress.get());
    serverPanel_->portBox()->setValue(preferences::serverPort.get());
    QString ignored;
    const auto json = QJsonDocument::fromJson(preferences::experiment.get());
    if (const auto config = experimentFromJson(json.object(), &ignored)) {
        form_->setConfig(*config);
    }
}

void MainWindow::saveSettings() {
    preferences::windowGeometry.set(saveGeometry());
    preferences::windowState.set(saveState());
    preferences::logScale.set(logScale_->isChecked());
    preferences::serverAddress.set(serverPanel_->address());
    preferences::serverPort.set(serverPanel_->portBox()->value());
    preferences::experiment.set(
        QJsonDocument(toJson(form_->config())).toJson(QJsonDocument::Compact));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (useSettings_) {
        saveSettings();
    }
    runs_->stopAll(); // every run ends within one epoch; the model joins them
    runs_->clear();
    event->accept();
}

} // namespace dredge
