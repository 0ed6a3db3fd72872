#pragma once
// Loss curves of all runs on one axis: one graph per run, drawn from the
// RunsModel. Log-scale y (toggle), legend, wheel zoom and drag pan, hover shows
// epoch and loss, auto-range until the user zooms. Appends are cheap; redraws
// happen at most ~30 times a second, and QCustomPlot's adaptive sampling keeps
// 10 runs × 10,000 epochs smooth.

#include <QHash>
#include <QTimer>
#include <QWidget>

class QCustomPlot;
class QCPGraph;

namespace dredge {

class RunsModel;

class LossPlot : public QWidget {
    Q_OBJECT
public:
    LossPlot(RunsModel* runs, QWidget* parent = nullptr);

    void setLogScale(bool on);
    bool logScale() const { return logScale_; }
    void fitAll(); // back to auto-range
    void highlight(int runId);
    QCustomPlot* plot() const { return plot_; }
    QCPGraph* graphOf(int runId) const { return graphs_.value(runId); }
    int redrawCount() const { return redraws_; }

private:
    void addRun(int id);
    void removeRun(int id);
    void append(int id, qint64 firstEpoch, const std::vector<double>& losses);
    void reload(int id);
    void syncStyle(int id);
    void scheduleRedraw() { dirty_ = true; }
    void redraw();
    void showHover(QMouseEvent* event);

    RunsModel* runs_;
    QCustomPlot* plot_;
    QHash<int, QCPGraph*> graphs_;
    QTimer redrawTimer_;
    bool dirty_ = false;
    bool autoRange_ = true;
    bool logScale_ = true;
    int highlighted_ = 0;
    int redraws_ = 0;
};

} // namespace dredge
