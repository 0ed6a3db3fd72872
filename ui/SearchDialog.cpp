#include "SearchDialog.h"

#include "DecadeTicker.h"
#include "PlotLegend.h"
#include "QCustomPlotInclude.h"
#include "RunsModel.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>

namespace dredge {
namespace {

QString legendOf(const SearchSummary& s) {
    const double share =
        s.epochsFull > 0 ? 100.0 * double(s.epochsSpent) / double(s.epochsFull) : 0.0;
    return QObject::tr("%1 (%2): %3 settings complete, %4 epochs (%5 % of every run's)")
        .arg(s.name, sweepModeName(s.mode))
        .arg(s.settingsComplete)
        .arg(s.epochsSpent)
        .arg(share, 0, 'f', 0);
}

} // namespace

SearchDialog::SearchDialog(QWidget* parent)
    : QDialog(parent)
    , progress_(new QCustomPlot)
    , importance_(new QCustomPlot)
    , notes_(new QLabel) {
    setWindowTitle(tr("Search view"));
    progress_->setObjectName(QStringLiteral("searchProgress"));
    importance_->setObjectName(QStringLiteral("searchImportance"));
    progress_->xAxis->setLabel(tr("epochs trained (all runs, pruned ones too)"));
    progress_->yAxis->setLabel(tr("best mean final loss so far"));
    progress_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    progress_->yAxis->setTicker(QSharedPointer<DecadeTicker>::create());
    progress_->legend->setVisible(true);
    progress_->legend->setFont(QFont(font().family(), 8));
    // Above the curves, a sweep a row: the steps fall to the bottom right.
    placeLegendOutside(progress_, Qt::AlignTop);
    progress_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    progress_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    importance_->yAxis->setLabel(tr("share of the variance of log10 final loss"));
    importance_->yAxis->setRange(0.0, 1.0);
    importance_->legend->setVisible(false);
    barsGroup_ = new QCPBarsGroup(importance_);
    notes_->setWordWrap(true);
    notes_->setText(tr("Reading the sweeps…"));
    auto* plots = new QHBoxLayout;
    plots->addWidget(progress_, 3);
    plots->addWidget(importance_, 2);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(plots, 1);
    layout->addWidget(notes_);
    layout->addWidget(buttons);
    resize(1100, 520);
}

void SearchDialog::addSearch(const SearchSummary& search) {
    const bool known = std::any_of(searches_.begin(), searches_.end(),
                                   [&](const auto& s) { return s.sweepId == search.sweepId; });
    if (known) {
        return;
    }
    searches_.push_back(search);
    // One colour a sweep, in the order they arrive: the runs' palette.
    drawProgress(search, RunsModel::paletteColor(searches_.size() - 1));
    drawImportance();
    if (search.importance.empty()) {
        noteLines_.append(tr("%1: fewer than 4 settings trained to the end, too few to say what "
                             "mattered.")
                              .arg(search.name));
    }
    notes_->setText(notes());
}

void SearchDialog::addProblem(const QString& sweepId, const QString& error) {
    noteLines_.append(tr("Sweep %1: %2").arg(sweepId.left(8), error));
    notes_->setText(notes());
}

QString SearchDialog::notes() const {
    QStringList lines{tr("Bars in the sweeps' colours: each setting's share alone (first "
                         "order), mean ± std over seeds; with few settings per value they read "
                         "high.")};
    // The same space searched with other search seeds: how far a share holds.
    for (const auto& pooled : importanceAcrossSearches(searches_)) {
        QStringList shares;
        for (const auto& a : pooled.axes) {
            shares.append(QStringLiteral("%1 %2 % ± %3 %")
                              .arg(QString::fromStdString(a.name))
                              .arg(100.0 * a.share, 0, 'f', 0)
                              .arg(100.0 * a.spread, 0, 'f', 0));
        }
        lines.append(
            tr("Across %1 searches of one space (%2), mean ± std over their search "
               "seeds: %3.")
                .arg(pooled.names.size())
                .arg(pooled.names.join(QStringLiteral(", ")), shares.join(QStringLiteral(", "))));
    }
    return (lines + noteLines_).join(u'\n');
}

void SearchDialog::drawProgress(const SearchSummary& search, const QColor& color) {
    auto* graph = progress_->addGraph();
    graph->setName(legendOf(search));
    graph->setPen(QPen(color, 2.0));
    graph->setLineStyle(QCPGraph::lsStepLeft);
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    for (const auto& [epochs, best] : search.bestSoFar) {
        graph->addData(double(epochs), best);
    }
    if (!search.bestSoFar.empty()) { // the best held to the end of what was spent
        graph->addData(double(std::max(search.epochsSpent, search.bestSoFar.back().first)),
                       search.bestSoFar.back().second);
    }
    progress_->rescaleAxes();
    const auto y = progress_->yAxis->range();
    progress_->yAxis->setRange(y.lower / 1.2, y.upper * 1.2);
    progress_->xAxis->setRange(0.0, progress_->xAxis->range().upper * 1.05);
    progress_->replot();
}

void SearchDialog::drawImportance() {
    importance_->clearPlottables();
    std::vector<QString> axes; // every sweep's axes, in order of appearance
    for (const auto& s : searches_) {
        for (const auto& a : s.importance) {
            const auto name = QString::fromStdString(a.name);
            if (std::find(axes.begin(), axes.end(), name) == axes.end()) {
                axes.push_back(name);
            }
        }
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (size_t i = 0; i < axes.size(); ++i) {
        ticker->addTick(double(i + 1), axes[i]);
    }
    importance_->xAxis->setTicker(ticker);
    importance_->xAxis->setRange(0.3, double(axes.size()) + 0.7);
    for (size_t k = 0; k < searches_.size(); ++k) {
        const auto& s = searches_[k];
        if (s.importance.empty()) {
            continue;
        }
        auto* bars = new QCPBars(importance_->xAxis, importance_->yAxis);
        const QColor color = RunsModel::paletteColor(k);
        bars->setPen(QPen(color.darker(130)));
        bars->setBrush(color);
        bars->setWidth(0.8 / double(std::max<size_t>(1, searches_.size())));
        bars->setBarsGroup(barsGroup_);
        auto* errors = new QCPErrorBars(importance_->xAxis, importance_->yAxis);
        errors->setDataPlottable(bars);
        std::map<double, std::pair<double, double>> byKey; // the bars' order: share, spread
        for (const auto& a : s.importance) {
            const auto at = std::find(axes.begin(), axes.end(), QString::fromStdString(a.name));
            byKey[double(at - axes.begin() + 1)] = {std::isfinite(a.share) ? a.share : 0.0,
                                                    a.spread};
        }
        QVector<double> spreads;
        for (const auto& [key, value] : byKey) {
            bars->addData(key, value.first);
            spreads.append(value.second);
        }
        errors->setData(spreads);
    }
    importance_->replot();
}

} // namespace dredge
