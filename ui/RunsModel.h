#pragma once
// The runs of this session as a table: live ones (a TrainingRun on its worker
// thread), finished ones opened from a file, and stored ones shown from the
// History panel. Each entry holds its state once: the record (name, config,
// status, figures) and, while it trains, the TrainingRun (history, data,
// progress). Plots and the table are views of it. With a store, live runs are
// recorded into it as they go.

#include "ExperimentFile.h"
#include "ParameterReplay.h"
#include "RunRecord.h"
#include "RunRecorder.h"
#include "TrainingRun.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace dredge {

struct LoadedRun;

class StoreClient;

struct RunEntry {
    int id = 0;
    QColor color;
    bool visible = true;
    RunRecord record;                      // the truth for name, config and outcome
    std::unique_ptr<TrainingRun> run;      // live: holds history, data, progress
    std::unique_ptr<RunRecorder> recorder; // live: fills record, writes the store
    // Not live: the history it came with (a stored run's timeline steady over
    // its epochs, its data made again to draw its kept predictions against).
    RunHistory saved;
    // Why a stored run's data could not be made again (its file moved or
    // changed), or empty.
    QString dataProblem;
    std::optional<PredictionSnapshot> prediction;
    // A store's kept predictions from before schema 6, each on every
    // stride-th point: shown where a run kept no parameters.
    std::vector<PredictionSnapshot> snapshots;

    const QString& name() const { return record.name; }
    const ExperimentConfig& config() const { return record.config; }
    // Live or not, one history: the TrainingRun's while there is one.
    const RunHistory& history() const { return run ? run->history() : saved; }
    const std::vector<double>& losses() const { return history().losses; }
    const std::vector<double>& validationLosses() const { return history().validationLosses; }
    const std::vector<double>& averagedLosses() const { return history().averagedLosses; }
    const RunTimeline& timeline() const { return history().timeline; }
    const RunJournal& journal() const { return history().journal; }
    const std::vector<double>& gradientNorms() const { return history().gradientNorms; }
    // The settings it trains with now (live changes included), or ended with.
    // No copy: the table asks for every cell it paints.
    const ExperimentConfig& currentConfig() const;
    const RunData* data() const { return history().data ? &*history().data : nullptr; }
    // Kept parameters (live: as they come), and the exact prediction of one
    // frame on the run's points (null without data or for a damaged frame).
    const ParameterFrames& parameters() const { return history().parameters; }
    const PredictionSnapshot* replayed(size_t frame) const;
    // The run's model rebuilt for replay (null without data): what the views
    // and the inspector compute kept frames with.
    ParameterReplay* replay() const;
    bool isLive() const { return run && run->isActive(); }
    bool ended() const { return isEnded(record.status) && !isLive(); }
    double epochsPerSecond() const { return run ? run->lastProgress().epochsPerSecond : 0.0; }
    double etaSeconds() const { return run ? run->lastProgress().etaSeconds : -1.0; }
    // What the Status column shows: "running", "paused", "finished", "failed: …"
    QString statusText() const;

private:
    mutable std::shared_ptr<ParameterReplay> replay_; // made on first use
    // A run that is not training: its config with its journal, made on first use.
    mutable std::optional<ExperimentConfig> endConfig_;
    mutable size_t endConfigChanges_ = 0;
};

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Visible,
        Name,
        Data,
        Model,
        Kernel,
        Parameters,
        Amp,
        Clip,
        Epochs,
        EpochsPerSecond,
        FinalLoss,
        BestLoss,
        Status,
        ColumnCount
    };

    explicit RunsModel(QObject* parent = nullptr);
    ~RunsModel() override;

    // Runs started from now on are recorded into `store` (may be null).
    void setStore(StoreClient* store) { store_ = store; }

    // Starts a new run of config; returns its id.
    // The run colours, in order (the plots' palette), for views that colour
    // other things alike (the search view's sweeps).
    static QColor paletteColor(size_t index);
    int startRun(const ExperimentConfig& config);
    // Starts the run a prepared record describes (a sweep's task), already in
    // the store when `inStore` (queued there); with `resume`, a fork going on
    // from a checkpoint, its history starting with the losses before it.
    int startRun(RunRecord record, bool inStore, std::optional<ResumePoint> resume = {});
    int addSavedRun(const SavedRun& saved);
    // A run from the store (History → Show in plot); a run already shown
    // keeps its row. Returns its id.
    int addStoredRun(const LoadedRun& run);
    // Removing a live run stops it first; its outcome is still recorded.
    void removeRun(int id);
    // Stored run `id`'s file found at `path` (moved or renamed): its data
    // made from there when it is the same file (fingerprint), its record
    // naming the new path in the store too. Empty on success, else why not.
    QString relocateData(int id, const QString& path);
    void clear();

    const RunEntry* entry(int id) const;
    const RunEntry* entryAt(int row) const;
    int rowOf(int id) const;
    int idOfStored(const QString& recordId) const; // 0: not shown
    const std::vector<std::unique_ptr<RunEntry>>& entries() const { return entries_; }
    std::vector<SavedRun> finishedRuns() const;
    // Every run's losses as the one loss CSV (RunExport.h), with validation
    // and averaged losses where a run has them.
    QByteArray lossHistoryCsv() const;

    // Live setting changes for a training run's next epoch boundary.
    void change(int id, std::vector<SettingChange> changes);
    void pause(int id);
    void resume(int id);
    void stop(int id);
    void stopAll();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

Q_SIGNALS:
    void parametersKept(int id); // a live run kept more parameters
    void runAdded(int id);
    void runRemoved(int id);
    void lossesAppended(int id, qint64 firstEpoch, const std::vector<double>& losses);
    void lossesReplaced(int id); // e.g. a diverged run's final history
    void journalChanged(int id); // a live change applied or refused, or its stop
    void predictionUpdated(int id);
    void dataReady(int id);
    void runChanged(int id); // name, colour, visibility, state or figures
    void runEnded(int id);   // a live run finished, stopped, diverged or failed

private:
    RunEntry& add(std::unique_ptr<RunEntry> entry);
    void connectRun(int id, TrainingRun* run);
    RunEntry* find(int id);
    void changed(int id);
    QColor colorFor(const QString& storeId);
    bool colorTaken(const QColor& color) const;
    QString idWithFreeColor(QString id) const; // another UUID when id's colour is taken

    std::vector<std::unique_ptr<RunEntry>> entries_;
    StoreClient* store_ = nullptr;
    int nextId_ = 1;
    int colorIndex_ = 0;
};

// Calls `refresh` once, 300 ms after runs were last added, removed or ended:
// a sweep that adds dozens of runs at once costs one refresh, not dozens.
// `timer` belongs to `receiver`, whose life bounds the connections.
void refreshOnRunChanges(RunsModel* runs, QTimer* timer, QObject* receiver,
                         std::function<void()> refresh);

} // namespace dredge
