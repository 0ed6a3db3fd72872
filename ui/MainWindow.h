#pragma once
// The main window: the experiment panel (left), loss curves over predictions
// (centre), the runs table (bottom) and the insight server panel (right).
// Every numerical step runs on worker threads; this window only displays.

#include "ExperimentFile.h"

#include "RunRecord.h"
#include "Sweep.h"

#include <QMainWindow>
#include <map>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QProgressBar;
class QTableView;

namespace dredge {

class ExperimentForm;
class GradientNormPlot;
class GroupsPanel;
class ParallelCoordinates;
struct RunEntry;
class HistoryPanel;
class InsightServer;
class LossPlot;
class ModelInspector;
class PredictionView;
class RunsModel;
class ServerPanel;
class StoreClient;
class SweepPanel;
class SweepProcess;
class SweepQueue;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // useSettings: restore and save window layout and the last experiment
    // (off in tests, so they start from defaults and leave nothing behind).
    // storeUrl: the run store (--store); empty: $DREDGE_STORE, the setting
    // or the default when useSettings, else no store.
    // followSymlinks: the store file may be a symbolic link (--follow-symlinks).
    explicit MainWindow(bool useSettings = true, const QString& storeUrl = {},
                        bool followSymlinks = false, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts a run of the form's experiment; returns its id (0: form invalid).
    int startRun();
    // --compare-amp: the form's experiment twice, AMP off and on. The form
    // keeps its own AMP setting (a session's option is not a saved setting).
    void compareAmp();
    QString saveExperimentTo(const QString& path);   // empty on success
    QString openExperimentFrom(const QString& path); // empty on success
    // File → Open data…: the form set to fit this file; empty on success.
    QString openDataFrom(const QString& path);
    // A stored run's moved file found at `path`; empty on success.
    QString locateDataAt(int runId, const QString& path);
    void startServer(quint16 port);
    // Shows and brings to the front a panel of the bottom dock: runs, history,
    // sweeps, groups or parallel (--panel). Empty on success, else why not.
    QString raisePanel(const QString& name);
    // A new run going on from stored run `runId`'s checkpoint at (or last
    // before) `epoch` with `config`'s training settings, linked to it. The
    // checkpoint is read on the store's thread: forkStarted(id) or
    // forkFailed(why) follows. Returns why not at once (no such stored run,
    // a config that changes what the run trains), else empty.
    QString forkRun(int runId, qint64 epoch, const ExperimentConfig& config);
    // Records runs started from now on into this store (empty: none) and
    // shows it in the History panel. Refused while runs train.
    QString useStore(const QString& url); // empty on success

    // Queues the sweep's runs (in the store too) and trains them, at most
    // `jobs` at once. Returns its queue (owned by the window), or null with
    // *error when the sweep cannot expand.
    SweepQueue* startSweep(const SweepSpec& spec, int jobs, QString* error);
    // An adaptive sweep (asha, hyperband, tpe, pbt): its file written to the
    // user's data folder and `dredge-studio sweep FILE` run on this store
    // (pbt: the whole population at once, else at most `jobs`); its runs
    // arrive in History. Returns its process (owned by the window), or
    // null with *error (no store).
    SweepProcess* startAdaptiveSweep(const SweepSpec& spec, int jobs, QString* error);
    // The dredge-studio executable that runs `sweep` (default: this one).
    void setCommandPath(const QString& path) { commandPath_ = path; }
    SweepPanel* sweepPanel() const { return sweepPanel_; }
    GroupsPanel* groupsPanel() const { return groupsPanel_; }
    ParallelCoordinates* parallelCoordinates() const { return parallel_; }
    QAction* groupSeedsAction() const { return groupSeeds_; }
    QAction* newSweepAction() const { return newSweep_; }

    StoreClient* store() const { return store_.get(); }
    HistoryPanel* historyPanel() const { return history_; }
    ExperimentForm* form() const { return form_; }
    RunsModel* runs() const { return runs_; }
    LossPlot* lossPlot() const { return lossPlot_; }
    GradientNormPlot* gradientPlot() const { return gradientPlot_; }
    PredictionView* predictionView() const { return prediction_; }
    ModelInspector* modelInspector() const { return inspector_; }
    ServerPanel* serverPanel() const { return serverPanel_; }
    InsightServer* server() const { return server_; }
    QTableView* runsTable() const { return table_; }
    QAction* startAction() const { return start_; }
    QAction* pauseAction() const { return pause_; }
    QAction* resumeAction() const { return resume_; }
    QAction* stopAction() const { return stop_; }
    QAction* exportModelAction() const { return exportModel_; }
    QAction* exportFieldAction() const { return exportField_; }
    int selectedRun() const;

Q_SIGNALS:
    void forkStarted(int id);
    void forkFailed(const QString& why);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    int liveRunInForm_ = 0; // the run whose settings the form shows (0: the draft)
    void buildActions();
    void buildDocks();
    // A dock in the View menu, tabbed behind `tabbedWith` when given.
    QDockWidget* addDock(const QString& title, const QString& name, QWidget* widget,
                         Qt::DockWidgetArea area, QDockWidget* tabbedWith = nullptr);
    void selectRun(int id);
    std::vector<int> selectedRuns() const;
    // Run → Fork from a checkpoint… / Revert to best…: the dialog, then forkRun.
    void askForFork(bool fromBest);
    void offerFork(int runId, bool fromBest, const std::vector<qint64>& epochs,
                   const QString& error);
    void updateActions();
    void updateStatus();
    // One training run selected: the form shows its settings, live ones
    // editable; otherwise the form is the user's draft again.
    void followSelectionInForm();
    void applyLiveChanges();
    void newExperiment();
    void openExperiment();
    void openData();
    void locateData(int runId);
    void saveExperiment();
    // Asks before a run above 10⁶ points or a quarter of the memory (RunCost.h).
    bool confirmCost(const ExperimentConfig& config);
    void warnIfFailed(const QString& title, const QString& error); // a box unless error is empty
    void exportLossCsv();
    void exportPlots();
    void exportModel();
    void exportField();
    const RunEntry* selectedStoredRun(const QString& title);
    std::pair<QString, qint64> shownFrameSpec(const RunEntry& e) const;
    void showModelExported(const QString& path, const QString& written, const QString& error);
    void about();
    void chooseStore();
    void askForSweep();
    // A queue over `records` (a sweep's queued runs, by task), not yet begun.
    SweepQueue* queueSweep(const QString& name, std::vector<SweepTask> tasks,
                           std::map<int, RunRecord> records, int jobs);
    // Sweeps of this host left queued by an earlier session: back, paused.
    void offerQueuedSweeps(const std::vector<RunRecord>& runs);
    void cancelSweep(SweepQueue* queue);
    void showStoreState();
    void loadSettings();
    void saveSettings();

    bool useSettings_;
    bool followSymlinks_;
    QString commandPath_;
    RunsModel* runs_;
    InsightServer* server_;
    ExperimentForm* form_;
    LossPlot* lossPlot_;
    GradientNormPlot* gradientPlot_;
    PredictionView* prediction_;
    ModelInspector* inspector_;
    ServerPanel* serverPanel_;
    std::unique_ptr<StoreClient> store_;
    HistoryPanel* history_;
    SweepPanel* sweepPanel_;
    GroupsPanel* groupsPanel_;
    ParallelCoordinates* parallel_;
    QTableView* table_;
    QLabel* statusText_;
    QLabel* storeWarning_;
    QProgressBar* statusProgress_;
    QAction* start_ = nullptr;
    QAction* pause_ = nullptr;
    QAction* resume_ = nullptr;
    QAction* stop_ = nullptr;
    QAction* stopAll_ = nullptr;
    QAction* newSweep_ = nullptr;
    QAction* groupSeeds_ = nullptr;
    QAction* remove_ = nullptr;
    QAction* fork_ = nullptr;
    QAction* exportModel_ = nullptr;
    QAction* exportField_ = nullptr;
    QAction* revertToBest_ = nullptr;
    QAction* logScale_ = nullptr;
    QAction* saveRuns_ = nullptr;
    QString lastFile_;
};

} // namespace dredge
