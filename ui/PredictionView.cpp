#include "PredictionView.h"

#include "PlotLegend.h"

#include "FitFigures.h"
#include "GridSliceView.h"
#include "ImageFieldView.h"
#include "RunsModel.h"
#include "SpectrogramView.h"

#include "QCustomPlotInclude.h"
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSet>
#include <QSlider>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace dredge {
namespace {

// Which model a prediction came from: the epoch's, or the averaged weights a
// run with weight averaging ends with.
// A kept prediction over all `points`: NaN where its stride skipped one.
std::vector<float> spreadOver(const PredictionSnapshot& kept, size_t points) {
    if (kept.stride <= 1 && kept.values.size() == points) {
        return kept.values;
    }
    std::vector<float> all(points, qQNaN());
    for (size_t i = 0; i < kept.values.size(); ++i) {
        const size_t row = i * size_t(std::max(1, kept.stride));
        if (row < points) {
            all[row] = kept.values[i];
        }
    }
    return all;
}

QString whenText(const PredictionSnapshot& p) {
    if (p.averaged) {
        return PredictionView::tr("epoch %1, averaged weights").arg(p.epoch + 1);
    }
    return p.endWeights ? PredictionView::tr("the end weights (after epoch %1)").arg(p.epoch + 1)
                        : PredictionView::tr("epoch %1").arg(p.epoch + 1);
}

// Whether the replay walks kept parameters (by epoch) rather than a store's
// kept predictions from before schema 6 (by index).
// The fit of `shown` in words and when it was, or that there is none yet.
QString fitAt(const RunData& data, const PredictionSnapshot* shown, const QString& points = {}) {
    if (!shown) {
        return PredictionView::tr("no prediction yet");
    }
    return PredictionView::tr("%1 at %2%3")
        .arg(fitText(shown->mse, data.setup.zeroPredictorMse, data.setup.targetPeak),
             whenText(*shown), points);
}

// The shown prediction where it holds a value for each of the data's points.
const PredictionSnapshot* onEveryPoint(const RunData& data, const PredictionSnapshot* shown) {
    return shown && shown->onTrainingPoints && shown->values.size() == data.targets.size()
               ? shown
               : nullptr;
}

bool replaysParameters(const RunEntry& e) {
    return !e.parameters().empty();
}

// The frame after the last epoch holds the weights the run ended with
// (ParameterFrames): no epoch's forward used them.
bool isEndFrame(const RunEntry& e, int64_t epoch) {
    return !e.isLive() && epoch >= int64_t(e.losses().size()) && epoch > 0;
}

} // namespace

PredictionView::PredictionView(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , title_(new QLabel(this))
    , pages_(new QStackedWidget(this))
    , emptyPage_(new QWidget)
    , emptyState_(new QLabel)
    , locateData_(new QPushButton(tr("Locate the file…")))
    , line_(new QCustomPlot)
    , grid_(new GridSliceView)
    , image_(new ImageFieldView)
    , spectrogram_(new SpectrogramView)
    , timeRow_(new QWidget)
    , tSlider_(new QSlider(Qt::Horizontal))
    , tLabel_(new QLabel)
    , channel_(new QComboBox)
    , soundView_(new QComboBox)
    , play_(new QToolButton)
    , epochSlider_(new QSlider(Qt::Horizontal))
    , epochLabel_(new QLabel) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    title_->setAlignment(Qt::AlignCenter);
    title_->setWordWrap(true); // a long title must not widen the window
    title_->setObjectName(QStringLiteral("predictionTitle"));
    layout->addWidget(title_);
    layout->addWidget(pages_, 1);
    // Data where time moves (the wave packets): one instant at a time.
    auto* timeLayout = new QHBoxLayout(timeRow_);
    timeLayout->setContentsMargins(4, 0, 4, 0);
    timeLayout->addWidget(soundView_);
    timeLayout->addWidget(channel_);
    timeLayout->addWidget(tLabel_);
    timeLayout->addWidget(tSlider_, 1);
    timeLayout->addStretch(0); // the space the slider leaves, where a volume has no time
    channel_->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    channel_->setObjectName(QStringLiteral("valueChannel"));
    connect(channel_, &QComboBox::currentIndexChanged, this, &PredictionView::refresh);
    // A sound: its waveform over time, or its spectrogram.
    soundView_->addItems({tr("Waveform"), tr("Spectrogram")});
    soundView_->setObjectName(QStringLiteral("soundView"));
    soundView_->setToolTip(tr("A sound's fit as waveforms over time, or as spectrograms of the "
                              "truth, the prediction and the error"));
    soundView_->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    connect(soundView_, &QComboBox::currentIndexChanged, this, &PredictionView::refresh);
    tSlider_->setObjectName(QStringLiteral("tSlider"));
    connect(tSlider_, &QSlider::valueChanged, this, &PredictionView::refresh);
    layout->addWidget(timeRow_);
    timeRow_->hide();
    buildReplayRow(layout);

    buildLinePage();
    pages_->addWidget(grid_);
    pages_->addWidget(image_);
    pages_->addWidget(spectrogram_);
    emptyState_->setObjectName(QStringLiteral("predictionEmpty"));
    emptyState_->setAlignment(Qt::AlignCenter);
    emptyState_->setWordWrap(true);
    emptyState_->setMargin(24);
    emptyState_->setStyleSheet(QStringLiteral("color: palette(placeholder-text)"));
    locateData_->setObjectName(QStringLiteral("locateData"));
    locateData_->hide();
    connect(locateData_, &QPushButton::clicked, this,
            [this] { Q_EMIT locateDataRequested(runId_); });
    auto* empty = new QVBoxLayout(emptyPage_);
    empty->addStretch();
    empty->addWidget(emptyState_);
    empty->addWidget(locateData_, 0, Qt::AlignHCenter);
    empty->addStretch();
    pages_->addWidget(emptyPage_);
    connect(grid_, &GridSliceView::sliceChanged, this, &PredictionView::refresh);

    connect(runs_, &RunsModel::predictionUpdated, this, [this](int id) {
        if (id == runId_) {
            updateReplayRange();
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

// 1-D: truth and prediction above, their difference below on the same x;
// the wheel zooms x only (both rects), double-click fits again.
void PredictionView::buildLinePage() {
    line_->setObjectName(QStringLiteral("predictionPlot"));
    line_->addGraph()->setName(tr("ground truth"));
    line_->graph(0)->setPen(QPen(Qt::black, 1.0));
    line_->addGraph()->setName(tr("prediction"));
    line_->graph(1)->setPen(QPen(QColor(214, 39, 40), 1.6));
    line_->legend->setVisible(true);
    line_->yAxis->setLabel(QStringLiteral("y"));
    residualRect_ = new QCPAxisRect(line_);
    line_->plotLayout()->addElement(1, 0, residualRect_);
    line_->plotLayout()->setRowStretchFactor(1, 0.35);
    auto* residual = line_->addGraph(residualRect_->axis(QCPAxis::atBottom),
                                     residualRect_->axis(QCPAxis::atLeft));
    residual->setName(tr("residual"));
    residual->setPen(QPen(QColor(31, 119, 180), 1.0));
    residual->setBrush(QColor(31, 119, 180, 40)); // filled to zero: where it misses
    residual->removeFromLegend();
    residualRect_->axis(QCPAxis::atBottom)->setLabel(QStringLiteral("x"));
    residualRect_->axis(QCPAxis::atLeft)->setLabel(tr("residual")); // prediction − truth
    auto* group = new QCPMarginGroup(line_);
    line_->axisRect()->setMarginGroup(QCP::msLeft | QCP::msRight, group);
    residualRect_->setMarginGroup(QCP::msLeft | QCP::msRight, group);
    for (auto* rect : {line_->axisRect(), residualRect_}) {
        rect->setRangeZoom(Qt::Horizontal);
        rect->setRangeDrag(Qt::Horizontal);
    }
    line_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // One x range for both: zooming either moves the other.
    connect(line_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged),
            residualRect_->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::setRange));
    connect(residualRect_->axis(QCPAxis::atBottom),
            qOverload<const QCPRange&>(&QCPAxis::rangeChanged), line_->xAxis,
            qOverload<const QCPRange&>(&QCPAxis::setRange));
    placeLegendOutside(line_, Qt::AlignTop); // above both rects: it covered the curve
    // The residual below labels the shared x; a short residual strip is enough.
    line_->xAxis->setTickLabels(false);
    residualRect_->setMinimumSize(50, 36);
    // As many y ticks as the height has room for: fixed counts overlapped
    // their labels in a short window.
    connect(line_, &QCustomPlot::afterLayout, this, [this] {
        for (auto* rect : line_->axisRects()) {
            rect->axis(QCPAxis::atLeft)->ticker()->setTickCount(std::max(2, rect->height() / 30));
        }
    });
    connect(line_, &QCustomPlot::mouseWheel, this, [this] { lineZoomed_ = true; });
    connect(line_, &QCustomPlot::mousePress, this, [this] { lineZoomed_ = true; });
    connect(line_, &QCustomPlot::mouseDoubleClick, this, [this] {
        lineZoomed_ = false;
        refresh();
    });
    pages_->addWidget(line_);
}

// Every run at any epoch: a slider over the epochs whose parameters the run
// kept (ParameterPlan; a store's old kept predictions one position each), its
// last position the end model or the latest, and play/pause to walk through
// them in about 80 steps.
void PredictionView::buildReplayRow(QVBoxLayout* layout) {
    auto* row = new QWidget;
    replayRow_ = row;
    auto* rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(4, 0, 4, 0);
    play_->setObjectName(QStringLiteral("replayPlay"));
    play_->setText(QStringLiteral("▶"));
    play_->setToolTip(tr("Play the run's kept epochs from the start"));
    play_->setCheckable(true);
    epochSlider_->setObjectName(QStringLiteral("epochSlider"));
    epochLabel_->setMinimumWidth(150);
    rowLayout->addWidget(play_);
    rowLayout->addWidget(epochSlider_, 1);
    rowLayout->addWidget(epochLabel_);
    layout->addWidget(row);
    connect(epochSlider_, &QSlider::valueChanged, this, &PredictionView::refresh);
    playTimer_.setInterval(150);
    connect(play_, &QToolButton::toggled, this, [this](bool playing) {
        play_->setText(playing ? QStringLiteral("⏸") : QStringLiteral("▶"));
        if (playing) {
            if (epochSlider_->value() >= epochSlider_->maximum()) {
                epochSlider_->setValue(epochSlider_->minimum());
            }
            playTimer_.start();
        } else {
            playTimer_.stop();
        }
    });
    connect(&playTimer_, &QTimer::timeout, this, [this] {
        if (epochSlider_->value() < epochSlider_->maximum()) {
            epochSlider_->setValue(nextPlayedPosition());
        } else {
            play_->setChecked(false);
        }
    });
    // An ended run shows its end model from the kept parameters, not the
    // last live prediction.
    connect(runs_, &RunsModel::runEnded, this, [this](int id) {
        if (id == runId_) {
            updateReplayRange();
            refresh();
        }
    });
    connect(runs_, &RunsModel::parametersKept, this, [this](int id) {
        if (id == runId_) {
            updateReplayRange();
        }
    });
}

// Kept parameters: one position per epoch from the first kept to the last
// (positions between kept epochs snap to the nearest). A store's old kept
// predictions: one position each and, once there is one, one more at the
// end: the latest (a stored run has none: it ends on its last kept one).
void PredictionView::updateReplayRange() {
    const auto* e = runs_->entry(runId_);
    if (e && replaysParameters(*e)) {
        const auto& epochs = e->parameters().epochs;
        const bool following = epochSlider_->value() >= epochSlider_->maximum();
        epochSlider_->blockSignals(true);
        epochSlider_->setRange(int(epochs.front()), int(epochs.back()));
        if (following) {
            epochSlider_->setValue(int(epochs.back()));
        }
        epochSlider_->blockSignals(false);
        epochSlider_->setEnabled(epochs.size() > 1);
        play_->setEnabled(epochs.size() > 1);
        return;
    }
    const int kept = e ? int(e->snapshots.size()) : 0;
    const int last = std::max(0, kept - 1 + (e && e->prediction ? 1 : 0));
    const bool atLatest = epochSlider_->value() >= epochSlider_->maximum();
    epochSlider_->blockSignals(true);
    epochSlider_->setRange(0, last);
    if (atLatest) {
        epochSlider_->setValue(last); // following the run
    }
    epochSlider_->blockSignals(false);
    epochSlider_->setEnabled(kept > 0);
    play_->setEnabled(kept > 0);
}

// Play's next position: about 1/80 of the range on, and never short of the
// next kept epoch (between two the slider would snap back to the same one).
int PredictionView::nextPlayedPosition() const {
    const int step = std::max(1, (epochSlider_->maximum() - epochSlider_->minimum()) / 80);
    const int wanted = std::min(epochSlider_->maximum(), epochSlider_->value() + step);
    const auto* e = runs_->entry(runId_);
    if (!e || !replaysParameters(*e)) {
        return wanted;
    }
    const auto& epochs = e->parameters().epochs;
    const auto next = std::lower_bound(epochs.begin(), epochs.end(), int64_t(wanted));
    return next == epochs.end() ? epochSlider_->maximum() : int(*next);
}

// The kept frame the slider is on: the nearest kept epoch, the slider
// moved onto it and the label saying so when it was between two.
const PredictionSnapshot* PredictionView::replayedPrediction(const RunEntry& e) {
    const auto& frames = e.parameters();
    const int64_t wanted = epochSlider_->value();
    const auto index = frames.nearest(wanted);
    const int64_t epoch = frames.epochs[size_t(index)];
    if (epoch != wanted) {
        epochSlider_->blockSignals(true);
        epochSlider_->setValue(int(epoch));
        epochSlider_->blockSignals(false);
    }
    const bool end = isEndFrame(e, epoch);
    QString label =
        end ? tr("end: the weights the run ended with") : tr("epoch %L1").arg(epoch + 1);
    if (epoch != wanted) {
        label += tr(" (nearest kept to %L1)").arg(wanted + 1);
    }
    epochLabel_->setText(label);
    epochLabel_->setToolTip(
        tr("Computed from the parameters kept at this epoch (%L1 epochs kept, %2 KiB): exact, "
           "on every point. At epoch k they are the weights epoch k's forward pass used, so "
           "the MSE is the loss at k.")
            .arg(frames.size())
            .arg(double(frames.bytes()) / 1024.0, 0, 'f', 0));
    const auto* p = e.replayed(size_t(index));
    if (p && end) {
        endFrame_ = *p;
        endFrame_.epoch = epoch - 1; // after that epoch's update
        endFrame_.endWeights = true;
        endFrame_.averaged = e.config().train.averaging.start.has_value();
        return &endFrame_;
    }
    return p;
}

const PredictionSnapshot* PredictionView::shownPrediction(const RunEntry& e) {
    // A live run followed at its latest shows the worker's own prediction:
    // no forward pass on this thread for each batch that arrives.
    const bool following = epochSlider_->value() >= epochSlider_->maximum();
    if (replaysParameters(e) && e.data() && !(e.isLive() && following && e.prediction)) {
        const auto* replayed = replayedPrediction(e);
        shownFrameEpoch_ = replayed ? epochSlider_->value() : -1; // snapped to a kept one
        return replayed;
    }
    shownFrameEpoch_ = -1;
    const int k = replaysParameters(e) ? int(e.snapshots.size()) : epochSlider_->value();
    if (k >= int(e.snapshots.size()) || !e.data()) {
        epochLabel_->setText(e.prediction ? tr("latest: epoch %L1").arg(e.prediction->epoch + 1)
                                          : tr("latest"));
        return e.prediction ? &*e.prediction : nullptr;
    }
    const auto& kept = e.snapshots[size_t(k)];
    epochLabel_->setText(
        tr("kept: epoch %L1 (%2 of %3)").arg(kept.epoch + 1).arg(k + 1).arg(e.snapshots.size()));
    // Spread over all points; its MSE is over the points it kept.
    const auto& targets = e.data()->targets;
    replayed_ =
        PredictionSnapshot{kept.epoch, spreadOver(kept, targets.size()), true, 0.0, kept.stride};
    double sum = 0.0;
    size_t count = 0;
    for (size_t row = 0; row < targets.size(); ++row) {
        if (std::isfinite(replayed_.values[row])) {
            sum += std::pow(double(replayed_.values[row]) - targets[row], 2);
            ++count;
        }
    }
    replayed_.mse = count ? sum / double(count) : 0.0;
    return &replayed_;
}

void PredictionView::setComparedRuns(std::vector<int> runIds) {
    comparedRuns_ = std::move(runIds);
    refresh();
}

const PredictionSnapshot* PredictionView::predictionAt(const RunEntry& e, int64_t epoch) {
    if (replaysParameters(e)) {
        const auto& frames = e.parameters();
        const auto index = epoch < 0 ? int64_t(frames.size()) - 1 : frames.atOrBefore(epoch);
        return index >= 0 ? e.replayed(size_t(index)) : nullptr;
    }
    if (epoch < 0) {
        return e.prediction ? &*e.prediction : nullptr;
    }
    const PredictionSnapshot* best = nullptr;
    for (const auto& s : e.snapshots) { // in epoch order
        if (s.epoch > epoch) {
            break;
        }
        best = &s;
    }
    return best;
}

// Each compared run's prediction over the shown run's x, where it has a value
// per point (a kept prediction on every point: the 1-D sets keep them all).
int64_t PredictionView::shownEpoch(const RunEntry& shown) const {
    if (replaysParameters(shown)) {
        return epochSlider_->value() >= epochSlider_->maximum() ? -1 : epochSlider_->value();
    }
    const int k = epochSlider_->value();
    return k < int(shown.snapshots.size()) ? shown.snapshots[size_t(k)].epoch : -1;
}

const RunEntry* PredictionView::comparable(int id, const RunEntry& shown) const {
    const auto* other = runs_->entry(id);
    const auto* data = other ? other->data() : nullptr;
    return data && data->coords == shown.data()->coords ? other : nullptr;
}

void PredictionView::drawCompared(const RunEntry& shown, const QVector<double>& x, bool sorted) {
    const int64_t epoch = shownEpoch(shown);
    QSet<int> drawn;
    for (const int id : comparedRuns_) {
        const auto* other = comparable(id, shown);
        const auto* p = other ? predictionAt(*other, epoch) : nullptr;
        if (!p || p->values.size() != other->data()->targets.size()) {
            continue;
        }
        auto*& graph = compared_[id];
        if (!graph) {
            graph = line_->addGraph();
        }
        graph->setPen(QPen(other->color, 1.2, Qt::DashLine));
        graph->setName(tr("%1 (epoch %2)").arg(other->name()).arg(p->epoch + 1));
        QVector<double> y(x.size());
        for (qsizetype i = 0; i < y.size(); ++i) {
            y[i] = valueAt(p->values, instantOffset_ + size_t(i));
        }
        graph->setData(x, y, sorted);
        drawn.insert(id);
    }
    for (auto it = compared_.begin(); it != compared_.end();) {
        if (drawn.contains(it.key())) {
            ++it;
        } else {
            line_->removeGraph(it.value());
            it = compared_.erase(it);
        }
    }
}

double PredictionView::valueAt(const std::vector<float>& values, size_t point) const {
    return values[point * size_t(shownChannels_) + size_t(shownChannel_)];
}

QString PredictionView::titleText() const {
    return title_->text();
}

void PredictionView::showRun(int runId) {
    if (runId != runId_) {
        lineZoomed_ = false;
        play_->setChecked(false);
        epochSlider_->blockSignals(true);
        epochSlider_->setValue(epochSlider_->maximum()); // a new run shows its latest
        epochSlider_->blockSignals(false);
    }
    runId_ = runId;
    updateReplayRange();
    refresh();
}

void PredictionView::refresh() {
    const auto* e = runs_->entry(runId_);
    if (!e || !e->data()) {
        shownFrameEpoch_ = -1;
        // No fake plot with made-up axes: say what will appear here and how.
        const bool lost = e && !e->dataProblem.isEmpty();
        title_->setText(!e     ? QString()
                        : lost ? tr("%1: its data cannot be shown").arg(e->name())
                               : tr("%1: waiting for data…").arg(e->name()));
        emptyState_->setText(
            lost ? tr("%1.\n\nIts losses and kept parameters are all here. Put the file back "
                      "where it was, or locate it, to see its prediction again.")
                       .arg(e->dataProblem.left(1).toUpper() + e->dataProblem.mid(1))
            : e ? tr("The run's prediction appears here once its data is ready.")
                : tr("No run to show yet.\n\nPress Start (Ctrl+R) to train the experiment set "
                     "on the left: its prediction appears here as it trains. A run picked in "
                     "Runs, or shown from History, appears here too."));
        timeRow_->hide();
        replayRow_->hide();
        locateData_->setVisible(lost && !e->record.id.isEmpty());
        pages_->setCurrentWidget(emptyPage_);
        Q_EMIT drawn();
        return;
    }
    replayRow_->show();
    updateTimeSlider(*e->data());
    if (e->config().data.kind == DataKind::Image) {
        drawImage();
    } else if (showsSpectrogram()) {
        drawSpectrogram();
    } else if (e->data()->setup.gridShape.size() >= 2) {
        drawGrid();
    } else {
        drawLine();
    }
    Q_EMIT drawn();
}

// The points of one instant: the data sets list every point of an instant
// before the next (docs/reference.md §9); without time there is one.
void PredictionView::updateTimeSlider(const RunData& data) {
    int64_t perInstant = 1;
    for (auto g : data.setup.gridShape) {
        perInstant *= g;
    }
    const int64_t values = perInstant * std::max(1, data.setup.outputs); // channels are no instants
    const int instants = values > 0 ? int(int64_t(data.targets.size()) / values) : 1;
    tSlider_->blockSignals(true);
    tSlider_->setRange(0, std::max(0, instants - 1));
    tSlider_->blockSignals(false);
    tSlider_->setVisible(instants > 1);
    tLabel_->setVisible(instants > 1);
    // Several values per point (a stereo sound, a volume's voxels), but for
    // a colour picture: one of them at a time.
    const bool channels =
        data.setup.outputs > 1 && runs_->entry(runId_)->config().data.kind != DataKind::Image;
    if (channels && channel_->count() != data.setup.outputs) {
        channel_->blockSignals(true);
        channel_->clear();
        for (int c = 1; c <= data.setup.outputs; ++c) {
            channel_->addItem(tr("value %1 of %2").arg(c).arg(data.setup.outputs));
        }
        channel_->blockSignals(false);
    }
    channel_->setVisible(channels);
    shownChannels_ = std::max(1, data.setup.outputs);
    shownChannel_ = std::clamp(channel_->currentIndex(), 0, shownChannels_ - 1);
    const bool sound = runs_->entry(runId_)->config().data.kind == DataKind::Audio;
    soundView_->setVisible(sound);
    timeRow_->setVisible(instants > 1 || channels || sound);
    instantOffset_ = size_t(tSlider_->value()) * size_t(perInstant);
    instantPoints_ = size_t(perInstant);
    // The instants span t in [0, 2] evenly.
    const double t = instants > 1 ? 2.0 * tSlider_->value() / (instants - 1) : 0.0;
    tLabel_->setText(tr("t = %1").arg(t, 0, 'f', 2));
    instantText_ = instants > 1 ? tr(", t = %1").arg(t, 0, 'f', 2) : QString();
}

// Lines along x, or dots of prediction against truth (parity).
void PredictionView::setParityStyle(bool parity) {
    if (parityStyle_ == parity) {
        return; // styles, names and labels set at the last change stay
    }
    parityStyle_ = parity;
    const auto dots = parity ? QCPScatterStyle(QCPScatterStyle::ssDisc, 3) : QCPScatterStyle();
    for (int g = 1; g <= 2; ++g) {
        line_->graph(g)->setLineStyle(parity ? QCPGraph::lsNone : QCPGraph::lsLine);
        line_->graph(g)->setScatterStyle(dots);
    }
    line_->graph(2)->setBrush(parity ? Qt::NoBrush : QBrush(QColor(31, 119, 180, 40)));
    line_->graph(0)->setName(parity ? tr("truth = prediction") : tr("ground truth"));
    line_->yAxis->setLabel(parity ? tr("prediction") : QStringLiteral("y"));
    residualRect_->axis(QCPAxis::atBottom)->setLabel(parity ? tr("truth") : QStringLiteral("x"));
}

void PredictionView::drawLine() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentIndex(0);
    const auto& data = *e.data();
    const size_t first = instantOffset_;
    // Points scattered in D ≥ 2 (a table's rows) have no x to draw along:
    // each point's prediction is drawn against its truth, on the diagonal
    // where it fits.
    const bool parity = data.setup.dims > 1;
    setParityStyle(parity);
    QVector<double> x(static_cast<qsizetype>(instantPoints_)), truth(x.size());
    for (qsizetype i = 0; i < x.size(); ++i) {
        truth[i] = valueAt(data.targets, first + size_t(i));
        x[i] = parity ? truth[i] : data.coords[first + size_t(i)];
    }
    const bool sorted = std::is_sorted(x.begin(), x.end());
    line_->graph(0)->setData(x, truth, sorted);
    const auto* shown = onEveryPoint(data, shownPrediction(e));
    if (shown) {
        QVector<double> y(x.size());
        for (qsizetype i = 0; i < y.size(); ++i) {
            y[i] = valueAt(shown->values, first + size_t(i));
        }
        line_->graph(1)->setData(x, y, sorted);
        QVector<double> miss(x.size());
        for (qsizetype i = 0; i < miss.size(); ++i) {
            miss[i] = y[i] - truth[i];
        }
        line_->graph(2)->setData(x, miss, sorted);
    } else {
        line_->graph(1)->data()->clear();
        line_->graph(2)->data()->clear();
    }
    drawCompared(e, x, sorted);
    title_->setText(tr("%1 — %2%3").arg(e.name(), fitAt(data, shown), instantText_));
    title_->setToolTip(mseNote(e));
    const auto xRange = line_->xAxis->range();
    line_->rescaleAxes();
    if (lineZoomed_) {
        line_->xAxis->setRange(xRange); // the user's zoom stays while the run trains
    }
    auto* residualY = residualRect_->axis(QCPAxis::atLeft);
    const double worst =
        std::max(std::abs(residualY->range().lower), std::abs(residualY->range().upper));
    residualY->setRange(-worst, worst); // symmetric: zero in the middle
    line_->replot(QCustomPlot::rpQueuedReplot);
}

namespace {

// Value `channel` of each of a run's points, of values with `channels` per point.
std::vector<float> channelOf(const std::vector<float>& values, int channel, int channels) {
    std::vector<float> one(values.size() / size_t(channels));
    for (size_t i = 0; i < one.size(); ++i) {
        one[i] = values[i * size_t(channels) + size_t(channel)];
    }
    return one;
}

} // namespace

void PredictionView::drawGrid() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentWidget(grid_);
    const int channels = std::max(1, e.data()->setup.outputs);
    const int channel = std::clamp(channel_->currentIndex(), 0, channels - 1);
    if (channels > 1) { // the slice view draws one value per point: the chosen one
        channelData_ = *e.data();
        channelData_.targets = channelOf(e.data()->targets, channel, channels);
    }
    const auto& data = channels > 1 ? channelData_ : *e.data();
    const auto* shown = onEveryPoint(*e.data(), shownPrediction(e));
    const bool hasPrediction = shown != nullptr;
    if (hasPrediction && channels > 1) {
        channelPrediction_ = channelOf(shown->values, channel, channels);
    }
    const auto* values = channels > 1 ? &channelPrediction_ : (shown ? &shown->values : nullptr);
    std::vector<NamedPrediction> predictions{{e.name(), hasPrediction ? values : nullptr}};
    // Each other selected run on the same grid, at the same epoch, a row of its own.
    comparedValues_.clear();
    comparedValues_.reserve(comparedRuns_.size()); // the rows point into it
    const int64_t epoch = shownEpoch(e);
    for (const int id : comparedRuns_) {
        const auto* other = comparable(id, e);
        const auto* p = other ? predictionAt(*other, epoch) : nullptr;
        if (p) {
            const auto all = spreadOver(*p, e.data()->targets.size());
            comparedValues_.push_back(channels > 1 ? channelOf(all, channel, channels) : all);
            predictions.push_back({other->name(), &comparedValues_.back()});
        }
    }
    grid_->draw(data, predictions, instantOffset_);
    // The figures are those of all the points, not of the slice.
    title_->setText(tr("%1 — slice %2%3; %4")
                        .arg(e.name(), grid_->sliceText(), instantText_,
                             fitAt(data, shown, tr(" (all points)"))));
    title_->setToolTip(mseNote(e));
}

void PredictionView::drawImage() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentWidget(image_);
    const auto& data = *e.data();
    const auto& shape = data.setup.gridShape;
    const auto* shown = onEveryPoint(data, shownPrediction(e));
    static const std::vector<float> none;
    if (shape.size() == 2) {
        image_->draw(int(shape[1]), int(shape[0]), data.setup.outputs, data.targets,
                     shown ? shown->values : none);
    }
    title_->setText(
        tr("%1 — %2; %3")
            .arg(e.name(), QString::fromStdString(data.setup.dataDescription), fitAt(data, shown)));
    title_->setToolTip(mseNote(e));
}

bool PredictionView::showsSpectrogram() const {
    const auto* e = runs_->entry(runId_);
    return e && e->config().data.kind == DataKind::Audio && soundView_->currentIndex() == 1;
}

// A sound's chosen channel as spectrograms of truth, prediction and error.
void PredictionView::drawSpectrogram() {
    const auto& e = *runs_->entry(runId_);
    pages_->setCurrentWidget(spectrogram_);
    const auto& data = *e.data();
    const auto* shown = onEveryPoint(data, shownPrediction(e));
    const auto channel = size_t(shownChannel_);
    spectrogram_->draw(data.targets.data() + channel,
                       shown ? shown->values.data() + channel : nullptr, int64_t(instantPoints_),
                       shownChannels_, data.setup.sampleRate);
    title_->setText(
        tr("%1 — %2; %3")
            .arg(e.name(), QString::fromStdString(data.setup.dataDescription), fitAt(data, shown)));
    title_->setToolTip(mseNote(e));
}

// Issue 26 #12: why the title's MSE and the Runs table's loss may differ in
// the last digits, and which weights and precision each is.
QString PredictionView::mseNote(const RunEntry& e) const {
    QString note = tr("The MSE of the prediction shown, summed in double over all points from "
                      "the forward at that epoch (the weights before its update, as the loss). "
                      "The Runs table's loss is the training step's own float reduction");
    note += e.config().train.mixedPrecision
                ? tr(", here of the bfloat16 autocast forward (AMP): the two differ in the last "
                     "digits.")
                : tr(": the two agree to float precision.");
    return note;
}

} // namespace dredge
