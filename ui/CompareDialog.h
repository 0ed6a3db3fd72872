#pragma once
// Stored runs side by side: one column a run, one row a setting or figure
// (every field of the record, config included), with "Differences only" to
// keep the rows where the runs disagree.

#include "RunRecord.h"

#include <QDialog>
#include <vector>

class QCheckBox;
class QTableWidget;

namespace dredge {

class CompareDialog : public QDialog {
    Q_OBJECT
public:
    CompareDialog(const std::vector<RunRecord>& runs, QWidget* parent = nullptr);

    QTableWidget* table() const { return table_; }
    QCheckBox* differencesOnly() const { return differencesOnly_; }

private:
    void filterRows();

    QTableWidget* table_;
    QCheckBox* differencesOnly_;
};

} // namespace dredge
