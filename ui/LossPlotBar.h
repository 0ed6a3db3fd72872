#pragma once
// The row above the loss plot: smoothing, what the x axis measures, and
// export. It only reports the user's choices; LossPlot acts on them.

#include "LossPlot.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace dredge {

class LossPlotBar : public QWidget {
    Q_OBJECT
public:
    explicit LossPlotBar(QWidget* parent = nullptr);

    QSlider* smoothingSlider() const { return smoothing_; }
    QComboBox* xAxisBox() const { return xAxis_; }
    QToolButton* gradientNormButton() const { return gradientNorm_; }
    // The slider's position as an EMA weight: 0 … 0.99.
    static double weightOf(int position) { return position / 100.0; }

Q_SIGNALS:
    void smoothingChanged(double weight);
    void xAxisChanged(dredge::LossAxisX axis);
    void exportRequested(dredge::PlotFile format);
    void gradientNormToggled(bool shown);

private:
    QSlider* smoothing_;
    QLabel* smoothingValue_;
    QComboBox* xAxis_;
    QToolButton* gradientNorm_;
};

} // namespace dredge
