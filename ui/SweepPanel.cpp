#include "SweepPanel.h"

#include "SweepProcess.h"
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

QString stateOf(const SweepProcess& p) {
    switch (p.state()) {
    case SweepProcess::State::Running:
        return SweepPanel::tr("running (sweep)");
    case SweepProcess::State::Done:
        return SweepPanel::tr("done");
    case SweepProcess::State::Stopped:
        return SweepPanel::tr("stopped: the rest stay queued");
    case SweepProcess::State::Failed:
        return SweepPanel::tr("failed: %1").arg(p.problem());
    }
    return {};
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
        if (const auto* row = selected(); row && row->queue) {
            row->queue->pause();
        }
    });
    connect(resume_, &QPushButton::clicked, this, [this] {
        if (const auto* row = selected(); row && row->queue) {
            row->queue->resume();
        }
    });
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (const auto* row = selected(); row && row->queue) {
            Q_EMIT cancelRequested(row->queue);
        } else if (row && row->process) {
            row->process->stop();
        }
    });
    connect(table_, &QTableWidget::itemSelectionChanged, this, &SweepPanel::updateButtons);
    updateButtons();
}

void SweepPanel::addQueue(SweepQueue* queue) {
    connect(queue, &SweepQueue::changed, this, [this, queue] { refresh(queue); });
    addRow({queue, nullptr});
}

void SweepPanel::addProcess(SweepProcess* process) {
    connect(process, &SweepProcess::changed, this, [this, process] { refresh(process); });
    addRow({nullptr, process});
}

void SweepPanel::addRow(Row row) {
    const int at = table_->rowCount();
    table_->insertRow(at);
    for (int c = 0; c < ColumnCount; ++c) {
        table_->setItem(at, c, new QTableWidgetItem);
    }
    rows_.push_back(row);
    refreshRow(at);
    table_->selectRow(at);
}

void SweepPanel::refresh(const QObject* sweep) {
    for (size_t i = 0; i < rows_.size(); ++i) {
        if (rows_[i].queue == sweep || rows_[i].process == sweep) {
            refreshRow(int(i));
        }
    }
}

void SweepPanel::refreshRow(int row) {
    const auto set = [&](int column, const QString& text) {
        table_->item(row, column)->setText(text);
        table_->item(row, column)->setToolTip(text);
    };
    if (const auto* q = rows_[size_t(row)].queue) {
        set(Name, q->name());
        set(Done, QStringLiteral("%1 / %2").arg(q->done()).arg(q->total()));
        set(Running, QStringLiteral("%1 (at most %2)").arg(q->running()).arg(q->jobs()));
        set(Queued, QString::number(q->queued()));
        set(State, stateOf(*q));
    } else if (const auto* p = rows_[size_t(row)].process) {
        set(Name, p->name());
        set(Done, QStringLiteral("%1 / %2").arg(p->done()).arg(p->total()));
        set(Running, QString::number(p->running()));
        set(Queued, p->state() == SweepProcess::State::Running
                        ? QString::number(std::max(0, p->total() - p->done() - p->running()))
                        : QString());
        set(State, stateOf(*p));
    }
    updateButtons();
}

const SweepPanel::Row* SweepPanel::selected() const {
    const int row = table_->currentRow();
    return row >= 0 && row < int(rows_.size()) ? &rows_[size_t(row)] : nullptr;
}

void SweepPanel::updateButtons() {
    const auto* row = selected();
    const bool queueLive = row && row->queue && !row->queue->isFinished();
    const bool processLive =
        row && row->process && row->process->state() == SweepProcess::State::Running;
    pause_->setEnabled(queueLive && !row->queue->isPaused());
    resume_->setEnabled(queueLive && row->queue->isPaused());
    cancel_->setEnabled(queueLive || processLive);
    cancel_->setToolTip(processLive ? tr("Stop the sweep as Ctrl+C does: its running runs are "
                                         "recorded as stopped, the rest stay queued for "
                                         "'dredge-studio sweep FILE' to go on with")
                                    : tr("Stop the sweep's running runs and drop its queued ones"));
}

} // namespace dredge
