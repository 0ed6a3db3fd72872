#pragma once
// One run's global gradient norm before clipping, every epoch, under the loss
// plot (shown on demand): log scale, with the clip threshold as a step line
// where clipping was on (live changes move it), and how many epochs clipping
// scaled. A view of the RunsModel, redrawn at most 5 times a second.

#include <QTimer>
#include <QWidget>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPTextElement;

namespace dredge {

class RunsModel;
struct RunEntry;

class GradientNormPlot : public QWidget {
    Q_OBJECT
public:
    explicit GradientNormPlot(RunsModel* runs, QWidget* parent = nullptr);

    void showRun(int runId);
    int shownRun() const { return runId_; }
    // "clipped 312 of 2000 epochs", as the title says it.
    QString clippedText() const;
    QCPGraph* normGraph() const { return norms_; }
    QCPGraph* thresholdGraph() const { return threshold_; }
    QCustomPlot* plot() const { return plot_; }

    // Where clipping was on, and at which norm, from epoch `from` on.
    struct ClipSpan {
        qint64 from;
        bool on;
        double maxNorm;
    };

private:
    void showEvent(QShowEvent* event) override;
    void reload();
    void scheduleRedraw() { dirty_ = true; }

    RunsModel* runs_;
    QCustomPlot* plot_;
    QCPGraph* norms_;
    QCPGraph* threshold_;
    QCPTextElement* title_;
    QTimer redrawTimer_;
    bool dirty_ = false;
    int runId_ = 0;
    bool full_ = true; // draw everything again (a new run, a change of its journal)
    size_t drawn_ = 0; // epochs drawn so far
    std::vector<ClipSpan> spans_;
    qint64 clipped_ = 0, epochs_ = 0;
};

} // namespace dredge
