#pragma once
// The journal drawn on the loss plot: at each live change and at a stop, a
// dot on its run's curve with a short label ("lr 3e-4", "stop"); hovering
// near one gives the whole event. Only marks: the journal is the run's
// (RunEntry::journal), and LossPlot says when and where to draw.

#include "SettingChange.h"

#include <QColor>
#include <QPointF>
#include <QString>
#include <functional>
#include <map>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemText;
class QCPItemTracer;

namespace dredge {

class ChangeMarks {
public:
    explicit ChangeMarks(QCustomPlot* plot)
        : plot_(plot) {}
    ~ChangeMarks();
    ChangeMarks(const ChangeMarks&) = delete;
    ChangeMarks& operator=(const ChangeMarks&) = delete;

    // A run's marks anew: one per applied change (and stop) of `journal` on
    // `graph`, at x = keyOf(epoch). Changes at one epoch share a mark.
    void set(int runId, QCPGraph* graph, const RunJournal& journal,
             const std::function<double(qint64)>& keyOf, const QColor& color);
    void remove(int runId);
    void setVisible(int runId, bool visible);
    int count(int runId) const;
    // The whole events of the mark within a few pixels of `pixel`, or empty.
    QString textNear(const QPointF& pixel) const;

private:
    struct Mark {
        QCPItemTracer* tracer;
        QCPItemText* label;
        QString text;
    };
    QCustomPlot* plot_;
    std::map<int, std::vector<Mark>> marks_;
};

// "lr 3e-4", "clip on", "stop", "✕" (pruned at a sweep's rung): a change as a
// mark's label says it.
QString shortChangeText(const SettingChange& change);

} // namespace dredge
