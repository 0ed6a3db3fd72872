#include "ParallelCoordinates.h"

#include "RunGroups.h"
#include "RunsModel.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace dredge {
namespace {

constexpr double kMarginX = 60.0, kTop = 28.0, kBottom = 36.0;

double finalLossOf(const RunEntry& e) {
    const auto& losses = e.losses();
    for (auto it = losses.rbegin(); it != losses.rend(); ++it) {
        if (std::isfinite(*it)) {
            return *it;
        }
    }
    return std::nan("");
}

// Numbers spanning a decade or more, all positive, read best on a log axis.
void fitNumericAxis(ParallelCoordinates::Axis& axis, const std::vector<double>& values) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : values) {
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    axis.log = lo > 0 && hi / lo >= 10.0;
    axis.lo = axis.log ? std::log10(lo) : lo;
    axis.hi = axis.log ? std::log10(hi) : hi;
    if (axis.hi <= axis.lo) { // one value: centre it
        axis.lo -= 0.5;
        axis.hi += 0.5;
    }
}

double fractionOf(const ParallelCoordinates::Axis& axis, double v) {
    if (!std::isfinite(v) || (axis.log && v <= 0)) {
        return std::nan("");
    }
    return ((axis.log ? std::log10(v) : v) - axis.lo) / (axis.hi - axis.lo);
}

// Where a run without a value on an axis (the grid of a chirp run) crosses
// it: a slot below the axis marked "n/a", so that its line goes on.
constexpr double kMissing = -0.12;

// Whole numbers as written ("1000", not "1e+03"); others to 3 digits.
QString axisNumber(double v) {
    const double rounded = std::round(v);
    return std::abs(v - rounded) < 1e-9 * std::max(1.0, std::abs(v)) && std::abs(v) < 1e9
               ? QString::number(qlonglong(rounded))
               : QString::number(v, 'g', 3);
}

QString labelOf(const ParallelCoordinates::Axis& axis, double fraction) {
    const double v = axis.lo + fraction * (axis.hi - axis.lo);
    return axisNumber(axis.log ? std::pow(10.0, v) : v);
}

} // namespace

ParallelCoordinates::ParallelCoordinates(RunsModel* runs, QWidget* parent)
    : QWidget(parent)
    , runs_(runs) {
    setObjectName(QStringLiteral("parallelCoordinates"));
    setMinimumHeight(160);
    setToolTip(tr("Drag along an axis to keep a range; double-click to clear"));
    refreshOnRunChanges(runs_, &refreshSoon_, this, [this] { refresh(); });
}

void ParallelCoordinates::refresh() {
    // The settings in which the runs differ, then the final loss.
    std::vector<std::map<QString, QString>> settings;
    std::vector<int> ids;
    std::vector<double> finals;
    for (const auto& e : runs_->entries()) {
        if (!e->losses().empty()) {
            settings.push_back(settingsOf(e->config()));
            ids.push_back(e->id);
            finals.push_back(finalLossOf(*e));
        }
    }
    // An axis for every setting in which the runs that have it differ; the
    // runs without it (chirp runs on a grid axis) cross it at n/a.
    std::map<QString, std::set<QString>> valuesOf;
    for (const auto& s : settings) {
        for (const auto& [key, value] : s) {
            valuesOf[key].insert(value);
        }
    }
    std::vector<QString> varying;
    for (const auto& [key, values] : valuesOf) {
        if (values.size() > 1) {
            varying.push_back(key);
        }
    }
    const auto old = axes_;
    axes_.clear();
    lines_.assign(ids.size(), Line{});
    for (size_t r = 0; r < ids.size(); ++r) {
        lines_[r].runId = ids[r];
    }
    for (const auto& key : varying) {
        Axis axis;
        axis.name = key;
        std::vector<double> numbers;
        for (const auto& s : settings) {
            bool ok = false;
            numbers.push_back(s.count(key) ? s.at(key).toDouble(&ok) : std::nan(""));
            axis.categorical = axis.categorical || (s.count(key) && !ok);
        }
        if (axis.categorical) {
            for (const auto& s : settings) {
                if (s.count(key) && !axis.categories.contains(s.at(key))) {
                    axis.categories.append(s.at(key));
                }
            }
            axis.categories.sort();
        } else {
            fitNumericAxis(axis, numbers);
        }
        for (size_t r = 0; r < ids.size(); ++r) {
            if (!settings[r].count(key)) {
                axis.anyMissing = true;
                lines_[r].at.push_back(kMissing);
                continue;
            }
            const qsizetype category =
                axis.categorical ? axis.categories.indexOf(settings[r].at(key)) : -1;
            lines_[r].at.push_back(
                axis.categorical ? (axis.categories.size() > 1
                                        ? double(category) / double(axis.categories.size() - 1)
                                        : 0.5)
                                 : fractionOf(axis, numbers[r]));
        }
        axes_.push_back(axis);
    }
    Axis loss;
    loss.name = tr("final loss");
    fitNumericAxis(loss, finals);
    loss.log = true; // losses: always by decades
    double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
    for (double f : finals) {
        if (std::isfinite(f) && f > 0) {
            lo = std::min(lo, f);
            hi = std::max(hi, f);
        }
    }
    if (hi > 0 && hi > lo) { // its ends are the lowest and highest loss, not padding
        loss.lo = std::log10(lo);
        loss.hi = std::log10(hi);
    }
    for (size_t r = 0; r < ids.size(); ++r) {
        lines_[r].at.push_back(fractionOf(loss, finals[r]));
    }
    axes_.push_back(loss);
    // Ranges kept on axes that are still there stay kept.
    for (auto& axis : axes_) {
        for (const auto& before : old) {
            if (before.name == axis.name) {
                axis.brushLo = before.brushLo;
                axis.brushHi = before.brushHi;
            }
        }
    }
    update();
    Q_EMIT matchesChanged(matches());
}

void ParallelCoordinates::setBrush(int axis, double from, double to) {
    if (axis < 0 || axis >= int(axes_.size())) {
        return;
    }
    axes_[size_t(axis)].brushLo = std::clamp(std::min(from, to), 0.0, 1.0);
    axes_[size_t(axis)].brushHi = std::clamp(std::max(from, to), 0.0, 1.0);
    update();
    Q_EMIT matchesChanged(matches());
}

void ParallelCoordinates::clearBrushes() {
    for (auto& axis : axes_) {
        axis.brushLo = axis.brushHi = -1.0;
    }
    update();
    Q_EMIT matchesChanged(matches());
}

std::set<int> ParallelCoordinates::matches() const {
    bool anyBrush = false;
    for (const auto& axis : axes_) {
        anyBrush = anyBrush || axis.brushLo >= 0;
    }
    std::set<int> ids;
    if (!anyBrush) {
        return ids;
    }
    for (const auto& line : lines_) {
        bool inside = true;
        for (size_t a = 0; a < axes_.size() && inside; ++a) {
            const auto& axis = axes_[a];
            inside = axis.brushLo < 0 ||
                     (line.at[a] >= axis.brushLo - 1e-9 && line.at[a] <= axis.brushHi + 1e-9);
        }
        if (inside) {
            ids.insert(line.runId);
        }
    }
    return ids;
}

std::vector<double> ParallelCoordinates::lineOf(int runId) const {
    for (const auto& line : lines_) {
        if (line.runId == runId) {
            return line.at;
        }
    }
    return {};
}

QString ParallelCoordinates::tickText(int axis, double fraction) const {
    return axis >= 0 && axis < int(axes_.size()) ? labelOf(axes_[size_t(axis)], fraction)
                                                 : QString();
}

double ParallelCoordinates::axisX(int axis) const {
    const int n = int(axes_.size());
    return n <= 1 ? width() / 2.0 : kMarginX + (width() - 2 * kMarginX) * axis / double(n - 1);
}

// Within 8 px of an axis end counts as the end: the runs at an extreme value
// (often the interesting ones) are easy to keep.
double ParallelCoordinates::fractionAt(double y) const {
    const double span = height() - kTop - kBottom;
    const double fraction = (height() - kBottom - y) / span;
    const double snap = 8.0 / span;
    return fraction >= 1.0 - snap ? 1.0 : fraction <= snap ? 0.0 : fraction;
}

int ParallelCoordinates::axisNear(double x) const {
    for (int a = 0; a < int(axes_.size()); ++a) {
        if (std::abs(x - axisX(a)) <= 12.0) {
            return a;
        }
    }
    return -1;
}

void ParallelCoordinates::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    p.setRenderHint(QPainter::Antialiasing);
    if (lines_.empty()) {
        p.drawText(rect(), Qt::AlignCenter, tr("Runs appear here as lines across their settings"));
        return;
    }
    const double span = height() - kTop - kBottom;
    const auto yOf = [&](double fraction) {
        return fraction <= kMissing ? height() - kBottom + 14.0 // the n/a slot, 14 px below
                                    : height() - kBottom - fraction * span;
    };
    const auto kept = matches();
    const bool brushed = !kept.empty() || std::any_of(axes_.begin(), axes_.end(),
                                                      [](const Axis& a) { return a.brushLo >= 0; });
    for (const auto& line : lines_) {
        const auto* entry = runs_->entry(line.runId);
        QColor color = entry ? entry->color : palette().text().color();
        const bool match = kept.count(line.runId) > 0;
        if (brushed && !match) {
            color = QColor(190, 190, 190, 120);
        }
        p.setPen(QPen(color, brushed && match ? 2.2 : 1.4));
        QPainterPath path;
        bool drawing = false;
        for (size_t a = 0; a < axes_.size(); ++a) {
            if (!std::isfinite(line.at[a])) {
                drawing = false;
                continue;
            }
            const QPointF point(axisX(int(a)), yOf(line.at[a]));
            drawing ? path.lineTo(point) : path.moveTo(point);
            drawing = true;
        }
        p.drawPath(path);
    }
    p.setPen(palette().text().color());
    for (int a = 0; a < int(axes_.size()); ++a) {
        const auto& axis = axes_[size_t(a)];
        const double x = axisX(a);
        p.drawLine(QPointF(x, kTop), QPointF(x, height() - kBottom));
        p.drawText(QRectF(x - 70, 4, 140, 18), Qt::AlignCenter,
                   axis.name + (axis.log ? tr(" (log)") : QString()));
        const auto tick = [&](double fraction, const QString& text) {
            p.drawLine(QPointF(x - 3, yOf(fraction)), QPointF(x + 3, yOf(fraction)));
            p.drawText(QRectF(x + 5, yOf(fraction) - 8, 70, 16), Qt::AlignLeft | Qt::AlignVCenter,
                       text);
        };
        if (axis.anyMissing) {
            tick(kMissing, tr("n/a"));
        }
        if (axis.categorical) {
            for (int c = 0; c < axis.categories.size(); ++c) {
                tick(axis.categories.size() > 1 ? double(c) / (axis.categories.size() - 1) : 0.5,
                     axis.categories[c]);
            }
        } else {
            tick(0.0, labelOf(axis, 0.0));
            tick(1.0, labelOf(axis, 1.0));
        }
        if (axis.brushLo >= 0) {
            p.fillRect(QRectF(x - 6, yOf(axis.brushHi), 12, yOf(axis.brushLo) - yOf(axis.brushHi)),
                       QColor(30, 120, 220, 90));
        }
    }
}

void ParallelCoordinates::mousePressEvent(QMouseEvent* event) {
    dragAxis_ = axisNear(event->position().x());
    dragFrom_ = fractionAt(event->position().y());
}

void ParallelCoordinates::mouseMoveEvent(QMouseEvent* event) {
    if (dragAxis_ >= 0) {
        setBrush(dragAxis_, dragFrom_, fractionAt(event->position().y()));
    }
}

void ParallelCoordinates::mouseReleaseEvent(QMouseEvent* event) {
    if (dragAxis_ >= 0 && std::abs(fractionAt(event->position().y()) - dragFrom_) < 0.01) {
        auto& axis = axes_[size_t(dragAxis_)]; // a click without a drag: this axis keeps all
        axis.brushLo = axis.brushHi = -1.0;
        update();
        Q_EMIT matchesChanged(matches());
    }
    dragAxis_ = -1;
}

void ParallelCoordinates::mouseDoubleClickEvent(QMouseEvent*) {
    clearBrushes();
}

} // namespace dredge
