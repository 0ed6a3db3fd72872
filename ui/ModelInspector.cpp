#include "ModelInspector.h"

#include "FitFigures.h"
#include "GridSliceView.h"
#include "ParameterReplay.h"
#include "PlotFiles.h"
#include "PredictionView.h"
#include "QCustomPlotInclude.h"
#include "RunsModel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QSlider>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>
#include <complex>
#include <numeric>

namespace dredge {
namespace {

constexpr int kMaxSmallMultiples = 16;

QColor unitColor(int64_t unit, int64_t units) {
    return QColor::fromHsv(int(360 * unit / std::max<int64_t>(1, units)) % 360, 200, 200);
}

QString numberText(double v) {
    return QString::number(v, 'g', 4);
}

QString valuesText(const std::vector<double>& values) {
    if (values.size() == 1) {
        return numberText(values.front());
    }
    QStringList parts;
    for (double v : values) {
        parts << numberText(v);
    }
    return QLatin1Char('(') + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
}

QVector<double> keptEpochs(const ParameterFrames& frames) {
    QVector<double> x;
    for (auto e : frames.epochs) {
        x << double(e);
    }
    return x;
}

QCustomPlot* newPlot(const QString& name) {
    auto* plot = new QCustomPlot;
    plot->setObjectName(name);
    plot->setMinimumHeight(110);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    return plot;
}

void useLogAxis(QCPAxis* axis) {
    axis->setScaleType(QCPAxis::stLogarithmic);
    axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
}

// The points of the first instant (1-D data where time moves list every
// point of an instant before the next).
size_t instantPoints(const RunData& data) {
    size_t n = 1;
    for (auto g : data.setup.gridShape) {
        n *= size_t(g);
    }
    return n > 0 && n <= data.targets.size() ? n : data.targets.size();
}

} // namespace

ModelInspector::ModelInspector(RunsModel* runs, PredictionView* view, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , view_(view)
    , summary_(new QLabel)
    , tabs_(new QTabWidget)
    , table_(new QTableWidget)
    , shared_(new QLabel)
    , trajectoryOf_(new QComboBox)
    , gradientTensor_(new QComboBox)
    , normsOf_(new QComboBox)
    , trajectory_(newPlot(QStringLiteral("inspectorTrajectory")))
    , contributions_(newPlot(QStringLiteral("inspectorContributions")))
    , norms_(newPlot(QStringLiteral("inspectorNorms")))
    , gradients_(newPlot(QStringLiteral("inspectorGradients")))
    , spectrum_(newPlot(QStringLiteral("inspectorSpectrum"))) {
    summary_->setWordWrap(true);
    summary_->setObjectName(QStringLiteral("inspectorSummary"));
    table_->setObjectName(QStringLiteral("inspectorUnits"));
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setMinimumHeight(90);
    trajectoryOf_->setToolTip(tr("Which parameter's trajectory to draw, one curve per unit"));
    gradientTensor_->setToolTip(tr("The tensor whose gradient values the bands describe"));
    normsOf_->addItems({tr("each tensor's parameters"), tr("each tensor's gradient")});
    normsOf_->setToolTip(tr("The L2 norm of each parameter tensor, or of its part of the "
                            "gradient each epoch computed (before clipping)"));

    auto* units = new QWidget;
    auto* unitsLayout = new QVBoxLayout(units);
    unitsLayout->setContentsMargins(0, 0, 0, 0);
    unitsLayout->addWidget(table_, 4);
    unitsLayout->addWidget(shared_);
    auto* pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Over epochs:")));
    pick->addWidget(trajectoryOf_, 1);
    unitsLayout->addLayout(pick);
    unitsLayout->addWidget(trajectory_, 2);
    unitsPage_ = units;
    contributionsPage_ = page(contributions_);
    auto* gradientPick = new QWidget;
    auto* gradientRow = new QHBoxLayout(gradientPick);
    gradientRow->setContentsMargins(0, 0, 0, 0);
    gradientRow->addWidget(new QLabel(tr("Bands of:")));
    gradientRow->addWidget(gradientTensor_, 1);
    spectrumPage_ = page(spectrum_);
    tabs_->addTab(unitsPage_, tr("Waves"));
    tabs_->addTab(contributionsPage_, tr("Terms"));
    tabs_->setTabToolTip(1, tr("Each unit's term of the sum: on 1-D data under the sum, on "
                               "a grid as small maps of the prediction view's slice"));
    auto* normsOf = new QWidget;
    auto* normsRow = new QHBoxLayout(normsOf);
    normsRow->setContentsMargins(0, 0, 0, 0);
    normsRow->addWidget(new QLabel(tr("Of:")));
    normsRow->addWidget(normsOf_, 1);
    tabs_->addTab(page(norms_, normsOf), tr("Norms"));
    tabs_->addTab(page(gradients_, gradientPick), tr("Gradients"));
    tabs_->addTab(spectrumPage_, tr("Spectrum"));

    auto* exportButton = new QToolButton;
    exportButton->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    exportButton->setObjectName(QStringLiteral("inspectorExport"));
    exportButton->setToolTip(tr("Save the plot of this tab as PNG, PDF, SVG or CSV (numbers)"));
    exportButton->setAutoRaise(true);
    tabs_->setCornerWidget(exportButton); // the summary keeps the whole width
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addWidget(tabs_, 1);

    connect(exportButton, &QToolButton::clicked, this, &ModelInspector::exportCurrent);
    pendingRedraw_.setSingleShot(true);
    connect(&pendingRedraw_, &QTimer::timeout, this, &ModelInspector::refresh);
    connect(view_, &PredictionView::drawn, this, &ModelInspector::refresh);
    connect(view_->gridView(), &GridSliceView::sliceChanged, this, &ModelInspector::refresh);
    connect(trajectoryOf_, &QComboBox::currentIndexChanged, this, [this] {
        if (const auto* e = runs_->entry(runId_)) {
            drawTrajectory(*e);
        }
    });
    connect(normsOf_, &QComboBox::currentIndexChanged, this, [this] {
        if (const auto* e = runs_->entry(runId_)) {
            drawNorms(*e);
        }
    });
    connect(gradientTensor_, &QComboBox::currentIndexChanged, this, [this] {
        if (const auto* e = runs_->entry(runId_)) {
            drawGradients(*e);
        }
    });
    connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (item->column() == 0) {
            setMuted(item->row(), item->checkState() == Qt::Checked);
        }
    });
}

QWidget* ModelInspector::page(QCustomPlot* plot, QWidget* above) {
    auto* widget = new QWidget;
    auto* layout = new QVBoxLayout(widget);
    layout->setContentsMargins(0, 0, 0, 0);
    if (above) {
        layout->addWidget(above);
    }
    layout->addWidget(plot, 1);
    return widget;
}

void ModelInspector::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    framesSeen_ = 0; // draw again what was skipped while hidden
    refresh();
}

QString ModelInspector::summaryText() const {
    return summary_->text();
}

QString ModelInspector::sharedText() const {
    return shared_->text();
}

void ModelInspector::setMuted(int64_t unit, bool muted) {
    if (muted) {
        muted_.insert(unit);
    } else {
        muted_.erase(unit);
    }
    if (unit < table_->rowCount() && table_->item(int(unit), 0)) {
        const QSignalBlocker blocker(table_);
        table_->item(int(unit), 0)->setCheckState(muted ? Qt::Checked : Qt::Unchecked);
    }
    refresh();
}

void ModelInspector::refresh() {
    const auto* e = runs_->entry(view_->shownRun());
    const bool drawable = e && e->data() && !e->parameters().empty() && e->replay();
    if (!drawable) {
        summary_->setText(!e ? tr("Show a run (Runs or History) to look inside its model.")
                          : e->isLive()
                              ? tr("%1: waiting for its first kept epoch…").arg(e->name())
                              : tr("%1 kept no parameters to look inside (a run from a store "
                                   "before version 6, or one whose data cannot be made again).")
                                    .arg(e->name()));
        runId_ = 0;
        epoch_ = -1;
        mutedMse_ = std::numeric_limits<double>::quiet_NaN();
        tabs_->setEnabled(false);
        return;
    }
    tabs_->setEnabled(true);
    if (!isVisible()) {
        return; // drawn when shown
    }
    // A live run redraws at most once a second: each redraw runs its model
    // on every point, on this thread, and batches come several times a second.
    if (e->isLive() && e->id == runId_ && sinceRedraw_.isValid() && sinceRedraw_.elapsed() < 1000) {
        if (!pendingRedraw_.isActive()) {
            pendingRedraw_.start(int(1000 - sinceRedraw_.elapsed()));
        }
        return;
    }
    sinceRedraw_.start();
    const auto& frames = e->parameters();
    if (e->id != runId_ || frames.size() != framesSeen_) {
        if (e->id != runId_) {
            runId_ = e->id;
            muted_.clear();
            rebuildForRun(*e);
        }
        framesSeen_ = frames.size();
        drawTrajectory(*e);
        drawNorms(*e);
        drawGradients(*e);
        drawSpectrum(*e);
    }
    const int64_t wanted = view_->shownFrameEpoch();
    const auto frame = size_t(wanted < 0 ? int64_t(frames.size()) - 1 : frames.nearest(wanted));
    epoch_ = frames.epochs[frame];
    fillTable(*e, frame);
    drawContributions(*e, frame);
    updateSummary(*e, frame);
    markEpoch();
}

// A new run: its layout and anatomy, the choices of the boxes, the pages
// that apply to its model.
void ModelInspector::rebuildForRun(const RunEntry& e) {
    const auto& evaluator = e.replay()->evaluator();
    // Kept parameters that fit no layout of this model (a damaged or foreign
    // store) have no tensors or units to read: none are shown rather than
    // read past.
    const int64_t width = e.parameters().width;
    layout_ = width == 0 || width == evaluator.parameterCount() ? evaluator.layout()
                                                                : std::vector<ParameterSlot>{};
    anatomy_ = modelAnatomy(e.config().model.kind, layout_);
    const bool units = anatomy_.units > 0;
    tabs_->setTabVisible(tabs_->indexOf(unitsPage_), units);
    tabs_->setTabText(tabs_->indexOf(unitsPage_),
                      anatomy_.unitName == "field" ? tr("Fields") : tr("Waves"));
    tabs_->setTabVisible(tabs_->indexOf(contributionsPage_), units);
    tabs_->setTabVisible(tabs_->indexOf(spectrumPage_),
                         e.config().model.kind == ModelKind::RandomFourier);
    const QSignalBlocker trajectoryBlocker(trajectoryOf_), gradientBlocker(gradientTensor_);
    trajectoryOf_->clear();
    for (size_t c = 0; c < anatomy_.columns.size(); ++c) {
        const auto& column = anatomy_.columns[c];
        for (int64_t i = 0; i < column.width; ++i) {
            const auto label = QString::fromStdString(column.label);
            trajectoryOf_->addItem(column.width > 1 ? QStringLiteral("%1%2").arg(label).arg(i + 1)
                                                    : label,
                                   QPoint(int(c), int(i)));
        }
    }
    gradientTensor_->clear();
    for (const auto& slot : layout_) {
        gradientTensor_->addItem(QString::fromStdString(slot.name));
    }
    QStringList header{tr("Mute")};
    for (const auto& column : anatomy_.columns) {
        header << QString::fromStdString(column.label);
    }
    header << tr("MSE without");
    const QSignalBlocker tableBlocker(table_);
    table_->clear();
    table_->setColumnCount(int(header.size()));
    table_->setHorizontalHeaderLabels(header);
    table_->setRowCount(int(anatomy_.units));
    for (int64_t u = 0; u < anatomy_.units; ++u) {
        auto* mute = new QTableWidgetItem(QString::number(u + 1));
        mute->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        mute->setCheckState(Qt::Unchecked);
        mute->setForeground(unitColor(u, anatomy_.units));
        mute->setToolTip(tr("Leave %1 %2 out of the fit")
                             .arg(QString::fromStdString(anatomy_.unitName))
                             .arg(u + 1));
        table_->setItem(int(u), 0, mute);
        for (int c = 1; c < int(header.size()); ++c) {
            table_->setItem(int(u), c, new QTableWidgetItem);
        }
    }
}

void ModelInspector::fillTable(const RunEntry& e, size_t frame) {
    if (anatomy_.units == 0) {
        return;
    }
    const auto& frames = e.parameters();
    const float* values = frames.frame(frame);
    auto* replay = e.replay();
    const auto& data = *e.data();
    const auto* prediction = replay->at(data, frames, frame);
    const auto& units = replay->contributions(data, frames, frame);
    const QSignalBlocker blocker(table_);
    for (int64_t u = 0; u < anatomy_.units; ++u) {
        int c = 1;
        for (const auto& column : anatomy_.columns) {
            table_->item(int(u), c++)->setText(valuesText(column.of(values, u)));
        }
        const auto without =
            prediction ? withoutUnits(prediction->values, units, {u}) : std::vector<float>{};
        table_->item(int(u), c)->setText(
            prediction ? numberText(meanSquaredError(without, data.targets)) : QString());
    }
    QStringList shared;
    for (const auto& column : anatomy_.shared) {
        shared << QStringLiteral("%1 = %2").arg(QString::fromStdString(column.label),
                                                valuesText(column.of(values, 0)));
    }
    shared_->setText(shared.isEmpty() ? QString()
                                      : tr("Shared envelope: %1").arg(shared.join(u"; ")));
    shared_->setVisible(!shared.isEmpty());
    table_->resizeColumnsToContents();
}

void ModelInspector::updateSummary(const RunEntry& e, size_t frame) {
    const auto& frames = e.parameters();
    auto* replay = e.replay();
    const auto& data = *e.data();
    const auto* prediction = replay->at(data, frames, frame);
    frameMse_ = prediction ? prediction->mse : std::numeric_limits<double>::quiet_NaN();
    mutedMse_ = frameMse_;
    // No loss at its epoch: no forward pass used it (the end model).
    const bool end = epoch_ > 0 && epoch_ >= int64_t(e.losses().size());
    QString text = tr("<b>%1</b>, %2 parameters, at %3: MSE %4")
                       .arg(e.name().toHtmlEscaped())
                       .arg(frames.width)
                       .arg(end ? tr("the end model") : tr("epoch %L1").arg(epoch_ + 1))
                       .arg(numberText(frameMse_));
    if (!muted_.empty() && prediction) {
        const auto& units = replay->contributions(data, frames, frame);
        mutedMse_ = meanSquaredError(withoutUnits(prediction->values, units, muted_), data.targets);
        const auto unit = QString::fromStdString(anatomy_.unitName);
        text += tr("; without %1 muted %2: MSE %3 (×%4)")
                    .arg(muted_.size())
                    .arg(muted_.size() == 1 ? unit : unit + QLatin1Char('s'))
                    .arg(numberText(mutedMse_))
                    .arg(mutedMse_ / frameMse_, 0, 'f', 2);
    }
    summary_->setText(text);
}

void ModelInspector::drawTrajectory(const RunEntry& e) {
    trajectory_->clearGraphs();
    const auto choice = trajectoryOf_->currentData().toPoint();
    if (anatomy_.units == 0 || size_t(choice.x()) >= anatomy_.columns.size()) {
        trajectory_->replot();
        return;
    }
    const auto& column = anatomy_.columns[size_t(choice.x())];
    const auto& frames = e.parameters();
    const auto x = keptEpochs(frames);
    for (int64_t u = 0; u < anatomy_.units; ++u) {
        QVector<double> y;
        for (size_t f = 0; f < frames.size(); ++f) {
            y << column.of(frames.frame(f), u)[size_t(choice.y())];
        }
        auto* graph = trajectory_->addGraph();
        graph->setName(
            QStringLiteral("%1 %2").arg(QString::fromStdString(anatomy_.unitName)).arg(u + 1));
        graph->setPen(QPen(unitColor(u, anatomy_.units), 1.5));
        graph->setData(x, y, true);
    }
    trajectory_->xAxis->setLabel(tr("epoch (kept)"));
    trajectory_->yAxis->setLabel(trajectoryOf_->currentText());
    trajectory_->rescaleAxes();
    trajectory_->replot();
}

void ModelInspector::drawContributions(const RunEntry& e, size_t frame) {
    if (anatomy_.units == 0) {
        return;
    }
    auto* replay = e.replay();
    const auto& data = *e.data();
    const auto* prediction = replay->at(data, e.parameters(), frame);
    const auto& units = replay->contributions(data, e.parameters(), frame);
    if (!prediction || units.units == 0) {
        return;
    }
    if (data.setup.gridShape.size() >= 2) {
        drawGridContributions(units);
    } else {
        drawLineContributions(e, prediction->values, units);
    }
}

// The sum over the truth above, each unit's share under it on one x.
void ModelInspector::drawLineContributions(const RunEntry& e, const std::vector<float>& prediction,
                                           const UnitContributions& units) {
    auto* plot = contributions_;
    plot->clearPlottables();
    plot->clearItems();
    plot->plotLayout()->clear(); // the axis rects are made anew for each draw
    auto* top = new QCPAxisRect(plot);
    auto* bottom = new QCPAxisRect(plot);
    plot->plotLayout()->addElement(0, 0, top);
    plot->plotLayout()->addElement(1, 0, bottom);
    const auto& data = *e.data();
    const size_t n = instantPoints(data);
    const auto points = static_cast<qsizetype>(n);
    QVector<double> x(points), truth(points), sum(points), without(points);
    const auto muted = withoutUnits(prediction, units, muted_);
    for (size_t i = 0; i < n; ++i) {
        x[qsizetype(i)] = data.coords[i];
        truth[qsizetype(i)] = data.targets[i];
        sum[qsizetype(i)] = prediction[i];
        without[qsizetype(i)] = muted[i];
    }
    const auto add = [&](QCPAxisRect* rect, const QString& name, const QVector<double>& y,
                         const QPen& pen) {
        auto* graph = plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        graph->setName(name);
        graph->setPen(pen);
        graph->setData(x, y, std::is_sorted(x.begin(), x.end()));
    };
    add(top, tr("truth"), truth, QPen(QColor(150, 150, 150), 2));
    add(top, tr("prediction (sum)"), sum, QPen(Qt::black, 1.5));
    if (!muted_.empty()) {
        add(top, tr("without muted"), without, QPen(QColor(200, 0, 40), 1.5, Qt::DashLine));
    }
    const auto count = size_t(units.units);
    for (size_t u = 0; u < count; ++u) {
        QVector<double> y(x.size());
        for (size_t i = 0; i < n; ++i) {
            y[qsizetype(i)] = units.values[i * count + u];
        }
        QPen pen(unitColor(int64_t(u), int64_t(count)), 1.2);
        if (muted_.count(int64_t(u))) {
            pen.setStyle(Qt::DotLine);
        }
        add(bottom,
            QStringLiteral("%1 %2").arg(QString::fromStdString(anatomy_.unitName)).arg(u + 1), y,
            pen);
    }
    top->axis(QCPAxis::atLeft)->setLabel(tr("sum"));
    bottom->axis(QCPAxis::atLeft)
        ->setLabel(tr("each %1").arg(QString::fromStdString(anatomy_.unitName)));
    bottom->axis(QCPAxis::atBottom)->setLabel(QStringLiteral("x"));
    auto* group = new QCPMarginGroup(plot);
    top->setMarginGroup(QCP::msLeft | QCP::msRight, group);
    bottom->setMarginGroup(QCP::msLeft | QCP::msRight, group);
    plot->rescaleAxes();
    plot->replot();
}

// One small map per unit on the prediction view's slice (the first 16).
void ModelInspector::drawGridContributions(const UnitContributions& units) {
    auto* plot = contributions_;
    plot->clearPlottables();
    plot->clearItems();
    plot->plotLayout()->clear(); // the axis rects are made anew for each draw
    const auto& slice = view_->gridView()->slice();
    const auto rows = sliceRows(slice);
    if (rows.empty()) {
        plot->replot();
        return;
    }
    const int shown = int(std::min<int64_t>(units.units, kMaxSmallMultiples));
    const int columns = int(std::ceil(std::sqrt(double(shown))));
    const auto nAcross = int(slice.shape[size_t(slice.across)]);
    const auto nUp = int(slice.shape[size_t(slice.up)]);
    const auto count = size_t(units.units);
    auto* scale = new QCPColorScale(plot);
    scale->setGradient(QCPColorGradient::gpPolar);
    double worst = 0.0;
    for (int u = 0; u < shown; ++u) {
        auto* rect = new QCPAxisRect(plot);
        plot->plotLayout()->addElement(u / columns, u % columns, rect);
        rect->setupFullAxesBox(true);
        rect->axis(QCPAxis::atBottom)->setTickLabels(false);
        rect->axis(QCPAxis::atLeft)->setTickLabels(false);
        auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        map->setInterpolate(false); // one cell a point, as the slice view draws them
        map->setName(
            QStringLiteral("%1 %2").arg(QString::fromStdString(anatomy_.unitName)).arg(u + 1));
        map->data()->setSize(nAcross, nUp);
        map->data()->setRange(QCPRange(0, nAcross - 1), QCPRange(0, nUp - 1));
        for (int a = 0; a < nAcross; ++a) {
            for (int v = 0; v < nUp; ++v) {
                const double value = units.values[rows[size_t(a * nUp + v)] * count + size_t(u)];
                map->data()->setCell(a, v, value);
                worst = std::max(worst, std::abs(value));
            }
        }
        map->setColorScale(scale);
        rect->axis(QCPAxis::atTop)
            ->setLabel(map->name() + (muted_.count(u) ? tr(" (muted)") : QString()));
        rect->axis(QCPAxis::atTop)->setLabelPadding(1);
        rect->axis(QCPAxis::atBottom)->setRange(QCPRange(-0.5, nAcross - 0.5));
        rect->axis(QCPAxis::atLeft)->setRange(QCPRange(-0.5, nUp - 0.5));
    }
    scale->setDataRange(QCPRange(-std::max(worst, 1e-12), std::max(worst, 1e-12)));
    scale->setLabel(units.units > kMaxSmallMultiples
                        ? tr("share (first %1 of %2)").arg(kMaxSmallMultiples).arg(units.units)
                        : tr("share of the sum"));
    plot->plotLayout()->addElement(0, columns, scale);
    plot->replot();
}

void ModelInspector::drawNorms(const RunEntry& e) {
    norms_->clearGraphs();
    const auto& frames = e.parameters();
    const auto x = keptEpochs(frames);
    const bool gradients = normsOf_->currentIndex() == 1;
    const auto norms = tensorNorms(frames, layout_, gradients);
    for (size_t t = 0; t < norms.size(); ++t) {
        auto* graph = norms_->addGraph();
        graph->setName(QString::fromStdString(layout_[t].name));
        graph->setPen(QPen(unitColor(int64_t(t), int64_t(norms.size())), 1.5));
        graph->setData(x, QVector<double>(norms[t].begin(), norms[t].end()), true);
    }
    norms_->legend->setVisible(true);
    norms_->legend->setFont(QFont(font().family(), 7));
    norms_->xAxis->setLabel(tr("epoch (kept)"));
    norms_->yAxis->setLabel(gradients ? tr("L2 norm of each tensor's gradient")
                                      : tr("L2 norm of each tensor"));
    useLogAxis(norms_->yAxis);
    norms_->rescaleAxes();
    norms_->replot();
}

// The global gradient norm (black) and the chosen tensor's gradient values
// as bands: min–max, 16–84 and 31–69 percentiles, the median as a line.
void ModelInspector::drawGradients(const RunEntry& e) {
    gradients_->clearGraphs();
    const auto& frames = e.parameters();
    const auto x = keptEpochs(frames);
    const auto global = globalGradientNorms(frames);
    auto* norm = gradients_->addGraph(gradients_->xAxis, gradients_->yAxis2);
    norm->setName(tr("global gradient norm"));
    norm->setPen(QPen(Qt::black, 1.5));
    norm->setData(x, QVector<double>(global.begin(), global.end()), true);
    const int chosen = gradientTensor_->currentIndex();
    if (chosen >= 0 && size_t(chosen) < layout_.size()) {
        const auto bands = gradientBands(frames, layout_[size_t(chosen)]);
        QVector<QVector<double>> series(kBandPercentiles.size());
        for (const auto& band : bands) {
            for (size_t i = 0; i < band.size(); ++i) {
                series[qsizetype(i)] << band[i];
            }
        }
        const int alphas[] = {40, 70, 110}; // outer to inner
        for (int b = 0; b < 3; ++b) {
            auto* low = gradients_->addGraph();
            auto* high = gradients_->addGraph();
            low->setName(tr("p%1").arg(kBandPercentiles[size_t(b)]));
            high->setName(tr("p%1").arg(kBandPercentiles[size_t(6 - b)]));
            low->setData(x, series[b], true);
            high->setData(x, series[6 - b], true);
            low->setPen(Qt::NoPen);
            high->setPen(Qt::NoPen);
            high->setBrush(QColor(30, 90, 200, alphas[b]));
            high->setChannelFillGraph(low);
        }
        auto* median = gradients_->addGraph();
        median->setName(tr("median"));
        median->setPen(QPen(QColor(30, 90, 200), 1.5));
        median->setData(x, series[3], true);
    }
    gradients_->xAxis->setLabel(tr("epoch (kept)"));
    gradients_->yAxis->setLabel(tr("gradient values of %1").arg(gradientTensor_->currentText()));
    gradients_->yAxis2->setVisible(true);
    gradients_->yAxis2->setLabel(tr("global norm (black)"));
    useLogAxis(gradients_->yAxis2);
    gradients_->rescaleAxes();
    gradients_->replot();
}

// RFF: the features' frequencies (|B column| / 2π, cycles per unit of x) as
// a histogram against the 1-D data's amplitude spectrum.
void ModelInspector::drawSpectrum(const RunEntry& e) {
    spectrum_->clearGraphs();
    spectrum_->clearPlottables();
    if (e.config().model.kind != ModelKind::RandomFourier) {
        return;
    }
    const auto& data = *e.data();
    const auto b = e.replay()->evaluator().buffer("frequencies"); // [D, M]
    const int dims = data.setup.dims;
    const size_t m = b.size() / size_t(std::max(1, dims));
    std::vector<double> cycles;
    for (size_t j = 0; j < m; ++j) {
        double squares = 0.0;
        for (int d = 0; d < dims; ++d) {
            squares += double(b[size_t(d) * m + j]) * double(b[size_t(d) * m + j]);
        }
        cycles.push_back(std::sqrt(squares) / (2.0 * M_PI));
    }
    const double top = cycles.empty() ? 1.0 : *std::max_element(cycles.begin(), cycles.end());
    constexpr int kBins = 40;
    QVector<double> centres(kBins), counts(kBins, 0.0);
    for (int i = 0; i < kBins; ++i) {
        centres[i] = (i + 0.5) * top / kBins;
    }
    for (double c : cycles) {
        counts[std::min(kBins - 1, int(c / top * kBins))] += 1.0;
    }
    auto* bars = new QCPBars(spectrum_->xAxis, spectrum_->yAxis);
    bars->setName(tr("RFF frequencies (count)"));
    bars->setWidth(top / kBins);
    bars->setData(centres, counts);
    bars->setBrush(QColor(30, 90, 200, 120));
    if (dims == 1 && data.coords.size() >= 4) {
        // The DFT of the targets over their (even) spacing, up to the
        // highest RFF frequency or the data's Nyquist frequency.
        const size_t n = std::min<size_t>(data.targets.size(), 4096);
        const double dx = (data.coords[n - 1] - data.coords[0]) / double(n - 1);
        QVector<double> f, amplitude;
        for (size_t k = 0; k <= n / 2 && double(k) / (double(n) * dx) <= top * 1.05; ++k) {
            std::complex<double> sum;
            for (size_t i = 0; i < n; ++i) {
                sum += double(data.targets[i]) * std::polar(1.0, -2.0 * M_PI * double(k * i) / n);
            }
            f << double(k) / (double(n) * dx);
            amplitude << 2.0 * std::abs(sum) / double(n);
        }
        auto* spectrum = spectrum_->addGraph(spectrum_->xAxis, spectrum_->yAxis2);
        spectrum->setName(tr("data's amplitude spectrum"));
        spectrum->setPen(QPen(Qt::black, 1.5));
        spectrum->setData(f, amplitude, true);
        spectrum_->yAxis2->setVisible(true);
        spectrum_->yAxis2->setLabel(tr("data amplitude (line)"));
    }
    spectrum_->xAxis->setLabel(tr("frequency (cycles per unit of x)"));
    spectrum_->yAxis->setLabel(tr("features (bars)"));
    spectrum_->legend->setVisible(true);
    spectrum_->rescaleAxes();
    spectrum_->replot();
}

// A vertical line at the shown epoch on the plots over epochs.
void ModelInspector::markEpoch() {
    for (auto* plot : {trajectory_, norms_, gradients_}) {
        QCPItemStraightLine* line = nullptr;
        for (int i = 0; i < plot->itemCount(); ++i) {
            if (auto* found = qobject_cast<QCPItemStraightLine*>(plot->item(i))) {
                line = found;
            }
        }
        if (!line) {
            line = new QCPItemStraightLine(plot);
            line->setPen(QPen(QColor(200, 0, 40, 160), 1, Qt::DashLine));
        }
        line->point1->setCoords(double(epoch_), 0.0);
        line->point2->setCoords(double(epoch_), 1.0);
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void ModelInspector::exportCurrent() {
    const QHash<QWidget*, QCustomPlot*> plots{{unitsPage_, trajectory_},
                                              {contributionsPage_, contributions_},
                                              {spectrumPage_, spectrum_}};
    auto* plot =
        plots.value(tabs_->currentWidget(), tabs_->currentIndex() == 2 ? norms_ : gradients_);
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the inspector's plot"),
        plot->objectName().remove(QStringLiteral("inspector")).toLower() + QStringLiteral(".png"),
        tr("PNG images (*.png);;PDF documents (*.pdf);;SVG drawings (*.svg);;CSV numbers "
           "(*.csv)"));
    QString error;
    if (!path.isEmpty() && !savePlot(plot, path, &error)) {
        QMessageBox::warning(this, tr("Export failed"), error);
    }
}

} // namespace dredge
