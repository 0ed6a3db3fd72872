#pragma once
// Every run the store keeps, across sessions: a sortable table with a filter
// box (name, tags, notes, data, model, status, date), multi-select, and what
// to do with the selection: show in the loss plot beside live runs, compare
// settings, rename, star, tag, note, archive, delete, export as CSV or JSON.
// It reads and writes only through the StoreClient, never waiting on it; runs
// that other processes write show up within five seconds while it is visible.

#include "RunExport.h"

#include <QTimer>
#include <QWidget>
#include <set>

class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace dredge {

struct LoadedRun;

class HistoryModel;
class RunsModel;
class StoreClient;
struct RunRecord;

class HistoryPanel : public QWidget {
    Q_OBJECT
public:
    explicit HistoryPanel(RunsModel* runs, QWidget* parent = nullptr);

    // The store shown (null: none); its list is asked for at once.
    void setStore(StoreClient* store);
    void refresh();

    HistoryModel* model() const { return model_; }
    QSortFilterProxyModel* shownModel() const { return proxy_; }
    QTableView* table() const { return table_; }
    QLineEdit* filterBox() const { return filter_; }
    QCheckBox* archivedBox() const { return showArchived_; }
    QLabel* statusLabel() const { return status_; }
    QAction* showInPlotAction() const { return showInPlot_; }
    QAction* compareAction() const { return compare_; }
    // The selected runs' sweeps in a search view (SearchDialog).
    QAction* searchAction() const { return search_; }
    QAction* starAction() const { return star_; }
    QAction* archiveAction() const { return archive_; }
    QAction* deleteAction() const { return delete_; }

    QStringList selectedIds() const;
    void selectIds(const QStringList& ids);
    // What the dialogs apply to the selection.
    void setTagsOfSelected(const QStringList& tags);
    void setNotesOfSelected(const QString& notes);
    void deleteSelected(); // without asking: deleteAction asks first
    void exportSelected(const QString& path, ExportFormat format);

private:
    void buildActions();
    void onListed(const std::vector<RunRecord>& runs);
    void onRunLoaded(const LoadedRun& run);
    template <typename Edit>
    void editSelected(Edit edit);
    void updateActions();
    void updateStatus();
    void askTags();
    void askNotes();
    void askDelete();
    void askExport(ExportFormat format);
    void compareSelected();
    void showSearch();
    QStringList selectedSweeps() const; // the sweeps of the selected runs, once each

    RunsModel* runs_;
    StoreClient* store_ = nullptr;
    HistoryModel* model_;
    QSortFilterProxyModel* proxy_;
    QTableView* table_;
    QLineEdit* filter_;
    QCheckBox* showArchived_;
    QLabel* status_;
    QTimer refreshSoon_;
    QTimer refreshEvery_;      // runs other processes write (train, sweeps, Slurm)
    std::set<QString> toPlot_; // asked for, not yet loaded
    QAction* refresh_ = nullptr;
    QAction* showInPlot_ = nullptr;
    QAction* compare_ = nullptr;
    QAction* search_ = nullptr;
    QAction* star_ = nullptr;
    QAction* tags_ = nullptr;
    QAction* notes_ = nullptr;
    QAction* archive_ = nullptr;
    QAction* delete_ = nullptr;
    QAction* exportCsv_ = nullptr;
    QAction* exportJson_ = nullptr;
};

} // namespace dredge
