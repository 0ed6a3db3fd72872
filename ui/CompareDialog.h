#pragma once
// Stored runs side by side: one column a run; rows of settings (labelled as
// the form labels them, from the settings table), then results (rounded as
// the window rounds them), then what identifies a run (id, times, host,
// versions). Where the runs differ the cells are tinted; "Differences only"
// keeps those rows and leaves out the identifying ones, which always differ.
// Below, the runs' loss curves overlaid, as their histories arrive.

#include "RunRecord.h"

#include <QDialog>
#include <vector>

class QCheckBox;
class QCustomPlot;
class QTableWidget;

namespace dredge {

class CompareDialog : public QDialog {
    Q_OBJECT
public:
    CompareDialog(const std::vector<RunRecord>& runs, QWidget* parent = nullptr);

    // A run's loss history, drawn in its column's colour; others are ignored.
    void showLosses(const QString& id, const std::vector<double>& losses);

    QTableWidget* table() const { return table_; }
    QCheckBox* differencesOnly() const { return differencesOnly_; }
    QCustomPlot* plot() const { return plot_; }

    enum class RowKind { Setting, Result, Identity };

private:
    void addRow(const QString& label, RowKind kind, const QStringList& values);
    void filterRows();

    std::vector<RunRecord> runs_;
    QTableWidget* table_;
    QCheckBox* differencesOnly_;
    QCustomPlot* plot_;
    std::vector<RowKind> rowKinds_;
};

} // namespace dredge
