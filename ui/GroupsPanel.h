#pragma once
// The runs of this session grouped by their settings without the seed, best
// first: per group n, mean ± std of the final and best loss, and ms/epoch.
// A view of the runs model, computed again a moment after runs change.

#include <QTimer>
#include <QWidget>

class QTableWidget;

namespace dredge {

class RunsModel;

class GroupsPanel : public QWidget {
    Q_OBJECT
public:
    explicit GroupsPanel(RunsModel* runs, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }
    void refresh();

private:
    RunsModel* runs_;
    QTableWidget* table_;
    QTimer refreshSoon_;
};

} // namespace dredge
