#include "SignalFiles.h"

#include "NpyArray.h"

#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageReader>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <limits>
#include <sndfile.h>

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

QString volumeProblem(const QString& path, const QString& what) {
    return QStringLiteral("volume %1: %2").arg(path, what);
}

// The header's shape as the volume's: spatial axes, channels and instants.
std::optional<SampledSignal> volumeLayout(const NpyHeader& header, FourthAxis fourth,
                                          QString* problem) {
    const auto& shape = header.shape;
    if (shape.size() != 3 && shape.size() != 4) {
        *problem =
            QStringLiteral("it has %1 axes; a volume has 3 (z, y, x) or 4").arg(shape.size());
        return std::nullopt;
    }
    SampledSignal signal;
    signal.shape.assign(shape.begin(), shape.begin() + 3);
    if (shape.size() == 4 && fourth == FourthAxis::Channels) {
        if (shape[3] > 16) {
            *problem = QStringLiteral("its 4th axis has %1 values per voxel, more than 16; give "
                                      "--fourth-axis time if it is time")
                           .arg(shape[3]);
            return std::nullopt;
        }
        signal.channels = int(shape[3]);
    } else if (shape.size() == 4) {
        for (int64_t i = 0; i < shape[3]; ++i) {
            signal.times.push_back(shape[3] > 1 ? 2.0 * double(i) / double(shape[3] - 1) : 0.0);
        }
    }
    if (signal.points() * signal.instants() > kMaxImagePixels) {
        *problem = QStringLiteral("its %1 points are more than the %2 a run trains on")
                       .arg(signal.points() * signal.instants())
                       .arg(kMaxImagePixels);
        return std::nullopt;
    }
    const auto longest = double(*std::max_element(signal.shape.begin(), signal.shape.end()));
    for (const auto n : signal.shape) {
        const double half = longest > 1 ? double(n - 1) / (longest - 1) : 0.0;
        signal.extent.push_back({-half, half});
    }
    return signal;
}

// C order with time last (z, y, x, t) as time-major (every voxel of an instant).
std::vector<float> timeMajor(const std::vector<float>& values, int64_t points, int64_t instants) {
    std::vector<float> out(values.size());
    for (int64_t p = 0; p < points; ++p) {
        for (int64_t t = 0; t < instants; ++t) {
            out[size_t(t * points + p)] = values[size_t(p * instants + t)];
        }
    }
    return out;
}

// Scales the values' range to [0, 1], saying so in *scale; false, with
// the value named in *problem, at the first NaN or infinity.
bool normalise(std::vector<float>& values, const std::vector<int64_t>& shape, QString* scale,
               QString* problem) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            QStringList index; // the file's own index of it, as NumPy prints it
            for (auto d = shape.size(), rest = i; d-- > 0; rest /= size_t(shape[d])) {
                index.prepend(QString::number(rest % size_t(shape[d])));
            }
            *problem = QStringLiteral("its value at [%1] is %2")
                           .arg(index.join(QStringLiteral(", ")))
                           .arg(double(values[i]));
            return false;
        }
        lo = std::min(lo, values[i]);
        hi = std::max(hi, values[i]);
    }
    const float span = hi > lo ? hi - lo : 1.0f;
    for (auto& v : values) {
        v = (v - lo) / span;
    }
    *scale =
        QStringLiteral("intensities %1 to %2 scaled to [0, 1]").arg(double(lo)).arg(double(hi));
    return true;
}

} // namespace

std::optional<SampledSignal> readVolumeSignal(const QString& path, FourthAxis fourth,
                                              QString* error) {
    QFile file(path);
    const QFileInfo info(path);
    if (!info.exists() || !info.isFile() || !file.open(QIODevice::ReadOnly)) {
        *error = volumeProblem(path, !info.exists()   ? QStringLiteral("no such file")
                                     : !info.isFile() ? QStringLiteral("not a regular file")
                                                      : file.errorString());
        return std::nullopt;
    }
    try {
        // The header first: a 10 GB volume is refused before it is read.
        const QByteArray head = file.read(1 << 20);
        const auto header = parseNpyHeader(std::string_view(head.constData(), size_t(head.size())));
        QString problem;
        auto signal = volumeLayout(header, fourth, &problem);
        if (!signal) {
            *error = volumeProblem(path, problem);
            return std::nullopt;
        }
        const qint64 need =
            qint64(header.headerBytes) + header.elements() * qint64(header.valueBytes());
        if (info.size() < need) {
            *error =
                volumeProblem(path, QStringLiteral("it is truncated: its shape needs %1 bytes, "
                                                   "it has %2")
                                        .arg(need)
                                        .arg(info.size()));
            return std::nullopt;
        }
        const QByteArray bytes = head + file.read(need - head.size());
        auto values = npyValues(header, std::string_view(bytes.constData(), size_t(bytes.size())));
        QString scale;
        if (!normalise(values, header.shape, &scale, &problem)) {
            *error = volumeProblem(path, problem);
            return std::nullopt;
        }
        if (!signal->times.empty()) {
            values = timeMajor(values, signal->points(), signal->instants());
        }
        signal->values = std::move(values);
        QStringList sizes;
        for (const auto n : header.shape) {
            sizes << QString::number(n);
        }
        signal->description =
            QStringLiteral("%1, %2 voxels%3, %4")
                .arg(info.fileName(), sizes.join(u'×'),
                     header.shape.size() == 4 ? (fourth == FourthAxis::Time
                                                     ? QStringLiteral(" (the 4th axis as t)")
                                                     : QStringLiteral(" (the 4th axis as values)"))
                                              : QString(),
                     scale)
                .toStdString();
        return signal;
    } catch (const NpyError& e) {
        *error = volumeProblem(path, QString::fromUtf8(e.what()));
        return std::nullopt;
    }
}

namespace {

QString audioProblem(const QString& path, const QString& what) {
    return QStringLiteral("audio %1: %2").arg(path, what);
}

// An open sound file, closed with its owner.
struct SoundFile {
    SF_INFO info{}; // before `file`: sf_open fills it
    SNDFILE* file = nullptr;
    explicit SoundFile(const QString& path)
        : file(sf_open(QFile::encodeName(path).constData(), SFM_READ, &info)) {}
    ~SoundFile() {
        if (file) {
            sf_close(file);
        }
    }
    SoundFile(const SoundFile&) = delete;
    SoundFile& operator=(const SoundFile&) = delete;
};

// The frames [first, first + count) of `span` seconds at `rate`, or why not.
std::optional<std::pair<sf_count_t, sf_count_t>> framesOf(const QString& span, const SF_INFO& info,
                                                          QString* problem) {
    if (span.isEmpty()) {
        return std::pair(sf_count_t(0), info.frames);
    }
    const auto seconds = parseSecondsSpan(span.toStdString());
    const double length = double(info.frames) / info.samplerate;
    if (!seconds || seconds->second > length + 1e-9) {
        *problem = QStringLiteral("--seconds %1 is not START:END within its %2 s")
                       .arg(span)
                       .arg(length, 0, 'f', 3);
        return std::nullopt;
    }
    const auto first = sf_count_t(std::llround(seconds->first * info.samplerate));
    const auto end =
        std::min(info.frames, sf_count_t(std::llround(seconds->second * info.samplerate)));
    if (end - first < 2) {
        *problem = QStringLiteral("--seconds %1 holds fewer than 2 samples").arg(span);
        return std::nullopt;
    }
    return std::pair(first, end - first);
}

} // namespace

std::optional<SampledSignal> readAudioSignal(const QString& path, const QString& span,
                                             QString* error) {
    const QFileInfo info(path);
    if (!info.exists() || !info.isFile()) {
        *error = audioProblem(path, info.exists() ? QStringLiteral("not a regular file")
                                                  : QStringLiteral("no such file"));
        return std::nullopt;
    }
    SoundFile sound(path);
    if (!sound.file) {
        *error = audioProblem(path, QStringLiteral("not a sound libsndfile reads (%1)")
                                        .arg(QString::fromUtf8(sf_strerror(nullptr))));
        return std::nullopt;
    }
    const int channels = sound.info.channels;
    if (channels != 1 && channels != 2) {
        *error = audioProblem(
            path,
            QStringLiteral("it has %1 channels; DREDGE Studio fits mono or stereo").arg(channels));
        return std::nullopt;
    }
    QString problem;
    const auto frames = framesOf(span, sound.info, &problem);
    if (!frames) {
        *error = audioProblem(path, problem);
        return std::nullopt;
    }
    if (frames->second < 2) {
        *error = audioProblem(
            path,
            QStringLiteral("it holds %1 samples; a fit needs at least 2").arg(frames->second));
        return std::nullopt;
    }
    if (frames->second > kMaxImagePixels) {
        *error =
            audioProblem(path, QStringLiteral("its %1 samples are more than the %2 a run trains "
                                              "on; take a part with --seconds A:B")
                                   .arg(frames->second)
                                   .arg(kMaxImagePixels));
        return std::nullopt;
    }
    SampledSignal signal;
    signal.channels = channels;
    signal.shape = {int64_t(frames->second)};
    signal.extent = {{-1.0, 1.0}};
    signal.values.resize(size_t(frames->second) * size_t(channels));
    if (sf_seek(sound.file, frames->first, SEEK_SET) < 0 ||
        sf_readf_float(sound.file, signal.values.data(), frames->second) != frames->second) {
        *error = audioProblem(path, QStringLiteral("it is cut short or damaged (%1)")
                                        .arg(QString::fromUtf8(sf_strerror(sound.file))));
        return std::nullopt;
    }
    for (size_t i = 0; i < signal.values.size(); ++i) {
        if (!std::isfinite(signal.values[i])) {
            *error = audioProblem(path, QStringLiteral("sample %1 of channel %2 is %3")
                                            .arg(qint64(i) / channels)
                                            .arg(qint64(i) % channels + 1)
                                            .arg(double(signal.values[i])));
            return std::nullopt;
        }
    }
    const double rate = sound.info.samplerate;
    signal.description =
        QStringLiteral("%1, %2 s at %3 Hz (%4 samples%5), %6; time on [-1, 1]")
            .arg(info.fileName())
            .arg(double(frames->second) / rate, 0, 'f', 3)
            .arg(sound.info.samplerate)
            .arg(frames->second)
            .arg(span.isEmpty() ? QString() : QStringLiteral(" from ") + span + u's')
            .arg(channels == 1 ? QStringLiteral("mono") : QStringLiteral("stereo"))
            .toStdString();
    return signal;
}

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
    if (data.samples) {
        return true;
    }
    std::optional<SampledSignal> signal;
    switch (data.kind) {
    case DataKind::Image:
        signal = readImageSignal(QString::fromStdString(data.imagePath),
                                 QString::fromStdString(data.resize), error);
        break;
    case DataKind::Volume:
        signal = readVolumeSignal(QString::fromStdString(data.volumePath), data.fourthAxis, error);
        break;
    case DataKind::Audio:
        signal = readAudioSignal(QString::fromStdString(data.audioPath),
                                 QString::fromStdString(data.audioSpan), error);
        break;
    default:
        return true; // generated, or read by numerics (a CSV signal)
    }
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
    case DataKind::Volume:
        return QString::fromStdString(data.volumePath);
    case DataKind::Audio:
        return QString::fromStdString(data.audioPath);
    default:
        return {};
    }
}

} // namespace dredge
