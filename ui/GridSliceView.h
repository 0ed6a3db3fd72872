#pragma once
// A 2-D slice through a grid data set (the 4-D volume, the 6-D hyper-grid, the
// 4-D packet) as three colour maps side by side: ground truth | prediction |
// residual. Truth and prediction share one colour scale; the residual
// (prediction − truth) has a diverging one centred on 0, symmetric and
// labelled, so that over- and under-shoot read alike. Above the maps: which
// two axes are drawn, and a slider for each other axis. The slice is read from
// the training points themselves (GridSlice), so truth is exact.

#include "GridSlice.h"
#include "RunMetaTypes.h"

#include <QWidget>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPMarginGroup;
class QGridLayout;
class QLabel;
class QSlider;

namespace dredge {

// One run's prediction at every training point (null or the wrong size: none yet).
struct NamedPrediction {
    QString name;
    const std::vector<float>* values = nullptr;
};

class GridSliceView : public QWidget {
    Q_OBJECT
public:
    explicit GridSliceView(QWidget* parent = nullptr);

    // Draws the slice of the instant whose points start at firstRow: the
    // truth once, and a row of prediction | residual for each run (the
    // selected ones), all on the same two colour scales.
    void draw(const RunData& data, const std::vector<NamedPrediction>& predictions,
              size_t firstRow);
    // Where the slice lies: "x3 = 0.43, x4 = −1.29, x5 = 3.00".
    QString sliceText() const;
    // The slice last drawn (its rows: sliceRows(slice())).
    const GridSlice& slice() const { return slice_; }

    QCustomPlot* plot() const { return plot_; }
    QCPColorMap* truthMap() const { return truth_; }
    QCPColorMap* predictionMap(int row = 0) const { return rows_.at(size_t(row)).prediction; }
    QCPColorMap* residualMap(int row = 0) const { return rows_.at(size_t(row)).residual; }
    int runRows() const { return int(rows_.size()); }
    QCPColorScale* residualScale() const { return residualScale_; }
    QComboBox* acrossBox() const { return across_; }
    QComboBox* upBox() const { return up_; }
    QSlider* sliderOf(int axis) const { return sliders_.at(size_t(axis)); }

Q_SIGNALS:
    void sliceChanged(); // the user chose other axes or moved a slider

private:
    void setAxes(const std::vector<int64_t>& shape); // controls for this many axes
    void updateSliderLabels();
    double coordinate(int axis, int64_t index) const;
    void setRunRows(int count); // rows of prediction | residual maps
    void fillMaps(const RunData& data, const std::vector<NamedPrediction>& predictions,
                  const std::vector<size_t>& rows);

    QCustomPlot* plot_;
    QCPColorMap* truth_;
    struct RunRow {
        QCPColorMap* prediction;
        QCPColorMap* residual;
    };
    std::vector<RunRow> rows_;
    QCPMarginGroup* margins_;
    QCPColorScale* valueScale_;
    QCPColorScale* residualScale_;
    QComboBox* across_;
    QComboBox* up_;
    QGridLayout* sliderGrid_;
    std::vector<QSlider*> sliders_;
    GridSlice slice_;
    std::vector<QLabel*> sliderLabels_;
    std::vector<int64_t> shape_;
    std::vector<std::pair<double, double>> ranges_; // each axis's first and last coordinate
};

} // namespace dredge
