#include "SpectrogramView.h"

#include "Spectrogram.h"

#include "QCustomPlotInclude.h"
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace dredge {
namespace {

// Row `row` of `rows`: a map whose heading sits in its top-left corner, so
// that three of them fit a short view.
QCPColorMap* addRow(QCustomPlot* plot, QCPLayoutGrid* rows, int row, const QString& title,
                    QCPMarginGroup* margins) {
    auto* rect = new QCPAxisRect(plot);
    rows->addElement(row, 0, rect);
    rect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    rect->setMinimumSize(50, 24);
    rect->axis(QCPAxis::atLeft)->setLabel(SpectrogramView::tr("kHz"));
    auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    map->setInterpolate(false);
    auto* heading = new QCPItemText(plot);
    heading->setClipToAxisRect(false);
    heading->setClipAxisRect(rect);
    heading->position->setType(QCPItemPosition::ptAxisRectRatio);
    heading->position->setAxisRect(rect);
    heading->position->setCoords(0.0, 0.0);
    heading->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    heading->setText(title);
    heading->setFont(QFont(plot->font().family(), 8));
    heading->setColor(Qt::white);
    heading->setBrush(QColor(0, 0, 0, 150));
    heading->setPadding(QMargins(4, 1, 4, 1));
    return map;
}

} // namespace

SpectrogramView::SpectrogramView(QWidget* parent)
    : QWidget(parent)
    , plot_(new QCustomPlot) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);
    plot_->setObjectName(QStringLiteral("spectrogramPlot"));
    // Three rows' minimum heights must not become the prediction view's (its
    // pages share one minimum size) and squeeze the loss plot above it.
    plot_->setMinimumSize(120, 120);
    plot_->plotLayout()->clear();
    // The rows in one column, the colour scale as tall as all three beside them.
    auto* rows = new QCPLayoutGrid;
    rows->setRowSpacing(2);
    plot_->plotLayout()->addElement(0, 0, rows);
    auto* margins = new QCPMarginGroup(plot_);
    const QString titles[] = {tr("ground truth"), tr("prediction"),
                              tr("error (prediction − truth)")};
    for (int row = 0; row < 3; ++row) {
        maps_.push_back(addRow(plot_, rows, row, titles[row], margins));
    }
    // Time is labelled once, under the last row.
    for (size_t row = 0; row + 1 < maps_.size(); ++row) {
        maps_[row]->keyAxis()->setTickLabels(false);
    }
    maps_.back()->keyAxis()->setLabel(tr("seconds"));
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale_);
    scale_->axis()->setLabel(tr("dB of full scale"));
    scale_->setBarWidth(10);
    auto gradient = QCPColorGradient(QCPColorGradient::gpThermal);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    scale_->setGradient(gradient);
    for (auto* map : maps_) {
        map->setColorScale(scale_);
    }
    // As many frequency ticks as a row has room for.
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        for (auto* map : maps_) {
            const int height = map->valueAxis()->axisRect()->height();
            map->valueAxis()->ticker()->setTickCount(std::max(1, height / 28));
        }
    });
    // The three rows move together in time and frequency.
    for (auto* map : maps_) {
        for (auto* other : maps_) {
            if (other != map) {
                connect(map->keyAxis(), qOverload<const QCPRange&>(&QCPAxis::rangeChanged),
                        other->keyAxis(), qOverload<const QCPRange&>(&QCPAxis::setRange));
            }
        }
    }
}

void SpectrogramView::fill(int row, const Spectrogram& s) {
    auto* map = maps_[size_t(row)];
    auto* data = map->data();
    data->setSize(int(s.frames), int(s.bins));
    data->setRange(
        QCPRange(s.firstSecond, s.firstSecond + s.secondsPerFrame * double(s.frames - 1)),
        QCPRange(0.0, s.hertzPerBin * double(s.bins - 1) / 1000.0));
    for (int64_t f = 0; f < s.frames; ++f) {
        for (int64_t b = 0; b < s.bins; ++b) {
            data->setCell(int(f), int(b), s.decibels[size_t(f * s.bins + b)]);
        }
    }
}

void SpectrogramView::drawTruth(const TruthSource& source) {
    const auto spectrum =
        spectrogramOf(source.samples, nullptr, source.count, source.stride, source.rate);
    fill(0, spectrum);
    loudestTruthDb_ = float(kSpectrogramFloorDb);
    for (const float db : spectrum.decibels) {
        loudestTruthDb_ = std::max(loudestTruthDb_, db);
    }
    truthSource_ = source;
}

void SpectrogramView::draw(const float* truth, const float* prediction, int64_t count,
                           int64_t stride, double rate) {
    TruthSource source{truth, count, stride, rate, 0.0};
    for (int64_t i = 0; i < count; ++i) {
        source.sum += double(truth[i * stride]);
    }
    if (!(source == truthSource_)) {
        drawTruth(source);
    }
    for (int row = 1; row < 3; ++row) {
        if (prediction) {
            fill(row, row == 1 ? spectrogramOf(prediction, nullptr, count, stride, rate)
                               : spectrogramOf(prediction, truth, count, stride, rate));
        } else {
            maps_[size_t(row)]->data()->clear();
        }
    }
    // The loudest bin of the truth at the top of the scale, 90 dB below it at
    // the bottom: what a listener hears, not the floor of silence.
    const double top = std::ceil(double(loudestTruthDb_) / 10.0) * 10.0;
    scale_->setDataRange(QCPRange(top - 90.0, top));
    for (auto* map : maps_) {
        map->keyAxis()->setRange(map->data()->keyRange());
        map->valueAxis()->setRange(maps_.front()->data()->valueRange());
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace dredge
