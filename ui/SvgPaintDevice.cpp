#include "SvgPaintDevice.h"

#include <QBuffer>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <QTextItem>
#include <climits>

namespace dredge {
namespace {

constexpr int kDpi = 96; // SVG's user unit is a CSS pixel

QString number(double v) {
    return QString::number(v, 'g', 6);
}

QString colour(const QColor& c) {
    return c.name(QColor::HexRgb);
}

} // namespace

class SvgPaintEngine : public QPaintEngine {
public:
    explicit SvgPaintEngine(QSize size)
        : QPaintEngine(QPaintEngine::AllFeatures)
        , size_(size) {}

    bool begin(QPaintDevice*) override {
        body_.clear();
        clips_ = 0;
        inClip_ = false;
        return true;
    }
    bool end() override {
        closeClip();
        document_ = QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                   "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                                   "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"%1\" "
                                   "height=\"%2\" viewBox=\"0 0 %1 %2\">\n")
                        .arg(size_.width())
                        .arg(size_.height())
                        .toUtf8() +
                    body_.toUtf8() + "</svg>\n";
        return true;
    }
    Type type() const override { return QPaintEngine::User; }

    void updateState(const QPaintEngineState& state) override {
        if (state.state() & (DirtyClipRegion | DirtyClipPath | DirtyClipEnabled)) {
            updateClip();
        }
    }

    void drawPath(const QPainterPath& logical) override {
        const QPainterPath path = painter()->transform().map(logical);
        QString d;
        for (int i = 0; i < path.elementCount(); ++i) {
            const auto e = path.elementAt(i);
            switch (e.type) {
            case QPainterPath::MoveToElement:
                d += QStringLiteral("M%1 %2 ").arg(number(e.x), number(e.y));
                break;
            case QPainterPath::LineToElement:
                d += QStringLiteral("L%1 %2 ").arg(number(e.x), number(e.y));
                break;
            case QPainterPath::CurveToElement:
                d += QStringLiteral("C%1 %2 ").arg(number(e.x), number(e.y));
                break;
            case QPainterPath::CurveToDataElement:
                d += QStringLiteral("%1 %2 ").arg(number(e.x), number(e.y));
                break;
            }
        }
        const bool winding = path.fillRule() == Qt::WindingFill;
        body_ += QStringLiteral("<path d=\"%1\" %2 fill-rule=\"%3\"/>\n")
                     .arg(d.trimmed(), style(true), winding ? "nonzero" : "evenodd");
    }

    void drawPolygon(const QPointF* points, int count, PolygonDrawMode mode) override {
        QString list;
        const auto& t = painter()->transform();
        for (int i = 0; i < count; ++i) {
            const QPointF p = t.map(points[i]);
            list += number(p.x()) + QLatin1Char(',') + number(p.y()) + QLatin1Char(' ');
        }
        if (mode == PolylineMode) {
            body_ +=
                QStringLiteral("<polyline points=\"%1\" %2/>\n").arg(list.trimmed(), style(false));
            return;
        }
        body_ += QStringLiteral("<polygon points=\"%1\" %2 fill-rule=\"%3\"/>\n")
                     .arg(list.trimmed(), style(true), mode == OddEvenMode ? "evenodd" : "nonzero");
    }

    void drawPixmap(const QRectF& target, const QPixmap& pixmap, const QRectF& source) override {
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        pixmap.copy(source.toAlignedRect()).save(&buffer, "PNG");
        const QRectF r = painter()->transform().mapRect(target);
        body_ += QStringLiteral(
                     "<image x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" "
                     "preserveAspectRatio=\"none\" xlink:href=\"data:image/png;base64,%5\"/>\n")
                     .arg(number(r.x()), number(r.y()), number(r.width()), number(r.height()),
                          QString::fromLatin1(png.toBase64()));
    }

    void drawTextItem(const QPointF& at, const QTextItem& item) override {
        const QFont font = item.font();
        const double pixels =
            font.pixelSize() > 0 ? font.pixelSize() : font.pointSizeF() * kDpi / 72.0;
        const QTransform& t = painter()->transform();
        const QColor c = painter()->pen().color();
        body_ +=
            QStringLiteral("<text x=\"%1\" y=\"%2\" transform=\"matrix(%3 %4 %5 %6 %7 %8)\" "
                           "font-family=\"%9\" font-size=\"%10\"%11 fill=\"%12\"%13>%14</text>\n")
                .arg(number(at.x()), number(at.y()), number(t.m11()), number(t.m12()),
                     number(t.m21()), number(t.m22()), number(t.dx()), number(t.dy()))
                .arg(font.family().toHtmlEscaped(), number(pixels),
                     font.bold() ? QStringLiteral(" font-weight=\"bold\"") : QString(), colour(c),
                     opacity(QStringLiteral("fill-opacity"), c), item.text().toHtmlEscaped());
    }

    const QByteArray& document() const { return document_; }

private:
    static QString opacity(const QString& attribute, const QColor& c) {
        return c.alpha() == 255 ? QString()
                                : QStringLiteral(" %1=\"%2\"").arg(attribute, number(c.alphaF()));
    }

    // The current pen and (for closed shapes) brush as SVG attributes.
    QString style(bool closed) const {
        const QPen pen = painter()->pen();
        QString s;
        if (pen.style() == Qt::NoPen) {
            s = QStringLiteral("stroke=\"none\"");
        } else {
            const double width = pen.widthF() > 0.0 ? pen.widthF() : 1.0; // cosmetic: 1 px
            s = QStringLiteral("stroke=\"%1\" stroke-width=\"%2\"%3")
                    .arg(colour(pen.color()), number(width),
                         opacity(QStringLiteral("stroke-opacity"), pen.color()));
            if (pen.style() != Qt::SolidLine) {
                QStringList dashes;
                for (const double dash : pen.dashPattern()) {
                    dashes << number(dash * width);
                }
                s += QStringLiteral(" stroke-dasharray=\"%1\"").arg(dashes.join(QLatin1Char(',')));
            }
        }
        const QBrush brush = painter()->brush();
        if (closed && brush.style() == Qt::SolidPattern) {
            s += QStringLiteral(" fill=\"%1\"%2")
                     .arg(colour(brush.color()),
                          opacity(QStringLiteral("fill-opacity"), brush.color()));
        } else {
            s += QStringLiteral(" fill=\"none\"");
        }
        return s;
    }

    // QCustomPlot clips to rectangles (its axis rects): their bounds serve.
    void updateClip() {
        closeClip();
        if (!painter()->hasClipping()) {
            return;
        }
        const QRectF r = painter()->transform().mapRect(painter()->clipBoundingRect());
        ++clips_;
        body_ += QStringLiteral("<clipPath id=\"clip%1\"><rect x=\"%2\" y=\"%3\" width=\"%4\" "
                                "height=\"%5\"/></clipPath>\n<g clip-path=\"url(#clip%1)\">\n")
                     .arg(clips_)
                     .arg(number(r.x()), number(r.y()), number(r.width()), number(r.height()));
        inClip_ = true;
    }
    void closeClip() {
        if (inClip_) {
            body_ += QStringLiteral("</g>\n");
            inClip_ = false;
        }
    }

    QSize size_;
    QString body_;
    QByteArray document_;
    int clips_ = 0;
    bool inClip_ = false;
};

SvgPaintDevice::SvgPaintDevice(QSize size)
    : size_(size)
    , engine_(std::make_unique<SvgPaintEngine>(size)) {}

SvgPaintDevice::~SvgPaintDevice() = default;

QPaintEngine* SvgPaintDevice::paintEngine() const {
    return engine_.get();
}

QByteArray SvgPaintDevice::svg() const {
    return engine_->document();
}

int SvgPaintDevice::metric(PaintDeviceMetric metric) const {
    switch (metric) {
    case PdmWidth:
        return size_.width();
    case PdmHeight:
        return size_.height();
    case PdmWidthMM:
        return int(size_.width() * 25.4 / kDpi);
    case PdmHeightMM:
        return int(size_.height() * 25.4 / kDpi);
    case PdmNumColors:
        return INT_MAX;
    case PdmDepth:
        return 32;
    case PdmDpiX:
    case PdmDpiY:
    case PdmPhysicalDpiX:
    case PdmPhysicalDpiY:
        return kDpi;
    case PdmDevicePixelRatio:
        return 1;
    case PdmDevicePixelRatioScaled:
        return int(QPaintDevice::devicePixelRatioFScale());
    }
    return 0;
}

} // namespace dredge
