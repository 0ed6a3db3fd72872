#include "GroupsPanel.h"

#include "RunGroups.h"
#include "RunsModel.h"

#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace dredge {
namespace {

enum Column { Settings, Count, FinalLoss, BestLoss, MsPerEpoch, ColumnCount };

QString meanStd(const Spread& s) {
    return s.n == 0 ? QString()
                    : QStringLiteral("%1 ± %2").arg(s.mean, 0, 'g', 4).arg(s.std, 0, 'g', 2);
}

} // namespace

GroupsPanel::GroupsPanel(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , table_(new QTableWidget(0, ColumnCount)) {
    table_->setObjectName(QStringLiteral("groupsTable"));
    table_->setHorizontalHeaderLabels({tr("Settings (where the groups differ)"), tr("n"),
                                       tr("Final loss (mean ± std)"), tr("Best loss (mean ± std)"),
                                       tr("ms/epoch")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(Settings, QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setToolTip(tr("Runs that differ only in the seed, best mean final loss first"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(table_);
    refreshOnRunChanges(runs_, &refreshSoon_, this, [this] { refresh(); });
}

void GroupsPanel::refresh() {
    std::vector<RunRecord> records;
    for (const auto& e : runs_->entries()) {
        records.push_back(e->record);
    }
    struct Row {
        QString settings;
        GroupSummary summary;
    };
    const auto groups = groupBySettings(records);
    std::vector<ExperimentConfig> configs;
    for (const auto& group : groups) {
        configs.push_back(records[group.members.front()].config);
    }
    const auto labels = distinguishingLabels(configs);
    std::vector<Row> rows;
    for (size_t i = 0; i < groups.size(); ++i) {
        rows.push_back({labels[i], summarize(records, groups[i])});
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        const double x = a.summary.finalLoss.mean, y = b.summary.finalLoss.mean;
        return std::isfinite(x) && (!std::isfinite(y) || x < y);
    });
    table_->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const auto& s = rows[size_t(r)].summary;
        const QString cells[] = {rows[size_t(r)].settings, QString::number(s.finalLoss.n),
                                 meanStd(s.finalLoss), meanStd(s.bestLoss),
                                 s.msPerEpoch.n ? QString::number(s.msPerEpoch.mean, 'f', 3)
                                                : QString()};
        for (int c = 0; c < ColumnCount; ++c) {
            table_->setItem(r, c, new QTableWidgetItem(cells[c]));
        }
    }
}

} // namespace dredge
