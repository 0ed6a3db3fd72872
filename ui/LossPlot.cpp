#include "LossPlot.h"

#include "PlotLegend.h"

#include "ChangeMarks.h"

#include "RunExport.h"

#include "DecadeTicker.h"
#include "LearningRateSchedule.h"
#include "PlotFiles.h"
#include "RunsModel.h"

#include "QCustomPlotInclude.h"
#include <QFileDialog>
#include <QMessageBox>
#include <QSaveFile>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace dredge {

LossPlot::LossPlot(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs)
    , bar_(new LossPlotBar(this))
    , plot_(new QCustomPlot(this))
    , marks_(std::make_unique<ChangeMarks>(plot_)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    bar_->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    layout->addWidget(bar_);
    layout->addWidget(plot_);
    connect(bar_, &LossPlotBar::smoothingChanged, this, &LossPlot::setSmoothing);
    connect(bar_, &LossPlotBar::xAxisChanged, this, &LossPlot::setXAxis);
    connect(bar_, &LossPlotBar::exportRequested, this, &LossPlot::askToExport);
    plot_->setObjectName(QStringLiteral("lossPlot"));
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->xAxis->setLabel(tr("epoch"));
    plot_->yAxis->setLabel(tr("loss (MSE)"));
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), 8));
    placeLegendOutside(plot_, Qt::AlignRight);
    plot_->setNoAntialiasingOnDrag(true);
    // Loss curves are dense polylines: drawing them unantialiased, as fast
    // polylines, keeps a full replot of 10 runs × 10,000 epochs cheap.
    plot_->setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
    plot_->setNotAntialiasedElements(QCP::aePlottables);
    setLogScale(true);

    // The user's zoom or pan ends auto-ranging; double-click restores it.
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { autoRange_ = false; });
    connect(plot_, &QCustomPlot::mousePress, this, [this] { autoRange_ = false; });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] { fitAll(); });
    connect(plot_, &QCustomPlot::mouseMove, this, &LossPlot::showHover);
    plot_->installEventFilter(this); // the crosshair goes when the pointer leaves
    plot_->layer(QStringLiteral("overlay"))->setMode(QCPLayer::lmBuffered);

    connect(runs_, &RunsModel::runAdded, this, &LossPlot::addRun);
    connect(runs_, &RunsModel::runRemoved, this, &LossPlot::removeRun);
    connect(runs_, &RunsModel::lossesAppended, this, &LossPlot::append);
    connect(runs_, &RunsModel::lossesReplaced, this, &LossPlot::reload);
    connect(runs_, &RunsModel::runChanged, this, &LossPlot::syncStyle);
    connect(runs_, &RunsModel::journalChanged, this, &LossPlot::syncMarks);

    redrawTimer_.setInterval(200); // 5 redraws a second at most; redraw() adapts it
    connect(&redrawTimer_, &QTimer::timeout, this, [this] {
        if (dirty_) {
            redraw();
        }
    });
    redrawTimer_.start();
}

void LossPlot::setLogScale(bool on) {
    logScale_ = on;
    plot_->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on) {
        plot_->yAxis->setTicker(QSharedPointer<DecadeTicker>::create());
    } else {
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        plot_->yAxis->setNumberFormat(QStringLiteral("g"));
        plot_->yAxis->setNumberPrecision(4);
    }
    autoRange_ = true;
    scheduleRedraw();
}

void LossPlot::fitAll() {
    autoRange_ = true;
    scheduleRedraw();
}

void LossPlot::highlight(int runId) {
    highlighted_ = runId;
    for (const auto& [id, curves] : curves_) {
        syncStyle(id);
    }
}

void LossPlot::setEmphasis(const std::set<int>& runIds) {
    emphasis_ = runIds;
    for (const auto& [id, curves] : curves_) {
        syncStyle(id);
    }
    scheduleRedraw(); // the seed groups' curves fade too
}

void LossPlot::setGroupSeeds(bool on) {
    groupSeeds_ = on;
    for (const auto& [id, curves] : curves_) {
        syncStyle(id); // members show again when grouping ends
    }
    scheduleRedraw();
}

void LossPlot::setGroupCenter(CurveCenter center) {
    center_ = center;
    scheduleRedraw();
}

void LossPlot::setGroupBand(CurveBand band) {
    band_ = band;
    scheduleRedraw();
}

// Groups are drawn anew on each redraw while grouping is on: their members'
// histories grow as they train.
void LossPlot::rebuildGroups() {
    for (const auto& g : groups_) {
        plot_->removeGraph(g.center);
        plot_->removeGraph(g.low);
        plot_->removeGraph(g.high);
    }
    groups_.clear();
    if (!groupSeeds_) {
        return;
    }
    std::vector<RunRecord> records;
    std::vector<int> ids;
    for (const auto& e : runs_->entries()) {
        if (e->visible && !e->losses().empty()) {
            records.push_back(e->record);
            ids.push_back(e->id);
        }
    }
    const auto groups = groupBySettings(records);
    std::vector<ExperimentConfig> configs;
    for (const auto& group : groups) {
        configs.push_back(records[group.members.front()].config);
    }
    const auto labels = distinguishingLabels(configs);
    for (size_t gi = 0; gi < groups.size(); ++gi) {
        const auto& group = groups[gi];
        if (group.members.size() < 2) {
            continue;
        }
        std::vector<std::vector<double>> histories;
        GroupGraphs g{plot_->addGraph(), plot_->addGraph(), plot_->addGraph(), {}};
        for (size_t m : group.members) {
            const int id = ids[m];
            g.members.push_back(id);
            histories.push_back(runs_->entry(id)->losses());
            for (auto* member : {curvesOf(id).loss, curvesOf(id).smoothed}) {
                if (member) {
                    member->setVisible(false);
                    member->removeFromLegend();
                }
            }
        }
        const auto curve = groupCurve(histories, center_, band_);
        QVector<double> keys(qsizetype(curve.center.size()));
        const auto& first = *runs_->entry(g.members.front()); // time axes: its times
        for (qsizetype i = 0; i < keys.size(); ++i) {
            keys[i] = keyOf(first, i);
        }
        const auto values = [](const std::vector<double>& v) {
            return QVector<double>(v.begin(), v.end());
        };
        QColor color = runs_->entry(g.members.front())->color;
        // Outside the parallel-coordinates ranges (no member kept): faded, as a run's line is.
        const bool kept = emphasis_.empty() ||
                          std::any_of(g.members.begin(), g.members.end(),
                                      [this](int member) { return emphasis_.count(member) > 0; });
        color.setAlpha(kept ? color.alpha() : 40);
        g.center->setData(keys, values(curve.center), true);
        g.low->setData(keys, values(curve.low), true);
        g.high->setData(keys, values(curve.high), true);
        QPen pen(color);
        pen.setWidthF(2.0);
        g.center->setPen(pen);
        g.center->setName(tr("%1 of %2 seeds: %3")
                              .arg(center_ == CurveCenter::Mean ? tr("mean") : tr("median"))
                              .arg(g.members.size())
                              .arg(labels[gi]));
        QColor fill = color;
        fill.setAlpha(kept ? 50 : 12);
        for (auto* edge : {g.low, g.high}) {
            edge->setPen(Qt::NoPen);
            edge->removeFromLegend();
        }
        g.high->setBrush(fill);
        g.high->setChannelFillGraph(g.low);
        groups_.push_back(g);
    }
}

void LossPlot::setShowLearningRate(bool on) {
    showRates_ = on;
    auto* axis = plot_->yAxis2;
    axis->setVisible(on);
    if (on) {
        axis->setLabel(tr("learning rate (dashed)"));
        axis->setScaleType(QCPAxis::stLogarithmic);
        axis->setTicker(QSharedPointer<DecadeTicker>::create());
    }
    scheduleRedraw();
}

// Companion curves in their run's colour: its learning rate (replayed by
// LearningRateSchedule; only a plateau schedule reads the losses), its
// validation loss and its averaged model's loss. A run's curve is redrawn only
// when its history grew, so a redraw costs nothing for runs that did not move.
struct LossPlot::CompanionKind {
    Companion RunCurves::*member;
    Qt::PenStyle style;
    bool onRateAxis;
    std::vector<double> (*values)(const RunEntry&);
};

const LossPlot::CompanionKind LossPlot::kCompanionKinds[3] = {
    {&RunCurves::rate, Qt::DashLine, true,
     [](const RunEntry& e) { return learningRates(e.record.config, e.journal(), e.losses()); }},
    {&RunCurves::validation, Qt::DashLine, false,
     [](const RunEntry& e) { return e.validationLosses(); }},
    {&RunCurves::averaged, Qt::DotLine, false,
     [](const RunEntry& e) { return e.averagedLosses(); }},
};

const LossPlot::RunCurves& LossPlot::curvesOf(int runId) const {
    static const RunCurves none;
    const auto it = curves_.find(runId);
    return it == curves_.end() ? none : it->second;
}

bool LossPlot::anyCompanion(Companion RunCurves::*member) const {
    return std::any_of(curves_.begin(), curves_.end(),
                       [member](const auto& c) { return (c.second.*member).graph != nullptr; });
}

void LossPlot::syncCompanions(const CompanionKind& kind) {
    const bool shown = kind.onRateAxis ? showRates_ : true;
    for (auto& [id, curves] : curves_) {
        Companion& companion = curves.*kind.member;
        const auto* e = runs_->entry(id);
        if (!shown || !e || !e->visible) {
            if (companion.graph) {
                plot_->removeGraph(companion.graph);
            }
            companion = {};
            continue;
        }
        const size_t length = e->losses().size();
        if (length == 0 || companion.length == length) {
            continue;
        }
        const auto series = kind.values(*e);
        const size_t from = drawnFrom(*e);
        if (series.size() <= from) {
            continue;
        }
        QVector<double> keys, points;
        keys.reserve(qsizetype(series.size() - from));
        points.reserve(keys.capacity());
        for (size_t i = from; i < series.size(); ++i) {
            keys.append(keyOf(*e, int64_t(i)));
            points.append(std::isfinite(series[i]) ? series[i] : qQNaN());
        }
        if (!companion.graph) {
            companion.graph =
                plot_->addGraph(plot_->xAxis, kind.onRateAxis ? plot_->yAxis2 : plot_->yAxis);
            companion.graph->setAdaptiveSampling(true);
            companion.graph->setPen(
                QPen(e->color, kind.style == Qt::DotLine ? 1.6 : 1.0, kind.style));
            companion.graph->removeFromLegend();
        }
        companion.graph->setData(keys, points, true);
        companion.length = length;
    }
}

LossPlot::~LossPlot() = default;

void LossPlot::addRun(int id) {
    auto* graph = plot_->addGraph();
    graph->setAdaptiveSampling(true);
    curves_[id].loss = graph;
    reload(id);
}

void LossPlot::removeRun(int id) {
    const auto it = curves_.find(id);
    if (it == curves_.end()) {
        return;
    }
    const RunCurves& c = it->second;
    for (auto* graph : {c.loss, c.smoothed, c.rate.graph, c.validation.graph, c.averaged.graph}) {
        if (graph) {
            plot_->removeGraph(graph);
        }
    }
    curves_.erase(it);
    marks_->remove(id);
    scheduleRedraw();
}

void LossPlot::syncMarks(int id) {
    const auto* entry = runs_->entry(id);
    const auto it = curves_.find(id);
    if (!entry || it == curves_.end()) {
        return;
    }
    auto* graph = it->second.smoothed ? it->second.smoothed : it->second.loss;
    if (graph->dataCount() == 0) { // a change before the first epoch: marked once drawn
        unmarked_.insert(id);
        marks_->remove(id);
        return;
    }
    unmarked_.erase(id);
    marks_->set(
        id, graph, entry->journal(), [this, entry](qint64 epoch) { return keyOf(*entry, epoch); },
        entry->color);
    marks_->setVisible(id, entry->visible);
    scheduleRedraw();
}

int LossPlot::changeMarks(int runId) const {
    return marks_->count(runId);
}

// What the line styles mean, in a row above the plot while any companion
// curve is drawn (the axis label is too short a place for it).
void LossPlot::showLineStyles(const QString& text) {
    auto* layout = plot_->plotLayout();
    if (text.isEmpty()) {
        if (lineStyles_) {
            layout->remove(lineStyles_); // deletes it
            layout->simplify();
            lineStyles_ = nullptr;
        }
        return;
    }
    if (!lineStyles_) {
        layout->insertRow(0);
        lineStyles_ = new QCPTextElement(plot_, text, QFont(font().family(), 8));
        lineStyles_->setObjectName(QStringLiteral("lineStyles"));
        layout->addElement(0, 0, lineStyles_);
    }
    lineStyles_->setText(text);
}

QString LossPlot::lineStylesText() const {
    return lineStyles_ ? lineStyles_->text() : QString();
}

size_t LossPlot::drawnFrom(const RunEntry& entry) {
    return size_t(std::max<qint64>(0, entry.record.forkEpoch));
}

void LossPlot::append(int id, qint64 firstEpoch, const std::vector<double>& losses) {
    const auto it = curves_.find(id);
    const auto* entry = runs_->entry(id);
    if (it == curves_.end() || !entry) {
        return;
    }
    auto* graph = it->second.loss;
    // A fork is drawn from the epoch it went on from: its parent drew the rest.
    // Its smoothing starts at epoch 0 all the same, as its parent's did.
    const qint64 from = qint64(drawnFrom(*entry));
    auto* smoothedGraph = it->second.smoothed;
    auto& smoother = it->second.smoother;
    // Non-finite losses (divergence) are gaps, not points at infinity.
    const auto drawable = [](double v) { return std::isfinite(v) ? v : qQNaN(); };
    QVector<double> keys, values, smooth;
    keys.reserve(qsizetype(losses.size()));
    values.reserve(qsizetype(losses.size()));
    for (size_t i = 0; i < losses.size(); ++i) {
        const qint64 epoch = firstEpoch + qint64(i);
        const double smoothed = smoothedGraph ? smoother.next(losses[i]) : 0.0;
        if (epoch < from) {
            continue;
        }
        keys.append(keyOf(*entry, epoch));
        values.append(drawable(losses[i]));
        if (smoothedGraph) {
            smooth.append(drawable(smoothed));
        }
    }
    graph->addData(keys, values, /*alreadySorted=*/true);
    if (smoothedGraph) {
        smoothedGraph->addData(keys, smooth, /*alreadySorted=*/true);
    }
    if (unmarked_.count(id) && !keys.isEmpty()) {
        syncMarks(id);
    }
    scheduleRedraw();
}

void LossPlot::reload(int id) {
    const auto it = curves_.find(id);
    if (it == curves_.end() || !runs_->entry(id)) {
        return;
    }
    RunCurves& c = it->second;
    const auto* entry = runs_->entry(id);
    c.loss->data()->clear();
    if (smoothing_ > 0.0 && !c.smoothed) {
        c.smoothed = plot_->addGraph();
        c.smoothed->setAdaptiveSampling(true);
    } else if (smoothing_ <= 0.0 && c.smoothed) {
        plot_->removeGraph(c.smoothed);
        c.smoothed = nullptr;
    }
    if (c.smoothed) {
        c.smoothed->data()->clear();
    }
    c.smoother = EmaSmoother(smoothing_);
    append(id, 0, entry->losses());
    syncStyle(id);
    syncMarks(id); // on the curve as now drawn (smoothed or not, on this x axis)
}

void LossPlot::reloadAll() {
    for (auto& [id, c] : curves_) {
        for (auto* companion : {&c.rate, &c.validation, &c.averaged}) {
            companion->length = 0; // drawn again on the next redraw
        }
        reload(id);
    }
    autoRange_ = true;
}

void LossPlot::setSmoothing(double weight) {
    smoothing_ = std::clamp(weight, 0.0, 0.999);
    reloadAll();
}

void LossPlot::setXAxis(LossAxisX axis) {
    xAxis_ = axis;
    auto* x = plot_->xAxis;
    switch (axis) {
    case LossAxisX::Epoch:
        x->setTicker(QSharedPointer<QCPAxisTicker>::create());
        x->setLabel(tr("epoch"));
        break;
    case LossAxisX::TrainingTime:
        x->setTicker(QSharedPointer<QCPAxisTicker>::create());
        x->setLabel(tr("training time (s, pauses excluded)"));
        break;
    case LossAxisX::WallClock: {
        auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
        ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
        x->setTicker(ticker);
        x->setLabel(tr("wall-clock time (start + training time)"));
        break;
    }
    }
    reloadAll();
}

bool LossPlot::exportTo(const QString& path, PlotFile format, QString* error) {
    return format == PlotFile::Csv ? writeCsv(path, error)
                                   : savePlotImage(plot_, path, format, error);
}

void LossPlot::askToExport(PlotFile format) {
    const QString suffix = plotFileSuffix(format);
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the loss plot"), QStringLiteral("losses.") + suffix,
        tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix));
    QString error;
    if (!path.isEmpty() && !exportTo(path, format, &error)) {
        QMessageBox::warning(this, tr("Export failed"), error);
    }
}

// Every visible run's curves at full resolution, one row per epoch drawn: the
// raw loss, the smoothed one (as the slider sets it), and the validation and
// averaged-weights losses where the run has them.
bool LossPlot::writeCsv(const QString& path, QString* error) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        *error = file.errorString();
        return false;
    }
    file.write(
        lossCsvHeader({"validation_loss", "averaged_loss", "x", "smoothed_loss", "smoothing"}));
    for (const auto& e : runs_->entries()) {
        if (!e->visible) {
            continue;
        }
        const auto& h = e->history();
        const auto smoothed = smoothedLosses(h.losses, smoothing_);
        file.write(lossCsvRows(e->record.id, e->name(), h.losses, drawnFrom(*e), [&](size_t i) {
            return QList<QByteArray>{csvCell(h.validationLosses, i), csvCell(h.averagedLosses, i),
                                     csvNumber(keyOf(*e, int64_t(i))), csvCell(smoothed, i),
                                     csvNumber(smoothing_)};
        }));
    }
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

double LossPlot::keyOf(const RunEntry& entry, int64_t epoch) const {
    switch (xAxis_) {
    case LossAxisX::Epoch:
        break;
    case LossAxisX::TrainingTime:
        return entry.timeline().secondsAt(double(epoch));
    case LossAxisX::WallClock: {
        const auto& start =
            entry.record.started.isValid() ? entry.record.started : entry.record.created;
        return QCPAxisTickerDateTime::dateTimeToKey(start) +
               entry.timeline().secondsAt(double(epoch));
    }
    }
    return double(epoch);
}

void LossPlot::syncStyle(int id) {
    auto* graph = curvesOf(id).loss;
    const auto* entry = runs_->entry(id);
    if (!graph || !entry) {
        return;
    }
    QColor color = entry->color;
    if (!emphasis_.empty() && !emphasis_.count(id)) {
        color.setAlpha(40); // outside the parallel-coordinates ranges
    } else if (entry->record.status == RecordStatus::Pruned && id != highlighted_) {
        color.setAlpha(90); // a halving sweep ended it at a rung: faded, its mark says so
    }
    QPen pen(color);
    pen.setWidthF(id == highlighted_ || emphasis_.count(id) ? 2.5 : 1.2);
    // Smoothed, the run's curve is the smoothed one; the raw one stays faint
    // behind it, its spikes kept by the min–max sampling of dense data.
    auto* smoothed = curvesOf(id).smoothed;
    auto* main = smoothed ? smoothed : graph;
    if (smoothed) {
        QColor faint = color;
        faint.setAlpha(std::min(color.alpha(), 70));
        graph->setPen(QPen(faint, 1.0));
        graph->removeFromLegend();
        graph->setVisible(entry->visible);
    }
    main->setName(legendText(plot_, entry->name()));
    main->setVisible(entry->visible);
    main->setPen(pen);
    marks_->setVisible(id, entry->visible);
    if (entry->visible) {
        main->addToLegend();
    } else {
        main->removeFromLegend();
    }
    scheduleRedraw();
}

// Dashed grey verticals where a halving sweep judged the visible runs, so a
// pruned curve's end and the survivors' rungs read against one grid.
void LossPlot::syncRungLines() {
    std::set<qint64> rungs;
    for (const auto& [id, c] : curves_) {
        const auto* entry = runs_->entry(id);
        if (entry && entry->visible && xAxis_ == LossAxisX::Epoch) {
            rungs.insert(entry->history().rungs.begin(), entry->history().rungs.end());
        }
    }
    for (auto it = rungLines_.begin(); it != rungLines_.end();) {
        if (rungs.count(it->first) == 0) {
            plot_->removeItem(it->second);
            it = rungLines_.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto rung : rungs) {
        if (rungLines_.count(rung) > 0) {
            continue;
        }
        auto* line = new QCPItemStraightLine(plot_);
        line->setPen(QPen(QColor(0, 0, 0, 70), 1.0, Qt::DashLine));
        line->setSelectable(false);
        line->point1->setCoords(double(rung), 1.0); // 1 and 2 hold on a log axis too
        line->point2->setCoords(double(rung), 2.0);
        rungLines_.emplace(rung, line);
    }
}

std::vector<qint64> LossPlot::rungLines() const {
    std::vector<qint64> rungs;
    for (const auto& [rung, line] : rungLines_) {
        rungs.push_back(rung);
    }
    return rungs;
}

void LossPlot::redraw() {
    dirty_ = false;
    rebuildGroups();
    syncRungLines();
    for (const auto& kind : kCompanionKinds) {
        syncCompanions(kind);
    }
    QStringList companionsShown;
    if (anyCompanion(&RunCurves::validation)) {
        companionsShown << tr("dashed: validation loss");
    }
    if (anyCompanion(&RunCurves::averaged)) {
        companionsShown << tr("dotted: averaged weights' loss");
    }
    if (!fitLegend(plot_) && plot_->legend->itemCount() > 0) {
        companionsShown.prepend(
            tr("%n runs: colours as in the Runs table", nullptr, plot_->legend->itemCount()));
    }
    showLineStyles(companionsShown.join(QStringLiteral("  ·  ")));
    if (autoRange_) {
        bool any = false;
        for (const auto& [id, c] : curves_) {
            if (c.loss->visible() && !c.loss->data()->isEmpty()) {
                c.loss->rescaleAxes(any);
                any = true;
            }
        }
        for (const auto& [id, c] : curves_) {
            for (auto* graph : {c.validation.graph, c.averaged.graph}) {
                if (graph) {
                    graph->rescaleAxes(any);
                    any = true;
                }
            }
        }
        bool anyRate = false;
        for (const auto& [id, c] : curves_) {
            if (c.rate.graph) {
                c.rate.graph->rescaleValueAxis(anyRate);
                anyRate = true;
            }
        }
        if (anyRate) { // a little room, so a constant rate is not drawn on the frame
            const auto range = plot_->yAxis2->range();
            plot_->yAxis2->setRange(range.lower / 2.0, range.upper * 2.0);
        }
        for (const auto& g : groups_) { // their members are hidden
            for (auto* edge : {g.low, g.high}) {
                edge->rescaleAxes(any);
                any = true;
            }
        }
        if (!any) {
            plot_->xAxis->setRange(0, 100);
            plot_->yAxis->setRange(logScale_ ? 1e-4 : 0.0, 1.0);
        }
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++redraws_;
    // Replots take at most ~2 % of the GUI thread, whatever they cost: on a
    // machine whose cores all train, its time comes out of theirs
    // (bench_gui_overhead). 10 a second at most, 1 at least.
    redrawTimer_.setInterval(std::clamp(int(50.0 * plot_->replotTime(true)), 200, 1000));
}

// A vertical line at the pointer and, beside it, every visible run's loss
// at that x (TensorBoard shows one run's; comparing runs needs them all).
void LossPlot::showHover(QMouseEvent* event) {
    const double key = plot_->xAxis->pixelToCoord(event->position().x());
    const auto rect = plot_->axisRect()->rect();
    if (!rect.contains(event->pos())) {
        hideCrosshair();
        return;
    }
    if (!crosshair_) {
        crosshair_ = new QCPItemStraightLine(plot_);
        crosshair_->setPen(QPen(QColor(0, 0, 0, 90), 1.0, Qt::DotLine));
        crosshair_->setSelectable(false);
        crosshair_->setLayer(QStringLiteral("overlay"));
    }
    for (auto* position : {crosshair_->point1, crosshair_->point2}) {
        position->setType(QCPItemPosition::ptPlotCoords);
        position->setAxes(plot_->xAxis, plot_->yAxis);
    }
    const auto range = plot_->yAxis->range();
    crosshair_->point1->setCoords(key, range.lower);
    crosshair_->point2->setCoords(key, range.upper);
    crosshair_->setVisible(true);
    plot_->layer(QStringLiteral("overlay"))->replot();
    const QString mark = marks_->textNear(event->position());
    const QString text = mark.isEmpty() ? valuesAt(key) : mark;
    if (text.isEmpty()) {
        QToolTip::hideText();
    } else {
        QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
    }
}

void LossPlot::hideCrosshair() {
    if (crosshair_ && crosshair_->visible()) {
        crosshair_->setVisible(false);
        plot_->layer(QStringLiteral("overlay"))->replot();
    }
    QToolTip::hideText();
}

bool LossPlot::eventFilter(QObject* watched, QEvent* event) {
    if (watched == plot_ && event->type() == QEvent::Leave) {
        hideCrosshair();
    }
    if (watched == plot_ && event->type() == QEvent::Resize) {
        dirty_ = true; // whether the legend fits depends on the height
    }
    return QWidget::eventFilter(watched, event);
}

QString LossPlot::valuesAt(double key) const {
    // The point of a graph nearest to `key`, if key lies within its data.
    const auto nearest = [key](const QCPGraph* graph) -> const QCPGraphData* {
        const auto data = graph->data();
        if (data->isEmpty() || key < data->constBegin()->key || key > (data->constEnd() - 1)->key) {
            return nullptr;
        }
        auto it = data->findBegin(key, false);
        if (it != data->constBegin() &&
            (it == data->constEnd() ||
             std::abs(std::prev(it)->key - key) < std::abs(it->key - key))) {
            --it;
        }
        return &*it;
    };
    QStringList lines;
    for (const auto& [id, c] : curves_) {
        const auto* entry = runs_->entry(id);
        if (!entry || !entry->visible) {
            continue;
        }
        const auto* point = nearest(c.loss);
        if (!point) {
            continue;
        }
        QString line = tr("%1: %2").arg(entry->name(), QString::number(point->value, 'g', 4));
        if (const auto* smoothed = c.smoothed) {
            if (const auto* s = nearest(smoothed)) {
                line += tr(" (smoothed %1)").arg(QString::number(s->value, 'g', 4));
            }
        }
        lines << line;
    }
    if (lines.isEmpty()) {
        return {};
    }
    lines.sort();
    QString where;
    switch (xAxis_) {
    case LossAxisX::Epoch:
        where = tr("epoch %1").arg(std::llround(key));
        break;
    case LossAxisX::TrainingTime:
        where = tr("%1 s of training").arg(key, 0, 'g', 4);
        break;
    case LossAxisX::WallClock:
        where = QCPAxisTickerDateTime::keyToDateTime(key).toLocalTime().toString(
            QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        break;
    }
    return where + QLatin1Char('\n') + lines.join(QLatin1Char('\n'));
}

} // namespace dredge
