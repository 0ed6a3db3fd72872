#pragma once
// Every stored run as a table: a view of the list the store last sent (the
// store's records are the truth). Display text for people, UserRole values
// for sorting (numbers as numbers, times as times). Editing a name emits
// edited(); the store is written by whoever listens.

#include "RunRecord.h"

#include <QAbstractTableModel>
#include <vector>

namespace dredge {

class HistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Star,
        Name,
        Created,
        Status,
        Data,
        Model,
        LearningRate,
        Seed,
        Amp,
        Clip,
        Epochs,
        FinalLoss,
        BestLoss,
        MsPerEpoch,
        Changes,
        Tags,
        Notes,
        ColumnCount
    };

    explicit HistoryModel(QObject* parent = nullptr);

    void setRuns(std::vector<RunRecord> runs);
    const std::vector<RunRecord>& runs() const { return runs_; }
    const RunRecord* recordAt(int row) const;
    int rowOf(const QString& id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

Q_SIGNALS:
    void edited(const dredge::RunRecord& record); // name or star changed in the table

private:
    QVariant display(const RunRecord& r, Column column) const;
    QVariant sortKey(const RunRecord& r, Column column) const;

    std::vector<RunRecord> runs_;
};

} // namespace dredge
