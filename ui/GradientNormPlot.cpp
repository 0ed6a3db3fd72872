#include "GradientNormPlot.h"

#include "DecadeTicker.h"
#include "QCustomPlotInclude.h"
#include "RunsModel.h"

#include <QVBoxLayout>
#include <cmath>

namespace dredge {
namespace {

// Where clipping was on, and at which norm, epoch span by epoch span.
struct ClipSpan {
    qint64 from;
    bool on;
    double maxNorm;
};

std::vector<ClipSpan> clipSpans(const RunEntry& e) {
    const auto& initial = e.record.config;
    std::vector<ClipSpan> spans{{0, initial.train.clipGradients, initial.train.clipMaxNorm}};
    for (const auto& change : e.journal()) {
        if (change.state != ChangeState::Applied || change.action != ChangeAction::Set) {
            continue;
        }
        const auto train = configAt(initial, e.journal(), change.epoch).train;
        const auto& last = spans.back();
        if (train.clipGradients != last.on || train.clipMaxNorm != last.maxNorm) {
            spans.push_back({change.epoch, train.clipGradients, train.clipMaxNorm});
        }
    }
    return spans;
}

} // namespace

GradientNormPlot::GradientNormPlot(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , plot_(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);
    plot_->setObjectName(QStringLiteral("gradientNormPlot"));
    setMinimumHeight(120); // shown, it takes room from the plots around it
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNotAntialiasedElements(QCP::aePlottables);
    plot_->xAxis->setLabel(tr("epoch"));
    plot_->yAxis->setLabel(tr("gradient norm"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<DecadeTicker>::create());
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, QString(), QFont(font().family(), 9));
    plot_->plotLayout()->addElement(0, 0, title_);
    norms_ = plot_->addGraph();
    norms_->setAdaptiveSampling(true);
    threshold_ = plot_->addGraph();
    threshold_->setLineStyle(QCPGraph::lsStepLeft);
    threshold_->setPen(QPen(QColor(0xb0, 0x00, 0x20), 1.5, Qt::DashLine));
    connect(runs_, &RunsModel::lossesAppended, this, [this](int id) {
        if (id == runId_) {
            scheduleRedraw();
        }
    });
    for (auto signal : {&RunsModel::journalChanged, &RunsModel::lossesReplaced}) {
        connect(runs_, signal, this, [this](int id) {
            if (id == runId_) {
                scheduleRedraw();
            }
        });
    }
    connect(runs_, &RunsModel::runRemoved, this, [this](int id) {
        if (id == runId_) {
            showRun(0);
        }
    });
    redrawTimer_.setInterval(200);
    connect(&redrawTimer_, &QTimer::timeout, this, [this] {
        if (dirty_ && isVisible()) {
            reload();
        }
    });
    redrawTimer_.start();
}

void GradientNormPlot::showRun(int runId) {
    runId_ = runId;
    reload();
}

QString GradientNormPlot::clippedText() const {
    return tr("clipped %1 of %2 epochs").arg(clipped_).arg(epochs_);
}

void GradientNormPlot::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    reload();
}

void GradientNormPlot::reload() {
    if (!isVisible()) { // drawn when shown
        dirty_ = true;
        return;
    }
    dirty_ = false;
    const auto* e = runs_->entry(runId_);
    norms_->data()->clear();
    threshold_->data()->clear();
    clipped_ = epochs_ = 0;
    if (!e || e->gradientNorms().empty()) {
        title_->setText(
            e ? tr("%1 kept no gradient norms (a run from before they were kept)").arg(e->name())
              : tr("Select a run to see its gradient norm"));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto& norms = e->gradientNorms();
    const auto spans = clipSpans(*e);
    QVector<double> keys, values;
    keys.reserve(qsizetype(norms.size()));
    values.reserve(qsizetype(norms.size()));
    size_t span = 0;
    for (size_t epoch = 0; epoch < norms.size(); ++epoch) {
        while (span + 1 < spans.size() && spans[span + 1].from <= qint64(epoch)) {
            ++span;
        }
        const double norm = norms[epoch];
        keys.append(double(epoch));
        values.append(std::isfinite(norm) && norm > 0.0 ? norm : qQNaN());
        // As the trainer decides it (FlatAdam::clipGradientNorm).
        clipped_ += spans[span].on && spans[span].maxNorm / (norm + 1e-6) < 1.0 ? 1 : 0;
    }
    epochs_ = qint64(norms.size());
    norms_->setData(keys, values, /*alreadySorted=*/true);
    norms_->setPen(QPen(e->color, 1.2));
    for (const auto& s : spans) { // a gap where clipping was off
        threshold_->addData(double(s.from), s.on ? s.maxNorm : qQNaN());
    }
    threshold_->addData(double(norms.size()), spans.back().on ? spans.back().maxNorm : qQNaN());
    title_->setText(tr("%1: gradient norm before clipping (dashed: the clip threshold), %2")
                        .arg(e->name(), clippedText()));
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace dredge
