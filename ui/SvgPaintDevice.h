#pragma once
// A paint device that writes what is painted on it as SVG: paths, polylines
// and polygons as vectors, text as text, pixmaps (colour maps) as embedded
// PNG, rectangular clips as clip paths. Qt's own SVG generator lives in the
// Qt SVG module, which this app does not depend on; QCustomPlot paints
// through QPainter, so this small engine is all a vector export needs.

#include <QByteArray>
#include <QPaintDevice>
#include <QSize>
#include <memory>

namespace dredge {

class SvgPaintEngine;

class SvgPaintDevice : public QPaintDevice {
public:
    explicit SvgPaintDevice(QSize size);
    ~SvgPaintDevice() override;

    QPaintEngine* paintEngine() const override;
    // The document, complete once the painter has ended.
    QByteArray svg() const;

protected:
    int metric(PaintDeviceMetric metric) const override;

private:
    QSize size_;
    std::unique_ptr<SvgPaintEngine> engine_;
};

} // namespace dredge
