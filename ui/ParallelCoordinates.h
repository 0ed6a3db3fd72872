#pragma once
// The session's runs as lines across parallel axes: one axis per setting in
// which they differ (numbers on linear or, spanning a decade or more, log
// axes; choices as evenly spaced categories) and the final loss (log).
// Dragging along an axis keeps a range; the runs inside every range are the
// matches, announced for the loss plot and the runs table to highlight.
// Double-click clears the ranges.

#include <QTimer>
#include <QWidget>
#include <set>
#include <vector>

namespace dredge {

class RunsModel;

class ParallelCoordinates : public QWidget {
    Q_OBJECT
public:
    struct Axis {
        QString name;
        bool categorical = false;
        bool log = false;
        bool anyMissing = false;   // some run has no value here: an n/a slot below the axis
        double lo = 0.0, hi = 1.0; // numeric range (log10 when log)
        QStringList categories;    // categorical values, in order
        double brushLo = -1.0, brushHi = -1.0; // kept range in [0, 1]; < 0: none
    };

    explicit ParallelCoordinates(RunsModel* runs, QWidget* parent = nullptr);

    void refresh();
    const std::vector<Axis>& axes() const { return axes_; }
    // Keeps runs whose value on `axis` lies in [from, to] (fractions of its height, 0 bottom).
    void setBrush(int axis, double from, double to);
    void clearBrushes();
    std::set<int> matches() const; // empty with no range kept
    // Where a run's line crosses each axis (below 0: the n/a slot), and the
    // text of an axis at a height: what the view draws, for tests.
    std::vector<double> lineOf(int runId) const;
    QString tickText(int axis, double fraction) const;

Q_SIGNALS:
    void matchesChanged(const std::set<int>& runIds);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    struct Line {
        int runId;
        std::vector<double> at; // per axis, in [0, 1] (NaN: no value)
    };
    double axisX(int axis) const;
    double fractionAt(double y) const;
    int axisNear(double x) const;

    RunsModel* runs_;
    std::vector<Axis> axes_;
    std::vector<Line> lines_;
    QTimer refreshSoon_;
    int dragAxis_ = -1;
    double dragFrom_ = 0.0;
};

} // namespace dredge
