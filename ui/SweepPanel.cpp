#include "SweepPanel.h"

#include "SweepQueue.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace dredge {
namespace {

enum Column { Name, Done, Running, Queued, State, ColumnCount };

QString stateOf(const SweepQueue& q) {
    if (q.isFinished()) {
        return q.cancelled() > 0 ? SweepPanel::tr("cancelled") : SweepPanel::tr("done");
    }
    return q.isPaused() ? SweepPanel::tr("paused") : SweepPanel::tr("running");
}

} // namespace

SweepPanel::SweepPanel(QWidget* parent)
    : QWidget(parent)
    , table_(new QTableWidget(0, ColumnCount))
    , pause_(new QPushButton(tr("Pause")))
    , resume_(new QPushButton(tr("Resume")))
    , cancel_(new QPushButton(tr("Cancel"))) {
    table_->setObjectName(QStringLiteral("sweepTable"));
    table_->setHorizontalHeaderLabels(
        {tr("Sweep"), tr("Done"), tr("Running"), tr("Queued"), tr("State")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    pause_->setToolTip(tr("Start no further runs of the sweep; running ones go on"));
    cancel_->setToolTip(tr("Stop the sweep's running runs and drop its queued ones"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(pause_);
    buttons->addWidget(resume_);
    buttons->addWidget(cancel_);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(table_);
    layout->addLayout(buttons);
    connect(pause_, &QPushButton::clicked, this, [this] {
        if (auto* q = selected()) {
            q->pause();
        }
    });
    connect(resume_, &QPushButton::clicked, this, [this] {
        if (auto* q = selected()) {
            q->resume();
        }
    });
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (auto* q = selected()) {
            Q_EMIT cancelRequested(q);
        }
    });
    connect(table_, &QTableWidget::itemSelectionChanged, this, &SweepPanel::updateButtons);
    updateButtons();
}

void SweepPanel::addQueue(SweepQueue* queue) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    for (int c = 0; c < ColumnCount; ++c) {
        table_->setItem(row, c, new QTableWidgetItem);
    }
    queues_.push_back(queue);
    connect(queue, &SweepQueue::changed, this, [this, queue] { refresh(queue); });
    refresh(queue);
    table_->selectRow(row);
}

void SweepPanel::refresh(SweepQueue* queue) {
    const auto it = std::find(queues_.begin(), queues_.end(), queue);
    if (it == queues_.end()) {
        return;
    }
    const int row = int(it - queues_.begin());
    table_->item(row, Name)->setText(queue->name());
    table_->item(row, Done)->setText(
        QStringLiteral("%1 / %2").arg(queue->done()).arg(queue->total()));
    table_->item(row, Running)
        ->setText(QStringLiteral("%1 (at most %2)").arg(queue->running()).arg(queue->jobs()));
    table_->item(row, Queued)->setText(QString::number(queue->queued()));
    table_->item(row, State)->setText(stateOf(*queue));
    updateButtons();
}

SweepQueue* SweepPanel::selected() const {
    const int row = table_->currentRow();
    return row >= 0 && row < int(queues_.size()) ? queues_[size_t(row)] : nullptr;
}

void SweepPanel::updateButtons() {
    const auto* q = selected();
    const bool live = q && !q->isFinished();
    pause_->setEnabled(live && !q->isPaused());
    resume_->setEnabled(live && q->isPaused());
    cancel_->setEnabled(live);
}

} // namespace dredge
