#include "SignalFiles.h"

#include <QFileInfo>
#include <QImage>
#include <QImageReader>

namespace dredge {
namespace {

QString problemWith(const QString& path, const QString& what) {
    return QStringLiteral("image %1: %2").arg(path, what);
}

// The pixels' values in [0, 1], row by row: 8 bits per channel, or 16 where
// the file has them (16-bit PNG keeps its precision).
void takePixels(const QImage& image, int channels, std::vector<float>& values) {
    const bool deep = image.depth() > 32 || image.format() == QImage::Format_Grayscale16;
    const auto form = channels == 1
                          ? (deep ? QImage::Format_Grayscale16 : QImage::Format_Grayscale8)
                          : (deep ? QImage::Format_RGBX64 : QImage::Format_RGB888);
    const QImage converted = image.convertToFormat(form);
    const int width = converted.width(), height = converted.height();
    values.resize(size_t(width) * size_t(height) * size_t(channels));
    auto* out = values.data();
    for (int y = 0; y < height; ++y) {
        if (form == QImage::Format_RGBX64) {
            const auto* row = reinterpret_cast<const QRgba64*>(converted.constScanLine(y));
            for (int x = 0; x < width; ++x) {
                *out++ = float(row[x].red()) / 65535.0f;
                *out++ = float(row[x].green()) / 65535.0f;
                *out++ = float(row[x].blue()) / 65535.0f;
            }
        } else if (form == QImage::Format_Grayscale16) {
            const auto* row = reinterpret_cast<const quint16*>(converted.constScanLine(y));
            for (int x = 0; x < width; ++x) {
                *out++ = float(row[x]) / 65535.0f;
            }
        } else {
            const uchar* row = converted.constScanLine(y);
            for (int x = 0; x < width * channels; ++x) {
                *out++ = float(row[x]) / 255.0f;
            }
        }
    }
}

std::optional<QSize> sizeOf(const QString& resize, QString* error) {
    if (resize.isEmpty()) {
        return QSize();
    }
    const auto size = parseImageSize(resize.toStdString());
    if (!size) {
        *error = QStringLiteral("--resize must be WIDTHxHEIGHT in pixels, as 256x256, not \"%1\"")
                     .arg(resize);
        return std::nullopt;
    }
    return QSize(size->first, size->second);
}

} // namespace

std::optional<SampledSignal> readImageSignal(const QString& path, const QString& resize,
                                             QString* error) {
    const auto scaled = sizeOf(resize, error);
    if (!scaled) {
        return std::nullopt;
    }
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = problemWith(path, QStringLiteral("no such file"));
        return std::nullopt;
    }
    if (!info.isFile()) {
        *error = problemWith(path, QStringLiteral("not a regular file"));
        return std::nullopt;
    }
    QImageReader reader(path);
    reader.setAutoTransform(true); // a photo's EXIF orientation, as viewers show it
    if (!reader.canRead()) {
        *error = problemWith(
            path, QStringLiteral("not an image this build reads (it reads %1)")
                      .arg(QString::fromLatin1(QImageReader::supportedImageFormats().join(", "))));
        return std::nullopt;
    }
    const QSize size = reader.size();
    const qint64 pixels = qint64(size.width()) * size.height();
    if (scaled->isEmpty() && pixels > kMaxImagePixels) {
        *error = problemWith(path, QStringLiteral("%1×%2 is %3 megapixels, more than the %4 a "
                                                  "run trains on; give --resize WxH")
                                       .arg(size.width())
                                       .arg(size.height())
                                       .arg(double(pixels) / 1e6, 0, 'f', 1)
                                       .arg(double(kMaxImagePixels) / 1e6, 0, 'f', 1));
        return std::nullopt;
    }
    if (!scaled->isEmpty()) {
        reader.setScaledSize(*scaled);
    }
    QImage image;
    if (!reader.read(&image) || image.isNull()) {
        *error =
            problemWith(path, QStringLiteral("cannot be decoded (%1)").arg(reader.errorString()));
        return std::nullopt;
    }
    SampledSignal signal;
    signal.channels = image.allGray() ? 1 : 3; // a palette of greys too
    signal.shape = {image.height(), image.width()};
    signal.extent = {{-1.0, 1.0}, {-1.0, 1.0}};
    takePixels(image, signal.channels, signal.values);
    auto description =
        QStringLiteral("%1, %2×%3 %4")
            .arg(info.fileName())
            .arg(image.width())
            .arg(image.height())
            .arg(signal.channels == 1 ? QStringLiteral("grey") : QStringLiteral("RGB"));
    if (size.isValid() && size != image.size()) {
        description += QStringLiteral(" (resized from %1×%2)").arg(size.width()).arg(size.height());
    }
    if (image.hasAlphaChannel()) {
        description += QStringLiteral(", its alpha channel dropped");
    }
    signal.description = description.toStdString();
    return signal;
}

bool readDataFiles(DataConfig& data, QString* error) {
    if (data.kind != DataKind::Image || data.samples) {
        return true;
    }
    auto signal = readImageSignal(QString::fromStdString(data.imagePath),
                                  QString::fromStdString(data.resize), error);
    if (!signal) {
        return false;
    }
    data.samples = std::make_shared<const SampledSignal>(std::move(*signal));
    return true;
}

QString dataSourceFile(const DataConfig& data) {
    switch (data.kind) {
    case DataKind::CsvSignal:
        return QString::fromStdString(data.csvPath);
    case DataKind::Image:
        return QString::fromStdString(data.imagePath);
    default:
        return {};
    }
}

} // namespace dredge
