#include "PredictionView.h"

#include "FitFigures.h"
#include "RunsModel.h"

#include "QCustomPlotInclude.h"
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace dredge {
namespace {

// Which model a prediction came from: the epoch's, or the averaged weights a
// run with weight averaging ends with.
QString whenText(const PredictionSnapshot& p) {
    return p.averaged ? PredictionView::tr("epoch %1, averaged weights").arg(p.epoch + 1)
                      : PredictionView::tr("epoch %1").arg(p.epoch + 1);
}

QCPColorMap* addColorMap(QCustomPlot* plot, QCPAxisRect* rect, const QString& title) {
    auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    map->setGradient(QCPColorGradient::gpSpectrum);
    map->setInterpolate(false);
    rect->axis(QCPAxis::atBottom)->setLabel(title);
    Q_UNUSED(plot);
    return map;
}

} // namespace

PredictionView::PredictionView(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , title_(new QLabel(this))
    , pages_(new QStackedWidget(this))
    , line_(new QCustomPlot)
    , volume_(new QCustomPlot)
    , zSlider_(new QSlider(Qt::Horizontal))
    , timeRow_(new QWidget)
    , tSlider_(new QSlider(Qt::Horizontal))
    , tLabel_(new QLabel)
    , hyper_(new QCustomPlot) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    title_->setAlignment(Qt::AlignCenter);
    layout->addWidget(title_);
    layout->addWidget(pages_, 1);
    // Data where time moves (the wave packets): one instant at a time.
    auto* timeLayout = new QHBoxLayout(timeRow_);
    timeLayout->setContentsMargins(4, 0, 4, 0);
    timeLayout->addWidget(tLabel_);
    timeLayout->addWidget(tSlider_, 1);
    tSlider_->setObjectName(QStringLiteral("tSlider"));
    connect(tSlider_, &QSlider::valueChanged, this, &PredictionView::refresh);
    layout->addWidget(timeRow_);
    timeRow_->hide();

    // 1-D: truth and prediction.
    line_->setObjectName(QStringLiteral("predictionPlot"));
    line_->addGraph()->setName(tr("ground truth"));
    line_->graph(0)->setPen(QPen(Qt::black, 1.0));
    line_->addGraph()->setName(tr("prediction"));
    line_->graph(1)->setPen(QPen(QColor(214, 39, 40), 1.6));
    line_->legend->setVisible(true);
    line_->xAxis->setLabel(QStringLiteral("x"));
    line_->yAxis->setLabel(QStringLiteral("y"));
    line_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    pages_->addWidget(line_);

    // 4-D: truth and prediction slices side by side, one shared colour scale.
    auto* volumePage = new QWidget;
    auto* volumeLayout = new QVBoxLayout(volumePage);
    volumeLayout->setContentsMargins(0, 0, 0, 0);
    volume_->plotLayout()->clear();
    auto* truthRect = new QCPAxisRect(volume_);
    auto* predictionRect = new QCPAxisRect(volume_);
    volume_->plotLayout()->addElement(0, 0, truthRect);
    volume_->plotLayout()->addElement(0, 1, predictionRect);
    volumeTruth_ = addColorMap(volume_, truthRect, tr("ground truth (x → , y ↑)"));
    volumePrediction_ = addColorMap(volume_, predictionRect, tr("prediction"));
    auto* volumeScale = new QCPColorScale(volume_);
    volume_->plotLayout()->addElement(0, 2, volumeScale);
    volumeTruth_->setColorScale(volumeScale);
    volumePrediction_->setColorScale(volumeScale);
    volumeLayout->addWidget(volume_, 1);
    zSlider_->setObjectName(QStringLiteral("zSlider"));
    volumeLayout->addWidget(zSlider_);
    connect(zSlider_, &QSlider::valueChanged, this, &PredictionView::refresh);
    pages_->addWidget(volumePage);

    // 6-D: the prediction on the (x1, x2) slice.
    hyperMap_ = new QCPColorMap(hyper_->xAxis, hyper_->yAxis);
    hyperMap_->setGradient(QCPColorGradient::gpSpectrum);
    auto* hyperScale = new QCPColorScale(hyper_);
    hyper_->plotLayout()->addElement(0, 1, hyperScale);
    hyperMap_->setColorScale(hyperScale);
    hyper_->xAxis->setLabel(QStringLiteral("x1"));
    hyper_->yAxis->setLabel(QStringLiteral("x2"));
    pages_->addWidget(hyper_);

    connect(runs_, &RunsModel::predictionUpdated, this, [this](int id) {
        if (id == runId_) {
            refresh();
        }
    });
    connect(runs_, &RunsModel::dataReady, this, [this](int id) {
        if (id == runId_) {
            refresh();
        }
    });
    connect(runs_, &RunsModel::runRemoved, this, [this](int id) {
        if (id == runId_) {
            showRun(0);
        }
    });
    refresh();
}

void PredictionView::showRun(int runId) {
    runId_ = runId;
    refresh();
}

void PredictionView::refresh() {
    const auto* e = runs_->entry(runId_);
    if (!e || !e->data()) {
        title_->setText(e ? tr("%1: waiting for data…").arg(e->name())
                          : tr("Select a run to see its prediction"));
        line_->graph(0)->data()->clear();
        line_->graph(1)->data()->clear();
        line_->replot(QCustomPlot::rpQueuedReplot);
        pages_->setCurrentIndex(0);
        return;
    }
    updateTimeSlider(*e->data());
    switch (e->data()->setup.dims) {
    case 3:
        drawVolume();
        break;
    case 5:
        drawHyperSlice();
        break;
    default:
        drawLine();
    }
}

// The points of one instant: the data sets list every point of an instant
// before the next (docs/reference.md §9); without time there is one.
void PredictionView::updateTimeSlider(const RunData& data) {
    int64_t perInstant = 1;
    for (auto g : data.setup.gridShape) {
        perInstant *= g;
    }
    const int instants = perInstant > 0 ? int(int64_t(data.targets.size()) / perInstant) : 1;
    tSlider_->blockSignals(true);
    tSlider_->setRange(0, std::max(0, instants - 1));
    tSlider_->blockSignals(false);
    timeRow_->setVisible(instants > 1);
    instantOffset_ = size_t(tSlider_->value()) * size_t(perInstant);
    instantPoints_ = size_t(perInstant);
    // The instants span t in [0, 2] evenly.
    const double t = instants > 1 ? 2.0 * tSlider_->value() / (instants - 1) : 0.0;
    tLabel_->setText(tr("t = %1").arg(t, 0, 'f', 2));
    instantText_ = instants > 1 ? tr(", t = %1").arg(t, 0, 'f', 2) : QString();
}

void PredictionView::drawLine() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentIndex(0);
    const auto& data = *e.data();
    const size_t first = instantOffset_;
    QVector<double> x(static_cast<qsizetype>(instantPoints_)), truth(x.size());
    for (qsizetype i = 0; i < x.size(); ++i) {
        x[i] = data.coords[first + size_t(i)];
        truth[i] = data.targets[first + size_t(i)];
    }
    const bool sorted = std::is_sorted(x.begin(), x.end());
    line_->graph(0)->setData(x, truth, sorted);
    QString mse = tr("no prediction yet");
    if (e.prediction && e.prediction->onTrainingPoints &&
        e.prediction->values.size() == data.targets.size()) {
        QVector<double> y(x.size());
        for (qsizetype i = 0; i < y.size(); ++i) {
            y[i] = e.prediction->values[first + size_t(i)];
        }
        line_->graph(1)->setData(x, y, sorted);
        mse =
            tr("%1 at %2")
                .arg(fitText(e.prediction->mse, data.setup.zeroPredictorMse, data.setup.targetPeak),
                     whenText(*e.prediction));
    } else {
        line_->graph(1)->data()->clear();
    }
    title_->setText(tr("%1 — %2%3").arg(e.name(), mse, instantText_));
    line_->rescaleAxes();
    line_->replot(QCustomPlot::rpQueuedReplot);
}

void PredictionView::drawVolume() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentIndex(1);
    const auto& data = *e.data();
    const int g = int(data.setup.gridShape.at(0));
    zSlider_->blockSignals(true);
    zSlider_->setRange(0, g - 1);
    if (zSlider_->property("grid").toInt() != g) {
        zSlider_->setValue(g / 2);
        zSlider_->setProperty("grid", g);
    }
    zSlider_->blockSignals(false);
    const int k = zSlider_->value();
    const bool hasPrediction = e.prediction && e.prediction->onTrainingPoints &&
                               e.prediction->values.size() == data.targets.size();
    for (auto* map : {volumeTruth_, volumePrediction_}) {
        map->data()->setSize(g, g);
        map->data()->setRange(QCPRange(-5, 5), QCPRange(-5, 5));
    }
    // 'ij' order: row = (i·G + j)·G + k, with z (k) the fastest axis.
    for (int i = 0; i < g; ++i) {
        for (int j = 0; j < g; ++j) {
            const size_t row = instantOffset_ + size_t((i * g + j) * g + k);
            volumeTruth_->data()->setCell(i, j, data.targets[row]);
            volumePrediction_->data()->setCell(i, j,
                                               hasPrediction ? e.prediction->values[row] : qQNaN());
        }
    }
    volumeTruth_->rescaleDataRange(true);
    const double z = -5.0 + 10.0 * k / std::max(1, g - 1);
    title_->setText(tr("%1 — slice z = %2%3%4")
                        .arg(e.name())
                        .arg(z, 0, 'f', 2)
                        .arg(instantText_)
                        .arg(hasPrediction
                                 ? tr(", %1 at %2")
                                       .arg(fitText(e.prediction->mse, data.setup.zeroPredictorMse,
                                                    data.setup.targetPeak),
                                            whenText(*e.prediction))
                                 : QString()));
    for (auto* rect : volume_->axisRects()) {
        rect->axis(QCPAxis::atBottom)->setRange(-5, 5);
        rect->axis(QCPAxis::atLeft)->setRange(-5, 5);
    }
    volume_->replot(QCustomPlot::rpQueuedReplot);
}

void PredictionView::drawHyperSlice() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentIndex(2);
    constexpr int n = 50;
    hyperMap_->data()->setSize(n, n);
    hyperMap_->data()->setRange(QCPRange(-3, 3), QCPRange(-3, 3));
    const bool hasSlice = e.prediction && !e.prediction->onTrainingPoints &&
                          e.prediction->values.size() == size_t(n * n);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            hyperMap_->data()->setCell(
                i, j, hasSlice ? e.prediction->values[size_t(i * n + j)] : qQNaN());
        }
    }
    hyperMap_->rescaleDataRange(true);
    hyper_->xAxis->setRange(-3, 3);
    hyper_->yAxis->setRange(-3, 3);
    title_->setText(tr("%1 — prediction on x3 = x4 = x5 = t = 0%2")
                        .arg(e.name())
                        .arg(hasSlice ? tr(" (%1)").arg(whenText(*e.prediction)) : QString()));
    hyper_->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace dredge
