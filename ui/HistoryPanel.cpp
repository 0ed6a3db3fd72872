#include "HistoryPanel.h"

#include "CompareDialog.h"
#include "HistoryModel.h"
#include "RunsModel.h"
#include "SearchDialog.h"
#include "StoreClient.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace dredge {
namespace {

// The filter box and the archive switch over the store's list.
class HistoryFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setText(const QString& text) {
        text_ = text;
        invalidateRowsFilter();
    }
    void setShowArchived(bool on) {
        showArchived_ = on;
        invalidateRowsFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex&) const override {
        const auto* r = static_cast<HistoryModel*>(sourceModel())->recordAt(row);
        return r && (showArchived_ || !r->archived) && matchesFilter(*r, text_);
    }

private:
    QString text_;
    bool showArchived_ = false;
};

// "1 run", "3 runs": no translation file supplies %n plurals here.
QString runCount(qsizetype n) {
    return n == 1 ? HistoryPanel::tr("1 run") : HistoryPanel::tr("%1 runs").arg(n);
}

} // namespace

HistoryPanel::HistoryPanel(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , model_(new HistoryModel(this))
    , proxy_(new HistoryFilter(this))
    , table_(new QTableView)
    , filter_(new QLineEdit)
    , showArchived_(new QCheckBox(tr("Archived")))
    , status_(new QLabel) {
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(Qt::UserRole);
    table_->setObjectName(QStringLiteral("historyTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(HistoryModel::Created, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    // Double-click (activated) shows a run; F2 renames it: one gesture, one meaning.
    table_->setEditTriggers(QAbstractItemView::EditKeyPressed);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(HistoryModel::Name, QHeaderView::Stretch);
    filter_->setObjectName(QStringLiteral("historyFilter"));
    filter_->setPlaceholderText(tr("Filter: name, tag, note, data, model, status, 2026-11-25…"));
    filter_->setClearButtonEnabled(true);
    status_->setObjectName(QStringLiteral("historyStatus"));

    buildActions();
    auto* toolbar = new QToolBar;
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addActions({showInPlot_, compare_, search_, star_, tags_, notes_, archive_, delete_});
    toolbar->addSeparator();
    toolbar->addActions({exportCsv_, exportJson_, refresh_});
    auto* top = new QHBoxLayout;
    top->addWidget(filter_, 1);
    top->addWidget(showArchived_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(toolbar);
    layout->addWidget(table_, 1);
    layout->addWidget(status_);

    auto* filter = static_cast<HistoryFilter*>(proxy_);
    connect(filter_, &QLineEdit::textChanged, this, [this, filter](const QString& text) {
        filter->setText(text);
        updateStatus();
    });
    connect(showArchived_, &QCheckBox::toggled, this, [this, filter](bool on) {
        filter->setShowArchived(on);
        updateStatus();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &HistoryPanel::updateActions);
    connect(table_, &QTableView::activated, this, [this] { showInPlot_->trigger(); });
    connect(model_, &HistoryModel::edited, this, [this](const RunRecord& r) {
        if (store_) {
            store_->updateUserFields(r);
        }
    });
    // Runs finish in bursts: one list a moment after the last write.
    refreshSoon_.setSingleShot(true);
    refreshSoon_.setInterval(300);
    connect(&refreshSoon_, &QTimer::timeout, this, &HistoryPanel::refresh);
    // Other processes (train, sweeps here or on a cluster) write into the same
    // store without telling this one: look again every few seconds, while
    // someone can see the panel.
    refreshEvery_.setInterval(5000);
    connect(&refreshEvery_, &QTimer::timeout, this, [this] {
        if (isVisible()) {
            refresh();
        }
    });
    refreshEvery_.start();
    updateActions();
    updateStatus();
}

void HistoryPanel::buildActions() {
    const auto action = [this](const QString& text, const QString& tip, auto slot) {
        auto* a = new QAction(text, this);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, slot);
        table_->addAction(a);
        return a;
    };
    showInPlot_ = action(tr("Show in plot"),
                         tr("Draw the selected runs' loss curves beside the live ones"), [this] {
                             for (const auto& id : selectedIds()) {
                                 toPlot_.insert(id);
                                 store_->requestRun(id);
                             }
                         });
    compare_ = action(tr("Compare"), tr("The selected runs' settings side by side"),
                      &HistoryPanel::compareSelected);
    search_ = action(tr("Search view"),
                     tr("The selected runs' sweeps side by side: the best so far against the "
                        "epochs trained, and what mattered"),
                     &HistoryPanel::showSearch);
    star_ = action(tr("Star"), tr("Star or unstar the selected runs"), [this] {
        const auto ids = selectedIds();
        bool anyUnstarred = false;
        for (const auto& id : ids) {
            anyUnstarred = anyUnstarred || !model_->recordAt(model_->rowOf(id))->starred;
        }
        editSelected([anyUnstarred](RunRecord& r) { r.starred = anyUnstarred; });
    });
    tags_ = action(tr("Tags…"), tr("Set the selected runs' tags"), &HistoryPanel::askTags);
    notes_ = action(tr("Notes…"), tr("Write a note on the selected runs"), &HistoryPanel::askNotes);
    archive_ =
        action(tr("Archive"), tr("Hide or show the selected runs unless 'Archived' is on"), [this] {
            bool anyActive = false;
            for (const auto& id : selectedIds()) {
                anyActive = anyActive || !model_->recordAt(model_->rowOf(id))->archived;
            }
            editSelected([anyActive](RunRecord& r) { r.archived = anyActive; });
        });
    delete_ = action(tr("Delete…"), tr("Delete the selected runs from the store (asks first)"),
                     &HistoryPanel::askDelete);
    exportCsv_ =
        action(tr("Export CSV…"), tr("The selected runs' losses as one CSV (run, epoch, loss)"),
               [this] { askExport(ExportFormat::Csv); });
    exportJson_ =
        action(tr("Export JSON…"), tr("The selected runs with their histories as one JSON"),
               [this] { askExport(ExportFormat::Json); });
    refresh_ = action(tr("Refresh"), tr("Read the store again"), &HistoryPanel::refresh);
    table_->setContextMenuPolicy(Qt::ActionsContextMenu);
}

void HistoryPanel::setStore(StoreClient* store) {
    store_ = store;
    model_->setRuns({});
    if (store_) {
        connect(store_, &StoreClient::listed, this, &HistoryPanel::onListed);
        connect(store_, &StoreClient::runLoaded, this, &HistoryPanel::onRunLoaded);
        connect(store_, &StoreClient::changed, &refreshSoon_, qOverload<>(&QTimer::start));
        connect(store_, &StoreClient::problem, this, &HistoryPanel::updateStatus);
        connect(store_, &StoreClient::healthy, this, &HistoryPanel::refresh);
        connect(store_, &StoreClient::exported, this,
                [this](const QString& path, const QString& error) {
                    if (error.isEmpty()) {
                        status_->setText(tr("Exported to %1").arg(path));
                    } else {
                        QMessageBox::warning(this, tr("Cannot export"), error);
                    }
                });
        refresh();
    }
    updateActions();
    updateStatus();
}

void HistoryPanel::refresh() {
    if (store_) {
        store_->requestList();
    }
}

void HistoryPanel::onListed(const std::vector<RunRecord>& runs) {
    const auto selected = selectedIds();
    model_->setRuns(runs);
    selectIds(selected);
    updateStatus();
}

void HistoryPanel::onRunLoaded(const LoadedRun& run) {
    if (toPlot_.erase(run.record.id)) {
        runs_->addStoredRun(run);
    }
}

QStringList HistoryPanel::selectedIds() const {
    QStringList ids;
    for (const auto& index : table_->selectionModel()->selectedRows()) {
        if (const auto* r = model_->recordAt(proxy_->mapToSource(index).row())) {
            ids.append(r->id);
        }
    }
    return ids;
}

void HistoryPanel::selectIds(const QStringList& ids) {
    QItemSelection selection;
    for (const auto& id : ids) {
        const auto index = proxy_->mapFromSource(model_->index(model_->rowOf(id), 0));
        if (index.isValid()) {
            selection.select(index, index.siblingAtColumn(HistoryModel::ColumnCount - 1));
        }
    }
    table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect |
                                                    QItemSelectionModel::Rows);
}

template <typename Edit>
void HistoryPanel::editSelected(Edit edit) {
    if (!store_) {
        return;
    }
    auto runs = model_->runs();
    const auto ids = selectedIds();
    for (auto& r : runs) {
        if (ids.contains(r.id)) {
            edit(r);
            store_->updateUserFields(r);
        }
    }
    onListed(runs); // at once; the store's list follows
}

void HistoryPanel::setTagsOfSelected(const QStringList& tags) {
    editSelected([&tags](RunRecord& r) { r.tags = tags; });
}

void HistoryPanel::setNotesOfSelected(const QString& notes) {
    editSelected([&notes](RunRecord& r) { r.notes = notes; });
}

void HistoryPanel::deleteSelected() {
    const auto ids = selectedIds();
    if (!store_ || ids.isEmpty()) {
        return;
    }
    store_->deleteRuns(ids);
    auto runs = model_->runs();
    runs.erase(std::remove_if(runs.begin(), runs.end(),
                              [&ids](const RunRecord& r) { return ids.contains(r.id); }),
               runs.end());
    onListed(runs);
}

void HistoryPanel::exportSelected(const QString& path, ExportFormat format) {
    if (store_ && !selectedIds().isEmpty()) {
        store_->requestExport(selectedIds(), path, format);
    }
}

void HistoryPanel::askTags() {
    const auto ids = selectedIds();
    if (ids.isEmpty()) {
        return;
    }
    bool ok = false;
    const QString current =
        model_->recordAt(model_->rowOf(ids.first()))->tags.join(QStringLiteral(", "));
    const QString text = QInputDialog::getText(
        this, tr("Tags"), tr("Tags of %1, separated by commas:").arg(runCount(ids.size())),
        QLineEdit::Normal, current, &ok);
    if (ok) {
        QStringList tags;
        for (const auto& tag : text.split(u',', Qt::SkipEmptyParts)) {
            if (!tag.trimmed().isEmpty()) {
                tags.append(tag.trimmed());
            }
        }
        setTagsOfSelected(tags);
    }
}

void HistoryPanel::askNotes() {
    const auto ids = selectedIds();
    if (ids.isEmpty()) {
        return;
    }
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(
        this, tr("Notes"), tr("Notes on %1:").arg(runCount(ids.size())),
        model_->recordAt(model_->rowOf(ids.first()))->notes, &ok);
    if (ok) {
        setNotesOfSelected(text);
    }
}

void HistoryPanel::askDelete() {
    const auto ids = selectedIds();
    if (ids.isEmpty()) {
        return;
    }
    const auto answer = QMessageBox::question(
        this, tr("Delete runs"),
        tr("Delete %1 from the store, with their histories? Other runs, forks of these "
           "included, are kept. This cannot be undone.")
            .arg(runCount(ids.size())),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes) {
        deleteSelected();
    }
}

void HistoryPanel::askExport(ExportFormat format) {
    const bool csv = format == ExportFormat::Csv;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export runs"), csv ? tr("runs.csv") : tr("runs.json"),
        csv ? tr("CSV files (*.csv)") : tr("JSON files (*.json)"));
    if (!path.isEmpty()) {
        exportSelected(path, format);
    }
}

void HistoryPanel::compareSelected() {
    std::vector<RunRecord> chosen;
    for (const auto& id : selectedIds()) {
        chosen.push_back(*model_->recordAt(model_->rowOf(id)));
    }
    if (chosen.empty()) {
        return;
    }
    auto* dialog = new CompareDialog(chosen, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    // The histories come from the store thread; the dialog draws each as it arrives.
    connect(store_, &StoreClient::runLoaded, dialog,
            [dialog](const LoadedRun& run) { dialog->showLosses(run.record.id, run.losses); });
    for (const auto& r : chosen) {
        store_->requestRun(r.id);
    }
}

QStringList HistoryPanel::selectedSweeps() const {
    QStringList sweeps;
    for (const auto& id : selectedIds()) {
        const auto* record = model_->recordAt(model_->rowOf(id));
        if (record && !record->sweepId.isEmpty() && !sweeps.contains(record->sweepId)) {
            sweeps.append(record->sweepId);
        }
    }
    return sweeps;
}

void HistoryPanel::showSearch() {
    const auto sweeps = selectedSweeps();
    if (sweeps.isEmpty()) {
        return;
    }
    auto* dialog = new SearchDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    connect(store_, &StoreClient::searchLoaded, dialog,
            [dialog, sweeps](const SearchSummary& search, const QString& error) {
                if (!sweeps.contains(search.sweepId)) {
                    return; // another view's
                }
                if (error.isEmpty()) {
                    dialog->addSearch(search);
                } else {
                    dialog->addProblem(search.sweepId, error);
                }
            });
    for (const auto& sweep : sweeps) {
        store_->requestSearch(sweep);
    }
}

void HistoryPanel::updateActions() {
    const bool any = store_ && table_->selectionModel()->hasSelection();
    for (auto* a : {showInPlot_, compare_, star_, tags_, notes_, archive_, delete_, exportCsv_,
                    exportJson_}) {
        a->setEnabled(any);
    }
    search_->setEnabled(any && !selectedSweeps().isEmpty());
    refresh_->setEnabled(store_ != nullptr);
}

void HistoryPanel::updateStatus() {
    if (!store_) {
        status_->setText(tr("No run store: runs are kept for this session only."));
        return;
    }
    if (store_->hasProblem()) {
        status_->setText(QStringLiteral("<span style='color:#b00020'>%1</span>")
                             .arg(tr("⚠ %1 — runs are kept in memory and written when the store "
                                     "works again.")
                                      .arg(store_->problemText().toHtmlEscaped())));
        return;
    }
    status_->setText(tr("%1 of %2 runs · %3")
                         .arg(proxy_->rowCount())
                         .arg(model_->rowCount())
                         .arg(store_->location().display()));
}

} // namespace dredge
