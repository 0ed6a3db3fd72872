#include "FieldPicture.h"

#include "SignalFiles.h"

#include <QImageReader>
#include <algorithm>
#include <cmath>

namespace dredge {
namespace {

// Points evaluated at once: a deep SIREN's activations for this many stay
// tens of MiB, whatever the picture's size.
constexpr int kRowsOfPoints = 16384;

int byteOf(float value) {
    return std::isfinite(value) ? int(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f)) : 0;
}

double axisAt(int index, int count) {
    return count > 1 ? -1.0 + 2.0 * double(index) / double(count - 1) : -1.0;
}

} // namespace

std::optional<QSize> trainedImageSize(const ExperimentConfig& config, QString* error) {
    if (config.data.kind != DataKind::Image) {
        *error = QStringLiteral("it trained on %1, not an image")
                     .arg(QString::fromLatin1(dataKindName(config.data.kind).data()));
        return std::nullopt;
    }
    if (const auto size = parseImageSize(config.data.resize)) {
        return QSize(size->first, size->second);
    }
    const auto path = QString::fromStdString(config.data.imagePath);
    const QSize size = QImageReader(path).size();
    if (!size.isValid()) {
        *error =
            QStringLiteral("its image %1 cannot be read for its size; give --size WxH").arg(path);
        return std::nullopt;
    }
    return size;
}

std::optional<QImage> fieldPicture(const KeptModel& model, QSize size, QString* error) {
    const auto& evaluator = *model.evaluator;
    const int outputs = evaluator.outputs();
    if (model.kept.record.config.data.kind != DataKind::Image || evaluator.dims() != 2 ||
        (outputs != 1 && outputs != 3)) {
        *error = QStringLiteral("run %1 did not fit an image").arg(model.kept.record.id.left(8));
        return std::nullopt;
    }
    if (size.width() < 1 || size.height() < 1 ||
        qint64(size.width()) * size.height() > kMaxImagePixels) {
        *error = QStringLiteral("a picture of %1×%2 pixels is not between 1 and %3 pixels")
                     .arg(size.width())
                     .arg(size.height())
                     .arg(kMaxImagePixels);
        return std::nullopt;
    }
    QImage picture(size, outputs == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB32);
    const qint64 pixels = qint64(size.width()) * size.height();
    std::vector<float> coords;
    for (qint64 first = 0; first < pixels; first += kRowsOfPoints) {
        const qint64 end = std::min(pixels, first + kRowsOfPoints);
        coords.resize(size_t(end - first) * 2);
        for (qint64 p = first; p < end; ++p) {
            coords[size_t(p - first) * 2] = float(axisAt(int(p / size.width()), size.height()));
            coords[size_t(p - first) * 2 + 1] = float(axisAt(int(p % size.width()), size.width()));
        }
        const auto values = evaluator.predict(coords);
        for (qint64 p = first; p < end; ++p) {
            const float* v = values.data() + size_t(p - first) * size_t(outputs);
            const int y = int(p / size.width()), x = int(p % size.width());
            if (outputs == 1) {
                picture.scanLine(y)[x] = uchar(byteOf(v[0]));
            } else {
                reinterpret_cast<QRgb*>(picture.scanLine(y))[x] =
                    qRgb(byteOf(v[0]), byteOf(v[1]), byteOf(v[2]));
            }
        }
    }
    return picture;
}

} // namespace dredge
