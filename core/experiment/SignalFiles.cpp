#include "SignalFiles.h"

#include "NiftiVolume.h"
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

// Opens a file the user named for reading: empty, or what is in the way.
QString openingProblem(QFile& file) {
    const QFileInfo info(file.fileName());
    return !info.exists()                    ? QStringLiteral("no such file")
           : !info.isFile()                  ? QStringLiteral("not a regular file")
           : !file.open(QIODevice::ReadOnly) ? file.errorString()
                                             : QString();
}

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

// The file's shape (z, y, x, and a 4th axis last) as the volume's: spatial
// axes, channels and instants. The longest physical axis (voxels × their size)
// spans [−1, 1], the others in proportion.
std::optional<SampledSignal> volumeLayout(const std::vector<int64_t>& shape,
                                          const std::vector<double>& spacing, FourthAxis fourth,
                                          QString* problem) {
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
    double longest = 0;
    for (size_t a = 0; a < 3; ++a) {
        longest = std::max(longest, double(signal.shape[a] - 1) * spacing[a]);
    }
    for (size_t a = 0; a < 3; ++a) {
        const double half = longest > 0 ? double(signal.shape[a] - 1) * spacing[a] / longest : 0.0;
        signal.extent.push_back({-half, half});
    }
    return signal;
}

// [rows × columns] as [columns × rows]: a 4th axis stored last (.npy) or
// first (NIfTI) moved to where the samples keep it.
std::vector<float> transposed(const std::vector<float>& values, int64_t rows, int64_t columns) {
    std::vector<float> out(values.size());
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < columns; ++c) {
            out[size_t(c * rows + r)] = values[size_t(r * columns + c)];
        }
    }
    return out;
}

// Scales the values' range to [0, 1], saying so in *scale; false, with
// the value named in *problem, at the first NaN or infinity.
// `shape` is the file's, slowest axis first; a NaN's index is printed as the
// file's own tools print it (NumPy slowest first, nibabel fastest first).
bool normalise(std::vector<float>& values, const std::vector<int64_t>& shape, bool fastestFirst,
               QString* scale, QString* problem) {
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) {
            QStringList index;
            for (auto d = shape.size(), rest = i; d-- > 0; rest /= size_t(shape[d])) {
                index.prepend(QString::number(rest % size_t(shape[d])));
            }
            if (fastestFirst) {
                std::reverse(index.begin(), index.end());
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

// "a.npy, 64×64×32 voxels (the 4th axis as t), intensities 0 to 1 scaled to [0, 1]"
QString volumeDescription(const QString& fileName, const std::vector<int64_t>& shape,
                          FourthAxis fourth, const QString& details) {
    QStringList sizes;
    for (const auto n : shape) {
        sizes << QString::number(n);
    }
    const QString fourthAxis = shape.size() < 4 ? QString()
                               : fourth == FourthAxis::Time
                                   ? QStringLiteral(" (the 4th axis as t)")
                                   : QStringLiteral(" (the 4th axis as values)");
    return QStringLiteral("%1, %2 voxels%3, %4")
        .arg(fileName, sizes.join(u'×'), fourthAxis, details);
}

std::optional<SampledSignal> readNpySignal(QFile& file, FourthAxis fourth, QString* error) {
    const QString path = file.fileName();
    try {
        // The header first: a 10 GB volume is refused before it is read.
        const QByteArray head = file.read(1 << 20);
        const auto header = parseNpyHeader(std::string_view(head.constData(), size_t(head.size())));
        QString problem;
        auto signal = volumeLayout(header.shape, {1.0, 1.0, 1.0}, fourth, &problem);
        if (!signal) {
            *error = volumeProblem(path, problem);
            return std::nullopt;
        }
        const qint64 need =
            qint64(header.headerBytes) + header.elements() * qint64(header.valueBytes());
        if (file.size() < need) {
            *error =
                volumeProblem(path, QStringLiteral("it is truncated: its shape needs %1 bytes, "
                                                   "it has %2")
                                        .arg(need)
                                        .arg(file.size()));
            return std::nullopt;
        }
        const QByteArray bytes = head + file.read(need - head.size());
        auto values = npyValues(header, std::string_view(bytes.constData(), size_t(bytes.size())));
        QString scale;
        if (!normalise(values, header.shape, false, &scale, &problem)) {
            *error = volumeProblem(path, problem);
            return std::nullopt;
        }
        if (!signal->times.empty()) {
            values = transposed(values, signal->points(), signal->instants()); // time-major
        }
        signal->values = std::move(values);
        signal->description =
            volumeDescription(QFileInfo(path).fileName(), header.shape, fourth, scale)
                .toStdString();
        return signal;
    } catch (const NpyError& e) {
        *error = volumeProblem(path, QString::fromUtf8(e.what()));
        return std::nullopt;
    }
}

// "of 1×3×2 mm (z, y, x)": the voxel sizes, which the coordinates respect.
QString voxelSizeText(const NiftiVolume& volume) {
    if (volume.spacingGuessed) {
        return QStringLiteral("its voxel sizes missing (taken as cubes)");
    }
    QStringList sizes;
    for (const auto d : volume.spacing) {
        sizes << QString::number(d, 'g', 4);
    }
    return QStringLiteral("voxels of %1%2 (z, y, x)")
        .arg(sizes.join(u'×'),
             volume.units.empty() ? QString() : u' ' + QString::fromStdString(volume.units));
}

std::optional<SampledSignal> readNiftiSignal(const QString& path, FourthAxis fourth,
                                             QString* error) {
    const std::string name = QFile::encodeName(path).toStdString();
    try {
        const auto header = readNiftiHeader(name); // a 10 GB volume is refused unread
        auto shape = header.shape;
        if (header.fourth > 0) {
            shape.push_back(header.fourth);
        }
        QString problem;
        auto signal = volumeLayout(shape, header.spacing, fourth, &problem);
        if (!signal) {
            *error = volumeProblem(path, problem);
            return std::nullopt;
        }
        auto volume = readNiftiVolume(name);
        std::vector<int64_t> fileShape = volume.shape; // slowest first: (t,) z, y, x
        if (volume.fourth > 0) {
            fileShape.insert(fileShape.begin(), volume.fourth);
        }
        QString scale;
        if (!normalise(volume.values, fileShape, true, &scale, &problem)) {
            *error = volumeProblem(path, problem);
            return std::nullopt;
        }
        signal->values = signal->channels > 1
                             ? transposed(volume.values, signal->channels, signal->points())
                             : std::move(volume.values);
        signal->description =
            volumeDescription(
                QFileInfo(path).fileName(), shape, fourth,
                QStringLiteral("%1, %2, %3")
                    .arg(voxelSizeText(header), QString::fromStdString(header.type), scale))
                .toStdString();
        return signal;
    } catch (const NiftiError& e) {
        *error = volumeProblem(path, QString::fromUtf8(e.what()));
        return std::nullopt;
    }
}

bool isNiftiName(const QString& path) {
    for (const auto* suffix : {".nii", ".nii.gz", ".hdr", ".hdr.gz"}) {
        if (path.endsWith(QLatin1String(suffix), Qt::CaseInsensitive)) {
            return true;
        }
    }
    return false;
}

} // namespace

std::optional<SampledSignal> readVolumeSignal(const QString& path, FourthAxis fourth,
                                              QString* error) {
    QFile file(path);
    if (const auto problem = openingProblem(file); !problem.isEmpty()) {
        *error = volumeProblem(path, problem);
        return std::nullopt;
    }
    if (isNiftiName(path)) {
        return readNiftiSignal(path, fourth, error);
    }
    return readNpySignal(file, fourth, error);
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
    signal.sampleRate = rate;
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

namespace {

// The colour components of a JPEG file's frame (its SOF marker's count: 1
// grey, 3 YCbCr, 4 CMYK or YCCK), 0 for another file or none found. Qt's
// reader turns CMYK into RGB without saying so; the description does.
int jpegComponents(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QByteArray head = file.read(1 << 16); // the frame header comes before any scan
    const auto byte = [&](qsizetype i) { return i < head.size() ? uchar(head[i]) : 0; };
    if (byte(0) != 0xFF || byte(1) != 0xD8) {
        return 0;
    }
    for (qsizetype i = 2; i + 9 < head.size();) {
        const uchar marker = byte(i + 1);
        if (byte(i) != 0xFF) {
            return 0;
        }
        const bool frame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
            return byte(i + 9);
        }
        if (marker == 0xDA) { // a scan before any frame: not a JPEG we know
            return 0;
        }
        i += 2 + (qsizetype(byte(i + 2)) << 8 | byte(i + 3));
    }
    return 0;
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
    if (jpegComponents(path) == 4) {
        description += QStringLiteral(", CMYK converted to RGB");
    }
    signal.description = description.toStdString();
    return signal;
}

namespace {

QString tableProblem(const QString& path, const QString& what) {
    return QStringLiteral("table %1: %2").arg(path, what);
}

// A line's fields, split at the delimiter, each trimmed and unquoted.
QList<QByteArray> fieldsOf(const QByteArray& line, char delimiter) {
    auto fields = line.trimmed().split(delimiter);
    for (auto& f : fields) {
        f = f.trimmed();
        if (f.size() >= 2 && f.front() == '"' && f.back() == '"') {
            f = f.mid(1, f.size() - 2);
        }
    }
    return fields;
}

// Where each named column is in the header, or why not.
std::optional<std::vector<int>> columnsAt(const QList<QByteArray>& header,
                                          const std::vector<std::string>& names, QString* problem) {
    std::vector<int> at;
    for (const auto& name : names) {
        const auto i = header.indexOf(QByteArray::fromStdString(name));
        if (i < 0) {
            QStringList known;
            for (const auto& h : header) {
                known << QString::fromUtf8(h);
            }
            *problem = QStringLiteral("it has no column \"%1\"; its columns are %2")
                           .arg(QString::fromStdString(name), known.join(QStringLiteral(", ")));
            return std::nullopt;
        }
        at.push_back(int(i));
    }
    return at;
}

// The lines that hold data: no blank lines, no # comments.
bool isDataLine(const QByteArray& line) {
    const auto t = line.trimmed();
    return !t.isEmpty() && !t.startsWith('#');
}

} // namespace

namespace {

// A table's header: its delimiter, its columns, and where the inputs and
// outputs are among them.
struct TableHeader {
    char delimiter = ',';
    QList<QByteArray> columns;
    std::vector<int> inputs, outputs;
    int timeInput = -1; // which input is t, if one is
    int lineNumber = 0; // of the header
};

std::optional<TableHeader> readTableHeader(QFile& file, const QString& inputs,
                                           const QString& outputs, QString* problem) {
    TableHeader header;
    QByteArray line;
    while (!file.atEnd() && !isDataLine(line)) {
        line = file.readLine();
        ++header.lineNumber;
    }
    if (!isDataLine(line)) {
        *problem = QStringLiteral("it has no header line");
        return std::nullopt;
    }
    header.delimiter = line.contains('\t') ? '\t' : line.contains(';') ? ';' : ',';
    header.columns = fieldsOf(line, header.delimiter);
    const auto inNames = columnList(inputs.toStdString());
    auto in = columnsAt(header.columns, inNames, problem);
    auto out =
        in ? columnsAt(header.columns, columnList(outputs.toStdString()), problem) : std::nullopt;
    if (!in || !out) {
        return std::nullopt;
    }
    header.inputs = std::move(*in);
    header.outputs = std::move(*out);
    const auto t = std::find(inNames.begin(), inNames.end(), "t");
    header.timeInput = t == inNames.end() ? -1 : int(t - inNames.begin());
    return header;
}

// One data line's values into the signal, or why not.
bool takeRow(const TableHeader& header, const QByteArray& line, int lineNumber,
             SampledSignal& signal, QString* problem) {
    const auto fields = fieldsOf(line, header.delimiter);
    if (fields.size() != header.columns.size()) {
        *problem = QStringLiteral("line %1 has %2 fields, its header %3")
                       .arg(lineNumber)
                       .arg(fields.size())
                       .arg(header.columns.size());
        return false;
    }
    // Only the columns taken are read: others may hold anything.
    const auto number = [&](int column, float* value) {
        bool ok = false;
        const double v = fields[column].toDouble(&ok);
        if (!ok || !std::isfinite(v)) {
            *problem = QStringLiteral("line %1, column \"%2\": \"%3\" is no finite number")
                           .arg(lineNumber)
                           .arg(QString::fromUtf8(header.columns[column]),
                                QString::fromUtf8(fields[column]));
            return false;
        }
        *value = float(v);
        return true;
    };
    float v = 0;
    for (size_t i = 0; i < header.inputs.size(); ++i) {
        if (!number(header.inputs[i], &v)) {
            return false;
        }
        (int(i) == header.timeInput ? signal.pointTimes : signal.coords).push_back(v);
    }
    for (const auto column : header.outputs) {
        if (!number(column, &v)) {
            return false;
        }
        signal.values.push_back(v);
    }
    return true;
}

} // namespace

std::optional<SampledSignal> readTableSignal(const QString& path, const QString& inputs,
                                             const QString& outputs, QString* error) {
    QFile file(path);
    if (const auto problem = openingProblem(file); !problem.isEmpty()) {
        *error = tableProblem(path, problem);
        return std::nullopt;
    }
    const QFileInfo info(path);
    if (info.size() > kMaxTableBytes) {
        *error = tableProblem(path, QStringLiteral("it is %1 MB, more than the %2 MB a table may "
                                                   "be: take a sample of its rows")
                                        .arg(info.size() >> 20)
                                        .arg(kMaxTableBytes >> 20));
        return std::nullopt;
    }
    QString problem;
    const auto header = readTableHeader(file, inputs, outputs, &problem);
    if (!header) {
        *error = tableProblem(path, problem);
        return std::nullopt;
    }
    SampledSignal signal;
    signal.dims = int(header->inputs.size()) - (header->timeInput >= 0 ? 1 : 0);
    signal.channels = int(header->outputs.size());
    int64_t rows = 0;
    for (int lineNumber = header->lineNumber + 1; !file.atEnd(); ++lineNumber) {
        const QByteArray line = file.readLine();
        if (!isDataLine(line)) {
            continue;
        }
        if (!takeRow(*header, line, lineNumber, signal, &problem)) {
            *error = tableProblem(path, problem);
            return std::nullopt;
        }
        if (++rows > kMaxImagePixels) {
            *error = tableProblem(path, QStringLiteral("it has more than the %1 rows a run "
                                                       "trains on: take a sample of its rows")
                                            .arg(kMaxImagePixels));
            return std::nullopt;
        }
    }
    if (rows == 0) {
        *error = tableProblem(path, QStringLiteral("it has a header and no rows"));
        return std::nullopt;
    }
    signal.shape = {rows};
    signal.description = QStringLiteral("%1, %2 rows: %3 → %4")
                             .arg(info.fileName())
                             .arg(rows)
                             .arg(inputs.simplified(), outputs.simplified())
                             .toStdString();
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
    case DataKind::Table:
        signal = readTableSignal(QString::fromStdString(data.tablePath),
                                 QString::fromStdString(data.tableInputs),
                                 QString::fromStdString(data.tableOutputs), error);
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

namespace {

// Where each data set read from a file keeps that file's path.
constexpr std::pair<DataKind, std::string DataConfig::*> kSourceFiles[] = {
    {DataKind::CsvSignal, &DataConfig::csvPath}, {DataKind::Image, &DataConfig::imagePath},
    {DataKind::Volume, &DataConfig::volumePath}, {DataKind::Audio, &DataConfig::audioPath},
    {DataKind::Table, &DataConfig::tablePath},
};

bool endsWithAny(const QString& path, std::initializer_list<const char*> suffixes) {
    return std::any_of(suffixes.begin(), suffixes.end(), [&](const char* suffix) {
        return path.endsWith(QLatin1String(suffix), Qt::CaseInsensitive);
    });
}

// A CSV file's columns, from its first line that is not blank or a comment.
QList<QByteArray> csvColumns(const QString& path) {
    QFile file(path);
    QByteArray line;
    if (openingProblem(file).isEmpty()) {
        while (!file.atEnd() && !isDataLine(line)) {
            line = file.readLine();
        }
    }
    return isDataLine(line) ? fieldsOf(line, line.contains('\t')  ? '\t'
                                             : line.contains(';') ? ';'
                                                                  : ',')
                            : QList<QByteArray>();
}

} // namespace

QString dataSourceFile(const DataConfig& data) {
    for (const auto& [kind, path] : kSourceFiles) {
        if (kind == data.kind) {
            return QString::fromStdString(data.*path);
        }
    }
    return {};
}

void setDataSourceFile(DataConfig& data, const QString& path) {
    for (const auto& [kind, member] : kSourceFiles) {
        if (kind == data.kind) {
            data.*member = path.toStdString();
        }
    }
}

std::optional<DataKind> dataKindOfFile(const QString& path) {
    if (isNiftiName(path) || endsWithAny(path, {".npy"})) {
        return DataKind::Volume;
    }
    if (endsWithAny(path, {".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".au", ".mp3", ".opus",
                           ".w64", ".caf"})) {
        return DataKind::Audio;
    }
    if (endsWithAny(path, {".csv", ".tsv", ".txt"})) {
        return DataKind::Table;
    }
    if (!QImageReader::imageFormat(path).isEmpty()) {
        return DataKind::Image;
    }
    return std::nullopt;
}

bool chooseDataFile(DataConfig& data, const QString& path, QString* error) {
    const auto kind = dataKindOfFile(path);
    if (!kind) {
        *error = QStringLiteral("%1: neither an image, a volume (NIfTI, .npy), a sound nor a "
                                "table (CSV) by its name or contents")
                     .arg(path);
        return false;
    }
    DataConfig chosen = data;
    chosen.kind = *kind;
    chosen.samples.reset();
    if (*kind == DataKind::Table) {
        // Every column but the last an input, the last the output: what a
        // table of (x, y) or (x, y, z, t, u) means most often.
        QStringList columns;
        for (const auto& c : csvColumns(path)) {
            columns << QString::fromUtf8(c);
        }
        if (columns.size() == 2) { // x, y: the 1-D signal of a CSV file
            chosen.kind = DataKind::CsvSignal;
        }
        chosen.tableOutputs = columns.value(columns.size() - 1).toStdString();
        chosen.tableInputs = columns.mid(0, columns.size() - 1).join(u',').toStdString();
    }
    setDataSourceFile(chosen, path);
    if (const auto problem = validate(chosen); !problem.empty()) {
        *error = QStringLiteral("%1: %2").arg(path, QString::fromStdString(problem));
        return false;
    }
    if (!readDataFiles(chosen, error)) {
        return false;
    }
    data = std::move(chosen);
    return true;
}

} // namespace dredge
