#include "GradientNormPlot.h"

#include "DecadeTicker.h"
#include "QCustomPlotInclude.h"
#include "RunsModel.h"

#include <QVBoxLayout>
#include <cmath>

namespace dredge {
namespace {

std::vector<GradientNormPlot::ClipSpan> clipSpans(const RunEntry& e) {
    const auto& initial = e.record.config;
    std::vector<GradientNormPlot::ClipSpan> spans{
        {0, initial.train.clipGradients, initial.train.clipMaxNorm}};
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
    setMinimumHeight(80); // shown, it takes room from the loss plot above it
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNotAntialiasedElements(QCP::aePlottables);
    plot_->setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
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
    threshold_->setPen(QPen(QColor(0xd0, 0x00, 0x20), 2.0, Qt::DashLine));
    connect(runs_, &RunsModel::lossesAppended, this, [this](int id) {
        if (id == runId_) {
            scheduleRedraw();
        }
    });
    for (auto signal : {&RunsModel::journalChanged, &RunsModel::lossesReplaced}) {
        connect(runs_, signal, this, [this](int id) {
            if (id == runId_) {
                full_ = true; // the threshold and the clipped count start over
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
    full_ = true;
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
    if (!e || e->gradientNorms().empty()) {
        norms_->data()->clear();
        threshold_->data()->clear();
        drawn_ = clipped_ = 0;
        title_->setText(
            e ? tr("%1 kept no gradient norms (a run from before they were kept)").arg(e->name())
              : tr("Select a run to see its gradient norm"));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto& norms = e->gradientNorms();
    if (!full_ && drawn_ > size_t(norms.size())) {
        full_ = true; // a history replaced (a diverged run's end)
    }
    if (full_) {
        norms_->data()->clear();
        drawn_ = clipped_ = 0;
        spans_ = clipSpans(*e);
        QColor faint = QColor::fromHsvF(e->color.hsvHueF(), e->color.hsvSaturationF() * 0.55,
                                        std::min(1.0, e->color.valueF() * 1.1));
        norms_->setPen(QPen(faint, 1.0)); // opaque: a dense band draws fast
        full_ = false;
    }
    // Only the epochs not drawn yet: a live run adds a batch at a time.
    QVector<double> keys, values;
    keys.reserve(qsizetype(norms.size() - drawn_));
    values.reserve(qsizetype(norms.size() - drawn_));
    size_t span = 0;
    for (size_t epoch = drawn_; epoch < norms.size(); ++epoch) {
        while (span + 1 < spans_.size() && spans_[span + 1].from <= qint64(epoch)) {
            ++span;
        }
        const double norm = norms[epoch];
        keys.append(double(epoch));
        values.append(std::isfinite(norm) && norm > 0.0 ? norm : qQNaN());
        // As the trainer decides it (FlatAdam::clipGradientNorm).
        clipped_ += spans_[span].on && spans_[span].maxNorm / (norm + 1e-6) < 1.0 ? 1 : 0;
    }
    drawn_ = norms.size();
    epochs_ = qint64(drawn_);
    norms_->addData(keys, values, /*alreadySorted=*/true);
    threshold_->data()->clear();
    for (const auto& s : spans_) { // a gap where clipping was off
        threshold_->addData(double(s.from), s.on ? s.maxNorm : qQNaN());
    }
    threshold_->addData(double(drawn_), spans_.back().on ? spans_.back().maxNorm : qQNaN());
    title_->setText(
        tr("Gradient norm before clipping · dashed: clip threshold · %1").arg(clippedText()));
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace dredge
