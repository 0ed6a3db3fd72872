#pragma once
// Loss curves of all runs on one axis: one graph per run, drawn from the
// RunsModel. Log-scale y (toggle), legend, wheel zoom and drag pan, hover shows
// epoch and loss, auto-range until the user zooms. Appends are cheap; redraws
// happen at most ~10 times a second (fewer when a replot is slow), and QCustomPlot's adaptive
// sampling keeps 10 runs × 10,000 epochs smooth.

#include "LossSmoothing.h"
#include "RunGroups.h"

#include <QHash>
#include <QTimer>
#include <QWidget>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

class QCustomPlot;
class QCPAxis;
class QCPGraph;
class QCPTextElement;
class QCPItemStraightLine;

namespace dredge {

class RunsModel;
struct RunEntry;

// What the loss plot's x axis measures.
enum class LossAxisX { Epoch, TrainingTime, WallClock };
enum class PlotFile { Png2x, Pdf, Svg, Csv };
class LossPlotBar;
class ChangeMarks;

class LossPlot : public QWidget {
    Q_OBJECT
public:
    LossPlot(RunsModel* runs, QWidget* parent = nullptr);
    ~LossPlot() override;

    void setLogScale(bool on);
    bool logScale() const { return logScale_; }
    void fitAll(); // back to auto-range
    void highlight(int runId);
    // Runs to stand out (others faded); empty: none faded.
    void setEmphasis(const std::set<int>& runIds);
    // Runs that differ only in the seed drawn as one curve (mean or median)
    // with a band (min–max or ±1 std) instead of a line each.
    void setGroupSeeds(bool on);
    void setGroupCenter(CurveCenter center);
    void setGroupBand(CurveBand band);
    bool groupSeeds() const { return groupSeeds_; }
    // Each visible run's learning rate, epoch by epoch, dashed in its colour on
    // a second (log) axis at the right: replayed from its config and losses.
    void setShowLearningRate(bool on);
    QCPGraph* rateGraphOf(int runId) const { return curvesOf(runId).rate.graph; }
    // A run's validation loss (with a split), dashed in its colour.
    QCPGraph* validationGraphOf(int runId) const { return curvesOf(runId).validation.graph; }
    // A run's averaged model's loss (with weight averaging), dotted in its colour.
    QCPGraph* averagedGraphOf(int runId) const { return curvesOf(runId).averaged.graph; }
    // What the dashed and dotted lines mean, as shown above the plot (empty: nothing).
    QString lineStylesText() const;
    // Smoothing of the loss curves (0: none): TensorBoard's debiased moving
    // average of the full-resolution history, with the raw curve faint behind.
    void setSmoothing(double weight);
    double smoothing() const { return smoothing_; }
    QCPGraph* smoothedGraphOf(int runId) const { return curvesOf(runId).smoothed; }
    // Epochs, training seconds since each run started, or wall-clock time.
    void setXAxis(LossAxisX axis);
    LossAxisX xAxisKind() const { return xAxis_; }
    // What the crosshair at x = key shows: each visible run's loss there.
    QString valuesAt(double key) const;
    // Saves the plot as shown (PNG at 2×, PDF, SVG) or its curves as CSV.
    bool exportTo(const QString& path, PlotFile format, QString* error);
    LossPlotBar* bar() const { return bar_; }
    // The curves drawn for groups of two or more visible runs.
    struct GroupGraphs {
        QCPGraph* center;
        QCPGraph* low;
        QCPGraph* high;
        std::vector<int> members;
    };
    const std::vector<GroupGraphs>& groupGraphs() const { return groups_; }
    QCustomPlot* plot() const { return plot_; }
    QCPGraph* graphOf(int runId) const { return curvesOf(runId).loss; }
    // How many journal events (live changes, the stop) are marked on a run's curve.
    int changeMarks(int runId) const;
    int redrawCount() const { return redraws_; }
    // The rung epochs drawn as vertical lines: every rung a visible run of a
    // halving sweep was judged at (on the epoch axis only: runs share it).
    std::vector<qint64> rungLines() const;

private:
    // A companion curve in its run's colour: its learning rate, validation or
    // averaged loss, and the history length it was drawn for.
    struct Companion {
        QCPGraph* graph = nullptr;
        size_t length = 0;
    };
    // Everything the plot draws for one run.
    struct RunCurves {
        QCPGraph* loss = nullptr;
        QCPGraph* smoothed = nullptr; // with smoothing: the run's curve, the raw one faint
        EmaSmoother smoother;
        Companion rate, validation, averaged;
    };
    struct CompanionKind;
    static const CompanionKind kCompanionKinds[3]; // rate, validation, averaged
    const RunCurves& curvesOf(int runId) const;
    void addRun(int id);
    void removeRun(int id);
    void append(int id, qint64 firstEpoch, const std::vector<double>& losses);
    // The first epoch a run's curves show: a fork's starts where it went on.
    static size_t drawnFrom(const RunEntry& entry);
    double keyOf(const RunEntry& entry, int64_t epoch) const; // x of an epoch
    void reload(int id);
    void reloadAll();
    void syncStyle(int id);
    void syncMarks(int id);
    void scheduleRedraw() { dirty_ = true; }
    void redraw();
    void rebuildGroups();
    void syncRungLines();
    void syncCompanions(const CompanionKind& kind);
    bool anyCompanion(Companion RunCurves::*member) const;
    void showHover(QMouseEvent* event);
    void hideCrosshair();
    bool eventFilter(QObject* watched, QEvent* event) override;
    void showLineStyles(const QString& text);
    void askToExport(PlotFile format);
    bool writeCsv(const QString& path, QString* error) const;

    RunsModel* runs_;
    LossPlotBar* bar_;
    QCustomPlot* plot_;
    std::map<int, RunCurves> curves_; // by run id
    QTimer redrawTimer_;
    bool dirty_ = false;
    bool autoRange_ = true;
    bool logScale_ = true;
    int highlighted_ = 0;
    std::set<int> emphasis_;
    bool groupSeeds_ = false;
    CurveCenter center_ = CurveCenter::Mean;
    CurveBand band_ = CurveBand::MinMax;
    std::vector<GroupGraphs> groups_;
    bool showRates_ = false;
    QCPTextElement* lineStyles_ = nullptr;
    double smoothing_ = 0.0;
    LossAxisX xAxis_ = LossAxisX::Epoch;
    QCPItemStraightLine* crosshair_ = nullptr;
    int redraws_ = 0;
    std::unique_ptr<ChangeMarks> marks_;
    std::set<int> unmarked_;                           // runs with journal events but no curve yet
    std::map<qint64, QCPItemStraightLine*> rungLines_; // by rung epoch
};

} // namespace dredge
