#include "GroupsPanel.h"

#include "FitFigures.h"

#include "RunGroups.h"
#include "RunsModel.h"

#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

namespace dredge {
namespace {

enum Column { Data, Settings, Count, FinalLoss, BestLoss, MsPerEpoch, ColumnCount };

// A group of one has no spread to show.
QString meanStd(const Spread& s) {
    if (s.n == 0) {
        return {};
    }
    return s.n == 1 ? lossText(s.mean)
                    : QStringLiteral("%1 ± %2").arg(lossText(s.mean), lossText(s.std));
}

} // namespace

GroupsPanel::GroupsPanel(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , table_(new QTableWidget(0, ColumnCount)) {
    table_->setObjectName(QStringLiteral("groupsTable"));
    table_->setHorizontalHeaderLabels({tr("Data set"), tr("Settings (where the groups differ)"),
                                       tr("n"), tr("Final loss (mean ± std)"),
                                       tr("Best loss (mean ± std)"), tr("ms/epoch")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(Settings, QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setToolTip(tr("Runs that differ only in the seed; within each data set, best mean "
                          "final loss first (losses of different data sets do not compare)"));
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
        DataKind data;
        QString settings;
        size_t runs;
        GroupSummary summary;
    };
    const auto groups = groupBySettings(records);
    // Named by what differs among the groups of the same data set.
    std::map<DataKind, std::vector<size_t>> groupsOfData;
    for (size_t i = 0; i < groups.size(); ++i) {
        groupsOfData[records[groups[i].members.front()].config.data.kind].push_back(i);
    }
    std::vector<Row> rows;
    for (const auto& [data, indices] : groupsOfData) {
        std::vector<ExperimentConfig> configs;
        for (size_t i : indices) {
            configs.push_back(records[groups[i].members.front()].config);
        }
        const auto labels = distinguishingLabels(configs);
        for (size_t k = 0; k < indices.size(); ++k) {
            const auto& group = groups[indices[k]];
            rows.push_back({data, labels[k], group.members.size(), summarize(records, group)});
        }
    }
    // Ranked within a data set: an MSE on the chirp and one on the 6-D grid
    // are not the same yardstick.
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        if (a.data != b.data) {
            return a.data < b.data;
        }
        const double x = a.summary.finalLoss.mean, y = b.summary.finalLoss.mean;
        return std::isfinite(x) && (!std::isfinite(y) || x < y);
    });
    table_->setRowCount(int(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const auto& s = rows[size_t(r)].summary;
        const auto& row = rows[size_t(r)];
        const QString cells[] = {QString::fromUtf8(dataKindName(row.data).data()),
                                 row.settings,
                                 QString::number(row.runs),
                                 meanStd(s.finalLoss),
                                 meanStd(s.bestLoss),
                                 s.msPerEpoch.n ? QString::number(s.msPerEpoch.mean, 'f', 3)
                                                : QString()};
        for (int c = 0; c < ColumnCount; ++c) {
            table_->setItem(r, c, new QTableWidgetItem(cells[c]));
        }
    }
}

} // namespace dredge
