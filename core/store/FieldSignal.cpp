#include "FieldSignal.h"

#include "FieldPicture.h"
#include "NpyArray.h"
#include "SignalFiles.h"

#include <QBuffer>
#include <QFile>
#include <QSaveFile>
#include <algorithm>
#include <cmath>
#include <sndfile.h>

namespace dredge {
namespace {

// Points evaluated at once: a deep SIREN's activations stay tens of MiB.
constexpr int64_t kPointsAtOnce = 16384;

// The run's own samples, read again from its file: their extent, rate and
// shape.
std::optional<SampledSignal> trainedSamples(const KeptModel& model, DataKind kind, QString* error) {
    const auto& config = model.kept.record.config;
    const QString run = model.kept.record.id.left(8);
    if (config.data.kind != kind) {
        *error = QStringLiteral("run %1 trained on %2, not %3")
                     .arg(run, QString::fromLatin1(dataKindName(config.data.kind).data()),
                          QString::fromLatin1(dataKindName(kind).data()));
        return std::nullopt;
    }
    auto data = config.data;
    data.samples.reset();
    QString problem;
    if (!readDataFiles(data, &problem)) {
        *error = QStringLiteral("run %1: its extent comes from its file, which cannot be read "
                                "again: %2")
                     .arg(run, problem);
        return std::nullopt;
    }
    return *data.samples;
}

// The axis's n positions evenly over [lo, hi].
double positionOn(std::pair<double, double> extent, int64_t i, int64_t n) {
    return n > 1 ? extent.first + (extent.second - extent.first) * double(i) / double(n - 1)
                 : extent.first;
}

// The model's values at every point of `points` (D coordinates each, made by
// `coordsOf(point, out)`), at time `t`, in blocks.
template <typename Coords>
std::vector<float> evaluated(const FieldEvaluator& evaluator, int64_t points, float t,
                             Coords coordsOf) {
    const int dims = evaluator.dims(), outputs = evaluator.outputs();
    std::vector<float> values(size_t(points) * size_t(outputs));
    std::vector<float> coords, times;
    for (int64_t first = 0; first < points; first += kPointsAtOnce) {
        const int64_t end = std::min(points, first + kPointsAtOnce);
        coords.resize(size_t(end - first) * size_t(dims));
        times.assign(size_t(end - first), t);
        for (int64_t p = first; p < end; ++p) {
            coordsOf(p, coords.data() + size_t(p - first) * size_t(dims));
        }
        const auto block = evaluator.predict(coords, times);
        std::copy(block.begin(), block.end(), values.begin() + first * outputs);
    }
    return values;
}

} // namespace

std::optional<FieldSound> fieldSound(const KeptModel& model, int rate, QString* error,
                                     double rateScale) {
    const auto samples = trainedSamples(model, DataKind::Audio, error);
    if (!samples) {
        return std::nullopt;
    }
    const int64_t frames = samples->shape.front();
    FieldSound sound;
    sound.channels = model.evaluator->outputs();
    sound.rate = rate > 0 ? rate : int(std::lround(samples->sampleRate * rateScale));
    sound.seconds = double(frames - 1) / samples->sampleRate;
    const int64_t n = int64_t(std::llround(sound.seconds * sound.rate)) + 1;
    if (sound.rate < 1 || sound.rate > 768000 || n > kMaxImagePixels) {
        *error = QStringLiteral("a rate of %1 Hz is not between 1 and 768000 Hz, or gives more "
                                "than %2 samples")
                     .arg(sound.rate)
                     .arg(kMaxImagePixels);
        return std::nullopt;
    }
    sound.samples = evaluated(*model.evaluator, n, 0.0f, [&](int64_t i, float* x) {
        *x = float(positionOn(samples->extent.front(), i, n));
    });
    return sound;
}

// Whole or not at all: libsndfile writes into the QSaveFile's temporary
// file, which replaces `path` only once every sample is there.
bool writeWav(const FieldSound& sound, const QString& path, QString* error) {
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, out.errorString());
        return false;
    }
    SF_INFO info{};
    info.channels = sound.channels;
    info.samplerate = sound.rate;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* file = sf_open_fd(out.handle(), SFM_WRITE, &info, SF_FALSE);
    if (!file) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, sf_strerror(nullptr));
        return false;
    }
    sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
    const auto frames = sf_count_t(sound.samples.size()) / sound.channels;
    const bool written = sf_writef_float(file, sound.samples.data(), frames) == frames;
    if (!written) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, sf_strerror(file));
    }
    if (sf_close(file) != 0 || !written || !out.commit()) {
        if (error->isEmpty() || written) {
            *error = QStringLiteral("cannot write '%1': %2").arg(path, out.errorString());
        }
        return false;
    }
    return true;
}

std::optional<QByteArray> fieldVolumeNpy(const KeptModel& model, double scale, QString* error) {
    const auto samples = trainedSamples(model, DataKind::Volume, error);
    if (!samples) {
        return std::nullopt;
    }
    std::vector<int64_t> shape;
    int64_t points = 1;
    for (const auto n : samples->shape) {
        shape.push_back(std::max<int64_t>(1, std::llround(double(n) * scale)));
        points *= shape.back();
    }
    const int outputs = model.evaluator->outputs();
    const int64_t instants = samples->instants();
    if (!(scale > 0) || points * instants > kMaxImagePixels) {
        *error = QStringLiteral("a volume %1 times as fine has more than the %2 points an export "
                                "may have")
                     .arg(scale)
                     .arg(kMaxImagePixels);
        return std::nullopt;
    }
    // (z, y, x) 'ij' order, the last axis fastest, as the run's own grid.
    const auto at = [&](int64_t p, float* coords) {
        for (int a = 2; a >= 0; --a) {
            coords[a] = float(
                positionOn(samples->extent[size_t(a)], p % shape[size_t(a)], shape[size_t(a)]));
            p /= shape[size_t(a)];
        }
    };
    std::vector<float> values;
    if (instants == 1) {
        values = evaluated(*model.evaluator, points, 0.0f, at);
    } else { // each instant, then interleaved: time is the file's last axis
        values.resize(size_t(points * instants));
        for (int64_t k = 0; k < instants; ++k) {
            const auto one =
                evaluated(*model.evaluator, points, float(samples->times[size_t(k)]), at);
            for (int64_t p = 0; p < points; ++p) {
                values[size_t(p * instants + k)] = one[size_t(p)];
            }
        }
        shape.push_back(instants);
    }
    if (outputs > 1) {
        shape.push_back(outputs);
    }
    const auto file = npyFileOf(shape, values);
    return QByteArray(file.data(), qsizetype(file.size()));
}

std::optional<FieldFile> fieldFileFor(DataKind kind) {
    switch (kind) {
    case DataKind::Image:
        return FieldFile::Png;
    case DataKind::Audio:
        return FieldFile::Wav;
    case DataKind::Volume:
        return FieldFile::Npy;
    default:
        return std::nullopt;
    }
}

namespace {

bool savedWhole(const QString& path, const QByteArray& bytes, QString* error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

// The picture at the request's size (the trained size times its scale unless
// a size is given), as PNG bytes, and that size in words.
std::optional<std::pair<QByteArray, QString>>
pictureFile(const KeptModel& model, const FieldExport& request, QString* error) {
    auto size = request.size;
    if (size.isEmpty()) {
        const auto trained = trainedImageSize(model.kept.record.config, error);
        if (!trained) {
            *error = QStringLiteral("run %1: %2").arg(model.kept.record.id.left(8), *error);
            return std::nullopt;
        }
        size = QSize(int(std::lround(trained->width() * request.scale)),
                     int(std::lround(trained->height() * request.scale)));
    }
    const auto picture = fieldPicture(model, size, error);
    if (!picture) {
        return std::nullopt;
    }
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!picture->save(&buffer, "PNG")) {
        *error = QStringLiteral("cannot encode the picture as PNG");
        return std::nullopt;
    }
    return std::pair(bytes, QStringLiteral("drawn at %1×%2").arg(size.width()).arg(size.height()));
}

} // namespace

std::optional<QString> exportField(const KeptModel& model, const FieldExport& request,
                                   const QString& path, QString* error, bool* refused) {
    bool notFitting = true;
    const auto said = [&]() -> std::optional<QString> {
        switch (request.file) {
        case FieldFile::Png: {
            const auto picture = pictureFile(model, request, error);
            notFitting = !picture;
            return picture && savedWhole(path, picture->first, error)
                       ? std::optional(picture->second)
                       : std::nullopt;
        }
        case FieldFile::Wav: {
            const auto sound = fieldSound(model, request.rate, error, request.scale);
            notFitting = !sound;
            return sound && writeWav(*sound, path, error)
                       ? std::optional(QStringLiteral("sampled %1 s at %2 Hz")
                                           .arg(sound->seconds, 0, 'f', 3)
                                           .arg(sound->rate))
                       : std::nullopt;
        }
        case FieldFile::Npy: {
            const auto volume = fieldVolumeNpy(model, request.scale, error);
            notFitting = !volume;
            return volume && savedWhole(path, *volume, error)
                       ? std::optional(
                             QStringLiteral("sampled %1 times as fine").arg(request.scale))
                       : std::nullopt;
        }
        }
        return std::nullopt;
    }();
    if (refused) {
        *refused = !said && notFitting;
    }
    if (!said) {
        return std::nullopt;
    }
    return QStringLiteral("run %1 at %2 %3 to %4")
        .arg(model.kept.record.id.left(8),
             model.kept.isEnd() ? QStringLiteral("the end model")
                                : QStringLiteral("epoch %1").arg(model.kept.epoch()),
             *said, path);
}

} // namespace dredge
