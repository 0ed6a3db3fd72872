#include "GridSliceView.h"

#include "QCustomPlotInclude.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace dredge {
namespace {

QString axisName(int axis, int dims) {
    if (dims == 3) {
        return QString(QChar(u"xyz"[axis]));
    }
    return QStringLiteral("x%1").arg(axis + 1);
}

// A heading above, the map below, in the given column.
QCPColorMap* addMap(QCustomPlot* plot, int column, const QString& title) {
    auto* rect = new QCPAxisRect(plot);
    plot->plotLayout()->addElement(
        0, column, new QCPTextElement(plot, title, QFont(plot->font().family(), 9)));
    plot->plotLayout()->addElement(1, column, rect);
    auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    map->setInterpolate(false);
    return map;
}

// Blue below zero, white at zero, red above: the residual's sign at a glance.
QCPColorGradient diverging() {
    QCPColorGradient g;
    g.setColorStopAt(0.0, QColor(33, 102, 172));
    g.setColorStopAt(0.25, QColor(146, 197, 222));
    g.setColorStopAt(0.5, QColor(247, 247, 247));
    g.setColorStopAt(0.75, QColor(244, 165, 130));
    g.setColorStopAt(1.0, QColor(178, 24, 43));
    g.setNanHandling(QCPColorGradient::nhTransparent);
    return g;
}

// A map takes its colour scale's gradient: the gradient is set here.
QCPColorScale* addScale(QCustomPlot* plot, int column, const QString& label,
                        const QCPColorGradient& gradient) {
    auto* scale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(1, column, scale);
    scale->axis()->setLabel(label);
    scale->setBarWidth(10);
    scale->setGradient(gradient);
    return scale;
}

} // namespace

GridSliceView::GridSliceView(QWidget* parent)
    : QWidget(parent)
    , plot_(new QCustomPlot)
    , across_(new QComboBox)
    , up_(new QComboBox)
    , sliderGrid_(new QGridLayout) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* axes = new QHBoxLayout;
    axes->setContentsMargins(4, 0, 4, 0);
    across_->setObjectName(QStringLiteral("acrossAxis"));
    up_->setObjectName(QStringLiteral("upAxis"));
    axes->addWidget(new QLabel(tr("Across")));
    axes->addWidget(across_);
    axes->addWidget(new QLabel(tr("up")));
    axes->addWidget(up_);
    axes->addStretch(1);
    layout->addLayout(axes);
    layout->addWidget(plot_, 1);
    sliderGrid_->setContentsMargins(4, 0, 4, 0);
    layout->addLayout(sliderGrid_);

    plot_->setObjectName(QStringLiteral("slicePlot"));
    plot_->plotLayout()->clear();
    truth_ = addMap(plot_, 0, tr("ground truth"));
    auto* prediction = addMap(plot_, 1, tr("prediction"));
    valueScale_ = addScale(plot_, 2, tr("value"), QCPColorGradient(QCPColorGradient::gpSpectrum));
    auto* residual = addMap(plot_, 3, tr("residual"));
    residualScale_ = addScale(plot_, 4, tr("prediction − truth"), diverging());
    truth_->setColorScale(valueScale_);
    prediction->setColorScale(valueScale_);
    residual->setColorScale(residualScale_);
    rows_.push_back({prediction, residual});
    // Scales as tall as the maps beside them.
    margins_ = new QCPMarginGroup(plot_);
    for (auto* rect : plot_->axisRects()) {
        rect->setMarginGroup(QCP::msTop | QCP::msBottom, margins_);
    }
    for (auto* scale : {valueScale_, residualScale_}) {
        scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins_);
    }

    const auto changed = [this] {
        updateSliderLabels();
        Q_EMIT sliceChanged();
    };
    connect(across_, &QComboBox::currentIndexChanged, this, changed);
    connect(up_, &QComboBox::currentIndexChanged, this, changed);
}

void GridSliceView::setAxes(const std::vector<int64_t>& shape) {
    if (shape == shape_) {
        return;
    }
    shape_ = shape;
    const int dims = int(shape.size());
    for (auto* box : {across_, up_}) {
        box->blockSignals(true);
        box->clear();
        for (int d = 0; d < dims; ++d) {
            box->addItem(axisName(d, dims), d);
        }
    }
    across_->setCurrentIndex(0);
    up_->setCurrentIndex(std::min(1, dims - 1));
    across_->blockSignals(false);
    up_->blockSignals(false);
    for (auto* w : sliderLabels_) {
        delete w;
    }
    for (auto* w : sliders_) {
        delete w;
    }
    sliders_.clear();
    sliderLabels_.clear();
    for (int d = 0; d < dims; ++d) {
        auto* slider = new QSlider(Qt::Horizontal);
        slider->setObjectName(QStringLiteral("sliceSlider%1").arg(d));
        slider->setRange(0, int(shape[size_t(d)]) - 1);
        // Near the middle, one step apart: on the 6-D set equal x4 and x5
        // make the target vanish (sin(x4 − x5)), a slice worth no look.
        const int n = int(shape[size_t(d)]);
        slider->setValue(std::clamp(n / 2 + d - 2, 0, n - 1));
        auto* label = new QLabel;
        label->setMinimumWidth(70);
        // One row for all: the maps keep the height.
        sliderGrid_->addWidget(label, 0, 2 * d);
        sliderGrid_->addWidget(slider, 0, 2 * d + 1);
        sliderGrid_->setColumnStretch(2 * d + 1, 1);
        sliders_.push_back(slider);
        sliderLabels_.push_back(label);
        connect(slider, &QSlider::valueChanged, this, [this] {
            updateSliderLabels();
            Q_EMIT sliceChanged();
        });
    }
}

double GridSliceView::coordinate(int axis, int64_t index) const {
    const auto [first, last] = ranges_.at(size_t(axis));
    const int64_t n = shape_.at(size_t(axis));
    return n > 1 ? first + (last - first) * double(index) / double(n - 1) : first;
}

void GridSliceView::updateSliderLabels() {
    const int dims = int(shape_.size());
    const int across = across_->currentData().toInt();
    const int up = up_->currentData().toInt();
    for (int d = 0; d < dims && d < int(sliders_.size()); ++d) {
        const bool fixed = d != across && d != up;
        sliders_[size_t(d)]->setVisible(fixed);
        sliderLabels_[size_t(d)]->setVisible(fixed);
        if (fixed && size_t(d) < ranges_.size()) {
            sliderLabels_[size_t(d)]->setText(QStringLiteral("%1 = %2").arg(
                axisName(d, dims),
                QString::number(coordinate(d, sliders_[size_t(d)]->value()), 'f', 2)));
        }
    }
}

QString GridSliceView::sliceText() const {
    QStringList parts;
    const int across = across_->currentData().toInt();
    const int up = up_->currentData().toInt();
    for (int d = 0; d < int(shape_.size()); ++d) {
        if (d != across && d != up && size_t(d) < ranges_.size()) {
            parts << QStringLiteral("%1 = %2").arg(
                axisName(d, int(shape_.size())),
                QString::number(coordinate(d, sliders_[size_t(d)]->value()), 'f', 2));
        }
    }
    return parts.join(QStringLiteral(", "));
}

// Row 0 holds the headings, row 1 the first run with the truth and the
// scales; each further run gets a row of its own below.
void GridSliceView::setRunRows(int count) {
    auto* layout = plot_->plotLayout();
    while (int(rows_.size()) > std::max(1, count)) {
        const int row = int(rows_.size()); // its layout row
        for (int column : {1, 3}) {
            layout->remove(layout->element(row, column)); // its axis rect and map go too
        }
        rows_.pop_back();
        layout->simplify();
    }
    while (int(rows_.size()) < count) {
        const int row = int(rows_.size()) + 1;
        RunRow r{};
        for (int column : {1, 3}) {
            auto* rect = new QCPAxisRect(plot_);
            layout->addElement(row, column, rect);
            rect->setMarginGroup(QCP::msTop | QCP::msBottom, margins_);
            auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            map->setInterpolate(false);
            map->setColorScale(column == 1 ? valueScale_ : residualScale_);
            (column == 1 ? r.prediction : r.residual) = map;
        }
        rows_.push_back(r);
    }
}

void GridSliceView::draw(const RunData& data, const std::vector<NamedPrediction>& predictions,
                         size_t firstRow) {
    const auto& shape = data.setup.gridShape;
    const int dims = int(shape.size());
    if (dims < 2 || int(data.coords.size()) < dims) {
        return;
    }
    setAxes(shape);
    // Each axis's first and last coordinate: those of the first and last point.
    ranges_.assign(size_t(dims), {0.0, 0.0});
    size_t stride = 1, span = 0; // rows from the first point to the last
    for (int d = dims - 1; d >= 0; --d) {
        span += stride * size_t(shape[size_t(d)] - 1);
        stride *= size_t(shape[size_t(d)]);
    }
    for (int d = 0; d < dims; ++d) {
        ranges_[size_t(d)] = {data.coords[firstRow * size_t(dims) + size_t(d)],
                              data.coords[(firstRow + span) * size_t(dims) + size_t(d)]};
    }
    updateSliderLabels();

    GridSlice slice{
        shape, across_->currentData().toInt(), up_->currentData().toInt(), {}, firstRow};
    for (int d = 0; d < dims; ++d) {
        slice.fixed.push_back(sliders_[size_t(d)]->value());
    }
    setRunRows(int(predictions.size()));
    fillMaps(data, predictions, sliceRows(slice));
    slice_ = slice;
    const auto& axes = plot_->axisRects();
    for (auto* rect : axes) {
        rect->axis(QCPAxis::atBottom)->setLabel(axisName(slice.across, dims));
        rect->axis(QCPAxis::atLeft)->setLabel(axisName(slice.up, dims));
        rect->axis(QCPAxis::atBottom)
            ->setRange(QCPRange(ranges_[size_t(slice.across)].first,
                                ranges_[size_t(slice.across)].second));
        rect->axis(QCPAxis::atLeft)
            ->setRange(QCPRange(ranges_[size_t(slice.up)].first, ranges_[size_t(slice.up)].second));
    }
    if (predictions.size() > 1) { // which run each row is
        for (size_t i = 0; i < rows_.size(); ++i) {
            rows_[i].prediction->keyAxis()->setLabel(
                QStringLiteral("%1 — %2").arg(axisName(slice.across, dims), predictions[i].name));
        }
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void GridSliceView::fillMaps(const RunData& data, const std::vector<NamedPrediction>& predictions,
                             const std::vector<size_t>& rows) {
    const int across = across_->currentData().toInt();
    const int up = up_->currentData().toInt();
    const int nAcross = int(shape_[size_t(across)]);
    const int nUp = int(shape_[size_t(up)]);
    const QCPRange keys(ranges_[size_t(across)].first, ranges_[size_t(across)].second);
    const QCPRange values(ranges_[size_t(up)].first, ranges_[size_t(up)].second);
    truth_->data()->setSize(nAcross, nUp);
    truth_->data()->setRange(keys, values);
    for (int a = 0; a < nAcross && !rows.empty(); ++a) {
        for (int u = 0; u < nUp; ++u) {
            truth_->data()->setCell(a, u, data.targets[rows[size_t(a * nUp + u)]]);
        }
    }
    truth_->data()->recalculateDataBounds();
    // Truth and the predictions set the value scale together (a flat slice
    // gets ±1); the residuals one symmetric about zero, so that white is zero
    // and equal colours mean equal misses, whichever run.
    QCPRange valueRange = truth_->data()->dataBounds();
    double worst = 0.0;
    for (size_t i = 0; i < rows_.size(); ++i) {
        const auto* prediction = i < predictions.size() ? predictions[i].values : nullptr;
        const bool predicted = prediction && prediction->size() == data.targets.size();
        auto* p = rows_[i].prediction->data();
        auto* r = rows_[i].residual->data();
        for (auto* map : {p, r}) {
            map->setSize(nAcross, nUp);
            map->setRange(keys, values);
        }
        for (int a = 0; a < nAcross && !rows.empty(); ++a) {
            for (int u = 0; u < nUp; ++u) {
                const size_t row = rows[size_t(a * nUp + u)];
                const double truth = data.targets[row];
                const double value = predicted ? double((*prediction)[row]) : qQNaN();
                p->setCell(a, u, value);
                r->setCell(a, u, value - truth);
                if (std::isfinite(value)) { // kept predictions leave gaps (NaN)
                    worst = std::max(worst, std::abs(value - truth));
                    valueRange.expand(value);
                }
            }
        }
    }
    if (!(valueRange.size() > 0.0)) {
        valueRange = QCPRange(valueRange.lower - 1.0, valueRange.upper + 1.0);
    }
    valueScale_->setDataRange(valueRange);
    const double half = worst > 0.0 ? worst : 1e-12;
    residualScale_->setDataRange(QCPRange(-half, half));
}

} // namespace dredge
