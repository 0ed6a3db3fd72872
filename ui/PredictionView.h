#pragma once
// The selected run's prediction against its data (docs/reference.md §4): for 1-D, truth and
// prediction over x with the current MSE; for the 4-D volume, a z-slice of
// truth and prediction as colour maps with a slider; for the 6-D grid, the
// (x1, x2) slice at x3 = x4 = x5 = t = 0 on a 50 × 50 grid with a colour scale.

#include "RunMetaTypes.h"

#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;
class QSlider;
class QStackedWidget;

namespace dredge {

class RunsModel;

class PredictionView : public QWidget {
    Q_OBJECT
public:
    PredictionView(RunsModel* runs, QWidget* parent = nullptr);

    void showRun(int runId);
    int shownRun() const { return runId_; }
    QCustomPlot* linePlot() const { return line_; }

private:
    void refresh();
    void updateTimeSlider(const RunData& data);
    void drawLine();
    void drawVolume();
    void drawHyperSlice();

    RunsModel* runs_;
    int runId_ = 0;
    QLabel* title_;
    QStackedWidget* pages_;
    QCustomPlot* line_;
    QCustomPlot* volume_;
    QCPColorMap* volumeTruth_ = nullptr;
    QCPColorMap* volumePrediction_ = nullptr;
    QSlider* zSlider_;
    QWidget* timeRow_;
    QSlider* tSlider_;
    QLabel* tLabel_;
    size_t instantOffset_ = 0; // the shown instant's first point
    size_t instantPoints_ = 0; // points per instant
    QString instantText_;      // ", t = 0.50" where time moves
    QCustomPlot* hyper_;
    QCPColorMap* hyperMap_ = nullptr;
};

} // namespace dredge
