#include "ChangeMarks.h"

#include "QCustomPlotInclude.h"
#include "Settings.h"

namespace dredge {
namespace {

// How near (pixels) the pointer must come to a mark for its whole event.
constexpr double kHoverPixels = 8.0;

} // namespace

QString shortChangeText(const SettingChange& change) {
    if (change.action == ChangeAction::Stop && change.source == ChangeSource::Sweep) {
        return QStringLiteral("✕"); // a halving sweep's rung pruned it; many share a rung
    }
    if (change.action != ChangeAction::Set) {
        return changeActionName(change.action);
    }
    const Setting* s = findSetting(change.setting);
    return change.setting + u' ' +
           (s ? valueText(*s, change.to) : change.to.toVariant().toString());
}

ChangeMarks::~ChangeMarks() {
    for (const auto& [id, marks] : marks_) {
        for (const auto& mark : marks) {
            plot_->removeItem(mark.label);
            plot_->removeItem(mark.tracer);
        }
    }
}

void ChangeMarks::set(int runId, QCPGraph* graph, const RunJournal& journal,
                      const std::function<double(qint64)>& keyOf, const QColor& color) {
    remove(runId);
    auto& marks = marks_[runId];
    qint64 lastEpoch = -1;
    for (const auto& change : journal) {
        if (change.state != ChangeState::Applied || change.action == ChangeAction::Pause ||
            change.action == ChangeAction::Resume || change.epoch < 0) {
            continue;
        }
        if (change.epoch == lastEpoch && !marks.empty()) { // one mark, several changes
            marks.back().label->setText(marks.back().label->text() + QStringLiteral(", ") +
                                        shortChangeText(change));
            marks.back().text += u'\n' + describeChange(change);
            continue;
        }
        lastEpoch = change.epoch;
        auto* tracer = new QCPItemTracer(plot_);
        tracer->setGraph(graph);
        tracer->setGraphKey(keyOf(change.epoch));
        tracer->setInterpolating(true);
        tracer->setStyle(QCPItemTracer::tsCircle);
        tracer->setSize(7);
        tracer->setPen(QPen(color.darker(130), 1.5));
        tracer->setBrush(Qt::white);
        tracer->setSelectable(false);
        auto* label = new QCPItemText(plot_);
        label->position->setParentAnchor(tracer->position);
        label->position->setCoords(0, -14); // pixels above the dot
        label->setText(shortChangeText(change));
        label->setColor(color.darker(150));
        label->setFont(QFont(plot_->font().family(), 8));
        label->setSelectable(false);
        label->setClipToAxisRect(false); // a label near the edge spills into the margin
        marks.push_back({tracer, label, describeChange(change)});
    }
}

void ChangeMarks::remove(int runId) {
    const auto it = marks_.find(runId);
    if (it == marks_.end()) {
        return;
    }
    for (const auto& mark : it->second) {
        plot_->removeItem(mark.label); // before the tracer it hangs from
        plot_->removeItem(mark.tracer);
    }
    marks_.erase(it);
}

void ChangeMarks::setVisible(int runId, bool visible) {
    const auto it = marks_.find(runId);
    if (it != marks_.end()) {
        for (const auto& mark : it->second) {
            mark.tracer->setVisible(visible);
            mark.label->setVisible(visible);
        }
    }
}

int ChangeMarks::count(int runId) const {
    const auto it = marks_.find(runId);
    if (it == marks_.end()) {
        return 0;
    }
    int changes = 0;
    for (const auto& mark : it->second) {
        changes += int(mark.text.count(u'\n')) + 1;
    }
    return changes;
}

QString ChangeMarks::textNear(const QPointF& pixel) const {
    for (const auto& [id, marks] : marks_) {
        for (const auto& mark : marks) {
            if (!mark.tracer->visible()) {
                continue;
            }
            const QPointF at = mark.tracer->position->pixelPosition();
            if (QLineF(at, pixel).length() <= kHoverPixels) {
                return mark.text;
            }
        }
    }
    return {};
}

} // namespace dredge
