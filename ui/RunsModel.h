#pragma once
// Every run of the session as a table: live ones (a TrainingRun on its worker
// thread) and finished ones opened from a file. It holds the runs' data (loss
// histories, the latest prediction); plots and the table are views of it.

#include "ExperimentFile.h"
#include "TrainingRun.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QPointer>
#include <memory>
#include <optional>
#include <vector>

namespace dredge {

struct RunEntry {
    int id = 0;
    QString name;
    ExperimentConfig config;
    QColor color;
    bool visible = true;
    std::vector<double> losses;
    std::optional<RunData> data;
    std::optional<PredictionSnapshot> prediction;
    std::optional<TrainResult> result;
    ProgressBatch progress;
    QString state;                    // what the Status column shows
    std::unique_ptr<TrainingRun> run; // none for runs opened from a file
};

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Visible,
        Name,
        Data,
        Model,
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

    // Starts a new run of config; returns its id.
    int startRun(const ExperimentConfig& config);
    int addSavedRun(const SavedRun& saved);
    void removeRun(int id);
    void clear();

    const RunEntry* entry(int id) const;
    const RunEntry* entryAt(int row) const;
    int rowOf(int id) const;
    const std::vector<std::unique_ptr<RunEntry>>& entries() const { return entries_; }
    std::vector<SavedRun> finishedRuns() const;
    // Every run's loss per epoch: one row per epoch, one column per run (empty
    // where a run has no finite value).
    QByteArray lossHistoryCsv() const;

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
    void runAdded(int id);
    void runRemoved(int id);
    void lossesAppended(int id, qint64 firstEpoch, const std::vector<double>& losses);
    void lossesReplaced(int id); // e.g. a diverged run's final history
    void predictionUpdated(int id);
    void dataReady(int id);
    void runChanged(int id); // name, colour, visibility, state or figures

private:
    RunEntry& add(std::unique_ptr<RunEntry> entry);
    RunEntry* find(int id);
    void changed(int id);
    QColor nextColor();

    std::vector<std::unique_ptr<RunEntry>> entries_;
    int nextId_ = 1;
    int colorIndex_ = 0;
};

// e.g. "wave-ensemble n=16 on chirp, AMP, clip 1"
QString describe(const ExperimentConfig& config);

} // namespace dredge
