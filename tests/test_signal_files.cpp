// A user's own files as data (issue 31): what each kind of picture, volume
// (NIfTI, .npy), sound and table of points becomes, the data set and models of
// C outputs made from it, whole runs replayed bit for bit from their kept
// parameters, and one clear error naming the file for each bad input.

#include "Datasets.h"
#include "FieldEvaluator.h"
#include "ModelFactory.h"
#include "ParameterReplay.h"
#include "RunDriver.h"
#include "ScratchFolder.h"
#include "SignalFiles.h"
#include "Spectrogram.h"

#include <QBuffer>
#include <QImage>
#include <QtEndian>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <nifti1.h>
#include <numeric>
#include <sndfile.h>

using namespace dredge;

namespace {

// A PNG of `image`, written into the folder.
QString savedPng(const ScratchFolder& dir, const QString& name, const QImage& image) {
    const QString path = dir.filePath(name);
    return image.save(path, "PNG") ? path : QString();
}

QImage greyRamp(int width, int height) {
    QImage image(width, height, QImage::Format_Grayscale8);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            image.scanLine(y)[x] = uchar((y * width + x) * 5 % 256);
        }
    }
    return image;
}

quint32 crc32Of(const QByteArray& bytes) {
    quint32 crc = 0xffffffffu;
    for (const char byte : bytes) {
        crc ^= quint8(byte);
        for (int k = 0; k < 8; ++k) {
            crc = crc & 1u ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
        }
    }
    return ~crc;
}

// A PNG's signature and header, and no pixels, saying width × height grey pixels:
// what a reader sees first of a huge image, without its megabytes.
QByteArray pngHeaderOnly(quint32 width, quint32 height) {
    QByteArray header("IHDR", 4);
    QByteArray size(8, '\0');
    qToBigEndian(width, size.data());
    qToBigEndian(height, size.data() + 4);
    header += size;
    header +=
        QByteArray("\x08\x00\x00\x00\x00", 5); // 8 bits, grey, deflate, no filter, no interlace
    const auto chunk = [](const QByteArray& typeAndData) {
        QByteArray bytes(4, '\0');
        qToBigEndian(quint32(typeAndData.size() - 4), bytes.data());
        QByteArray crc(4, '\0');
        qToBigEndian(crc32Of(typeAndData), crc.data());
        return bytes + typeAndData + crc;
    };
    // An empty IDAT: readers read the header up to the first one.
    return QByteArray("\x89PNG\r\n\x1a\n", 8) + chunk(header) + chunk("IDAT") + chunk("IEND");
}

SampledSignal readOrFail(const QString& path, const QString& resize = {}) {
    QString error;
    auto signal = readImageSignal(path, resize, &error);
    if (!signal) {
        qFatal("reading %s failed: %s", qPrintable(path), qPrintable(error));
    }
    return *signal;
}

// A .npy file's bytes: version 1.0 header for `descr` and `shape`, padded
// to 64 bytes as NumPy pads it, then `payload`.
QByteArray npyBytes(const char* descr, const QString& shape, const QByteArray& payload,
                    const char* order = "False") {
    QByteArray dict = QStringLiteral("{'descr': '%1', 'fortran_order': %2, 'shape': %3, }")
                          .arg(QLatin1String(descr), QLatin1String(order), shape)
                          .toLatin1();
    while ((10 + dict.size() + 1) % 64 != 0) {
        dict += ' ';
    }
    dict += '\n';
    QByteArray bytes("\x93NUMPY\x01\x00", 8);
    bytes += char(dict.size() & 0xff);
    bytes += char(dict.size() >> 8);
    return bytes + dict + payload;
}

template <typename T>
QByteArray payloadOf(const std::vector<T>& values) {
    return QByteArray(reinterpret_cast<const char*>(values.data()),
                      qsizetype(values.size() * sizeof(T)));
}

// A NIfTI-1 file's bytes (.nii): its 348-byte header for `dims` (x, y, z, and
// t when 4) of `datatype`, voxel sizes `sizes` (x, y, z) in mm, a scaling,
// then the 4 bytes that say "no extensions" and `payload`.
QByteArray niftiBytes(std::vector<int> dims, short datatype, short bitpix, std::vector<float> sizes,
                      const QByteArray& payload, float slope = 0, float inter = 0) {
    nifti_1_header header;
    std::memset(&header, 0, sizeof header);
    header.sizeof_hdr = 348;
    header.dim[0] = short(dims.size());
    for (size_t a = 0; a < dims.size(); ++a) {
        header.dim[a + 1] = short(dims[a]);
        header.pixdim[a + 1] = a < sizes.size() ? sizes[a] : 1.0f;
    }
    for (size_t a = dims.size() + 1; a < 8; ++a) {
        header.dim[a] = 1;
    }
    header.datatype = datatype;
    header.bitpix = bitpix;
    header.pixdim[0] = 1.0f;
    header.vox_offset = 352.0f;
    header.scl_slope = slope;
    header.scl_inter = inter;
    header.xyzt_units = NIFTI_UNITS_MM | NIFTI_UNITS_SEC;
    std::memcpy(header.magic, "n+1", 4);
    return QByteArray(reinterpret_cast<const char*>(&header), sizeof header) + QByteArray(4, '\0') +
           payload;
}

// Where Debian's python3-nibabel keeps its test volumes (written by nibabel,
// read back here as a user's files).
QString nibabelVolume(const QString& name) {
    return QStringLiteral("/usr/lib/python3/dist-packages/nibabel/tests/data/") + name;
}

SampledSignal volumeOrFail(const QString& path, FourthAxis fourth = FourthAxis::Channels) {
    QString error;
    auto signal = readVolumeSignal(path, fourth, &error);
    if (!signal) {
        qFatal("reading %s failed: %s", qPrintable(path), qPrintable(error));
    }
    return *signal;
}

// What a run shows and keeps: its data, and every parameter frame.
struct KeepingSink : RunSink {
    RunData data;
    ParameterFrames kept;
    void ready(const Trainer& trainer) override {
        data = RunData{trainer.setup(), trainer.trainingCoordinates(), trainer.trainingTargets(),
                       trainer.trainingTimes()};
    }
    void progress(const ProgressBatch&) override {}
    void parameters(const ParameterFrames& frames) override { kept.merge(frames); }
};

// `epochs` of `config` at `lr` through the driver (which reads the data's
// file), kept by `sink`.
TrainResult driven(ExperimentConfig config, int64_t epochs, double lr, KeepingSink& sink) {
    config.train.epochs = epochs;
    config.train.learningRate = lr;
    RunDrive drive;
    drive.config = config;
    return driveRun(drive, sink);
}

// Epoch `epoch`'s kept parameters give its loss again, to 1e-6.
bool replaysExactly(const ExperimentConfig& config, const KeepingSink& sink,
                    const TrainResult& result, int64_t epoch) {
    ParameterReplay replay(config, sink.data.setup.dims, sink.data.setup.outputs);
    const auto* replayed = replay.at(sink.data, sink.kept, size_t(epoch));
    const double loss = result.lossHistory[size_t(epoch)];
    return replayed && replayed->values.size() == sink.data.targets.size() &&
           std::abs(replayed->mse - loss) <= 1e-6 * loss;
}

// A WAV file of `frames` frames of `channels` channels at `rate` Hz, written
// through libsndfile: sample i of channel c is sin(0.01 (c + 1) i) / 2.
QString savedWav(const ScratchFolder& dir, const QString& name, int channels, int frames,
                 int rate = 8000, int format = SF_FORMAT_WAV | SF_FORMAT_PCM_16) {
    const QString path = dir.filePath(name);
    SF_INFO info{};
    info.channels = channels;
    info.samplerate = rate;
    info.format = format;
    SNDFILE* file = sf_open(QFile::encodeName(path).constData(), SFM_WRITE, &info);
    if (!file) {
        return {};
    }
    std::vector<float> samples(size_t(frames) * size_t(channels));
    for (int i = 0; i < frames; ++i) {
        for (int c = 0; c < channels; ++c) {
            samples[size_t(i * channels + c)] = 0.5f * std::sin(0.01f * float((c + 1) * i));
        }
    }
    sf_writef_float(file, samples.data(), frames);
    sf_close(file);
    return path;
}

} // namespace

class TestSignalFiles : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aGreyImageBecomesOneChannelRowByRow() {
        const auto path = savedPng(dir_, "ramp.png", greyRamp(5, 3));
        const auto signal = readOrFail(path);
        QCOMPARE(signal.shape, (std::vector<int64_t>{3, 5}));
        QCOMPARE(signal.channels, 1);
        QCOMPARE(signal.values.size(), size_t(15));
        for (int i = 0; i < 15; ++i) {
            QCOMPARE(signal.values[size_t(i)], float(i * 5 % 256) / 255.0f);
        }
        QVERIFY(QString::fromStdString(signal.description).startsWith("ramp.png, 5×3 grey"));

        // The data set: y down the rows, x along them, both on [−1, 1].
        const auto data = makeSampledDataset(signal);
        QCOMPARE(data.coords.sizes().vec(), (std::vector<int64_t>{15, 2}));
        QCOMPARE(data.target.sizes().vec(), (std::vector<int64_t>{15, 1}));
        QCOMPARE(data.gridShape, (std::vector<int64_t>{3, 5}));
        QCOMPARE(data.coords[0][0].item<float>(), -1.0f);
        QCOMPARE(data.coords[0][1].item<float>(), -1.0f);
        QCOMPARE(data.coords[1][1].item<float>(), -0.5f); // the next pixel of the first row
        QCOMPARE(data.coords[5][0].item<float>(), 0.0f);  // the second of three rows
        QCOMPARE(data.coords[14][0].item<float>(), 1.0f);
        QCOMPARE(data.coords[14][1].item<float>(), 1.0f);
        QCOMPARE(data.target[7][0].item<float>(), signal.values[7]);
    }

    void colourGivesThreeChannelsAndAlphaIsDroppedWithANote() {
        QImage image(4, 2, QImage::Format_ARGB32);
        image.fill(qRgba(255, 51, 0, 128));
        const auto signal = readOrFail(savedPng(dir_, "tinted.png", image));
        QCOMPARE(signal.channels, 3);
        QCOMPARE(signal.values.size(), size_t(4 * 2 * 3));
        QCOMPARE(signal.values[0], 1.0f);
        QCOMPARE(signal.values[1], 0.2f);
        QCOMPARE(signal.values[2], 0.0f);
        QVERIFY(QString::fromStdString(signal.description).contains("alpha channel dropped"));

        // Every model fits its three values per point.
        const auto data = makeSampledDataset(signal);
        for (auto kind : {ModelKind::WaveEnsemble, ModelKind::Interference, ModelKind::Siren,
                          ModelKind::RandomFourier}) {
            ModelConfig config;
            config.kind = kind;
            const auto outputs = modelOutputs(config, 3);
            QCOMPARE(outputs, int64_t(3));
            const auto model = makeModel(config, 2, uint64_t(1), outputs);
            QCOMPARE(model->forward(data.coords, data.time).sizes().vec(),
                     (std::vector<int64_t>{8, 3}));
            // Kept parameters say how many outputs the model had.
            QCOMPARE(outputsFitting(config, 2, model->parameterCount()), 3);
        }
        ModelConfig interference;
        interference.kind = ModelKind::Interference;
        interference.outFeatures = 2;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, modelOutputs(interference, 3));
        QCOMPARE(modelOutputs(interference, 1), int64_t(2)); // the reference's broadcast
    }

    void sixteenBitsAndPalettesKeepTheirValues() {
        QImage deep(3, 1, QImage::Format_Grayscale16);
        auto* row = reinterpret_cast<quint16*>(deep.scanLine(0));
        row[0] = 0;
        row[1] = 257; // 1/255: 8 bits would keep it, a 16-bit step of it would not
        row[2] = 40000;
        const auto deepSignal = readOrFail(savedPng(dir_, "deep.png", deep));
        QCOMPARE(deepSignal.channels, 1);
        QCOMPARE(deepSignal.values[2], 40000.0f / 65535.0f);

        QImage palette(2, 2, QImage::Format_Indexed8);
        palette.setColorTable({qRgb(0, 0, 0), qRgb(255, 255, 255)});
        palette.fill(1);
        palette.setPixel(0, 0, 0);
        const auto grey = readOrFail(savedPng(dir_, "palette-grey.png", palette));
        QCOMPARE(grey.channels, 1);
        QCOMPARE(grey.values, (std::vector<float>{0.0f, 1.0f, 1.0f, 1.0f}));
        palette.setColorTable({qRgb(0, 0, 255), qRgb(255, 255, 255)});
        const auto coloured = readOrFail(savedPng(dir_, "palette-colour.png", palette));
        QCOMPARE(coloured.channels, 3);
        QCOMPARE(coloured.values[2], 1.0f); // the first pixel's blue
    }

    // A CMYK JPEG (ImageMagick's `convert -size 8x6 xc:red -colorspace CMYK`,
    // Adobe's inverted CMYK): Qt's reader gives RGB; the colours are red's,
    // and the description says the file was CMYK.
    void aCmykJpegReadsAsItsRgbColoursWithANote() {
        const auto jpeg =
            QByteArray::fromBase64("/9j/7gAOQWRvYmUAZAAAAAAC/"
                                   "9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcG"
                                   "BggLCAkKCgoKCgYICwwLCgwJCgoK/"
                                   "9sAQwECAgICAgIFAwMFCgcGBwoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoK"
                                   "CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoK/8AAFAgABgAIBAERAAIRAQMRAQQRAP/"
                                   "EABUAAQEAAAAAAAAAAAAAAAAA"
                                   "AAgJ/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/"
                                   "EABUBAQEAAAAAAAAAAAAAAAAAAAgK/8QAFBEBAAAAAAAAAAAAAAAA"
                                   "AAAAAP/aAA4EAQACEQMRBAAAPwBmFYn/AF/H/9k=");
        const auto signal = readOrFail(dir_.fileWith("press.jpg", jpeg));
        QCOMPARE(signal.channels, 3);
        QCOMPARE(signal.shape, (std::vector<int64_t>{6, 8}));
        for (size_t pixel = 0; pixel < 48; ++pixel) {
            QVERIFY2(signal.values[3 * pixel] > 0.98f && signal.values[3 * pixel + 1] < 0.02f &&
                         signal.values[3 * pixel + 2] < 0.02f,
                     qPrintable(QStringLiteral("%1 %2 %3")
                                    .arg(signal.values[3 * pixel])
                                    .arg(signal.values[3 * pixel + 1])
                                    .arg(signal.values[3 * pixel + 2])));
        }
        QVERIFY2(QString::fromStdString(signal.description).contains("CMYK converted to RGB"),
                 signal.description.c_str());
        // An ordinary JPEG says nothing of CMYK.
        QImage rgb(4, 4, QImage::Format_RGB32);
        rgb.fill(qRgb(200, 30, 60));
        const auto path = dir_.filePath("plain.jpg");
        QVERIFY(rgb.save(path));
        QVERIFY(!QString::fromStdString(readOrFail(path).description).contains("CMYK"));
    }

    void resizeResamplesAndSaysFromWhat() {
        const auto path = savedPng(dir_, "big-ramp.png", greyRamp(40, 30));
        const auto signal = readOrFail(path, QStringLiteral("8x6"));
        QCOMPARE(signal.shape, (std::vector<int64_t>{6, 8}));
        QVERIFY(QString::fromStdString(signal.description).contains("resized from 40×30"));
    }

    void badFilesGiveOneErrorNamingTheFile_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("resize");
        QTest::addColumn<QString>("message");
        const auto png = [&] {
            QByteArray bytes;
            QBuffer buffer(&bytes);
            buffer.open(QIODevice::WriteOnly);
            greyRamp(64, 64).save(&buffer, "PNG");
            return bytes;
        }();
        QTest::newRow("missing") << dir_.filePath("missing.png") << QString() << "no such file";
        QTest::newRow("a folder") << dir_.path() << QString() << "not a regular file";
        QTest::newRow("not an image") << dir_.fileWith("notes.png", "these are words, not pixels\n")
                                      << QString() << "not an image this build reads";
        QTest::newRow("truncated") << dir_.fileWith("cut.png", png.left(png.size() / 2))
                                   << QString() << "cannot be decoded";
        QTest::newRow("100 megapixels")
            << dir_.fileWith("huge.png", pngHeaderOnly(10000, 10000)) << QString()
            << "10000×10000 is 100.0 megapixels, more than the 33.6 a run trains on; give "
               "--resize WxH";
        QTest::newRow("a bad size") << savedPng(dir_, "small.png", greyRamp(4, 4))
                                    << QStringLiteral("4by4") << "--resize must be WIDTHxHEIGHT";
    }
    void badFilesGiveOneErrorNamingTheFile() {
        QFETCH(QString, path);
        QFETCH(QString, resize);
        QFETCH(QString, message);
        QVERIFY(!path.isEmpty());
        QString error;
        QVERIFY(!readImageSignal(path, resize, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
        if (!message.startsWith("--resize")) {
            QVERIFY2(error.startsWith(QStringLiteral("image ") + path + u':'), qPrintable(error));
        }
        // A run of it fails with the same words, before anything trains.
        ExperimentConfig config;
        config.data.kind = DataKind::Image;
        config.data.imagePath = path.toStdString();
        config.data.resize = resize.toStdString();
        QVERIFY(!readDataFiles(config.data, &error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void aVolumeKeepsItsShapeAndScalesItsIntensities() {
        std::vector<uint16_t> voxels(2 * 3 * 4);
        for (size_t i = 0; i < voxels.size(); ++i) {
            voxels[i] = uint16_t(100 + 10 * i);
        }
        const auto path =
            dir_.fileWith("head.npy", npyBytes("<u2", "(2, 3, 4)", payloadOf(voxels)));
        const auto signal = volumeOrFail(path);
        QCOMPARE(signal.shape, (std::vector<int64_t>{2, 3, 4}));
        QCOMPARE(signal.channels, 1);
        QCOMPARE(signal.values.front(), 0.0f);
        QCOMPARE(signal.values.back(), 1.0f);
        QCOMPARE(signal.values[5], float(50.0 / 230.0));
        // Cubic voxels: the longest axis (x, 4) spans [−1, 1], the others in proportion.
        QCOMPARE(signal.extent[2], (std::pair{-1.0, 1.0}));
        QCOMPARE(signal.extent[1], (std::pair{-2.0 / 3.0, 2.0 / 3.0}));
        QCOMPARE(signal.extent[0], (std::pair{-1.0 / 3.0, 1.0 / 3.0}));
        QVERIFY(QString::fromStdString(signal.description)
                    .contains("2×3×4 voxels, intensities 100 to 330 scaled to [0, 1]"));
    }

    void aFourthAxisIsValuesOrTime() {
        std::vector<float> voxels(2 * 2 * 2 * 3);
        for (size_t i = 0; i < voxels.size(); ++i) {
            voxels[i] = float(i);
        }
        const auto path =
            dir_.fileWith("moving.npy", npyBytes("<f4", "(2, 2, 2, 3)", payloadOf(voxels)));
        const auto values = volumeOrFail(path, FourthAxis::Channels);
        QCOMPARE(values.channels, 3);
        QCOMPARE(values.instants(), int64_t(1));
        QCOMPARE(values.values[4], 4.0f / 23.0f); // voxel 1's second value: C order kept

        const auto moving = volumeOrFail(path, FourthAxis::Time);
        QCOMPARE(moving.channels, 1);
        QCOMPARE(moving.times, (std::vector<double>{0.0, 1.0, 2.0}));
        // Time-major: every voxel of the first instant, then the next.
        QCOMPARE(moving.values[1], 3.0f / 23.0f); // voxel 1 at t = 0
        QCOMPARE(moving.values[8], 1.0f / 23.0f); // voxel 0 at t = 1
        const auto data = makeSampledDataset(moving);
        QCOMPARE(data.coords.size(0), int64_t(24));
        QVERIFY(data.timeVaries);
        QCOMPARE(data.time[8].item<float>(), 1.0f);
        QCOMPARE(data.coords[8][2].item<float>(), data.coords[0][2].item<float>());
    }

    void badVolumesGiveOneErrorNamingTheFile_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        const auto floats = [](size_t n) { return payloadOf(std::vector<float>(n, 1.0f)); };
        auto withNan = std::vector<float>(2 * 2 * 3, 0.5f);
        withNan[1 * 6 + 0 * 3 + 2] = std::nanf("");
        QTest::newRow("NaN") << dir_.fileWith("nan.npy",
                                              npyBytes("<f4", "(2, 2, 3)", payloadOf(withNan)))
                             << "its value at [1, 0, 2] is nan";
        QTest::newRow("Fortran order")
            << dir_.fileWith("fortran.npy", npyBytes("<f4", "(2, 2, 2)", floats(8), "True"))
            << "it is in Fortran order";
        QTest::newRow("int64") << dir_.fileWith("wide.npy",
                                                npyBytes("<i8", "(2, 2, 2)", floats(16)))
                               << "its values are '<i8'";
        QTest::newRow("big-endian")
            << dir_.fileWith("big.npy", npyBytes(">f4", "(2, 2, 2)", floats(8))) << "little-endian";
        QTest::newRow("truncated")
            << dir_.fileWith("cut.npy", npyBytes("<f4", "(4, 4, 4)", floats(10)))
            << "it is truncated: its shape needs 384 bytes, it has 168";
        QTest::newRow("two axes") << dir_.fileWith("flat.npy",
                                                   npyBytes("<f4", "(4, 4)", floats(16)))
                                  << "it has 2 axes; a volume has 3 (z, y, x) or 4";
        QTest::newRow("10 GB, refused unread")
            << dir_.fileWith("huge.npy", npyBytes("<f4", "(2048, 2048, 640)", floats(1)))
            << "its 2684354560 points are more than the 33554432 a run trains on";
        QTest::newRow("too many values per voxel")
            << dir_.fileWith("wide4.npy", npyBytes("<f4", "(2, 2, 2, 40)", floats(320)))
            << "more than 16; give --fourth-axis time";
        QTest::newRow("not .npy") << dir_.fileWith("text.npy", "x,y\n1,2\n")
                                  << "not a NumPy .npy file";
        QTest::newRow("a scalar") << dir_.fileWith("one.npy", npyBytes("<f4", "()", floats(1)))
                                  << "it holds one number, not an array";
        QTest::newRow("missing") << dir_.filePath("gone.npy") << "no such file";
    }
    void badVolumesGiveOneErrorNamingTheFile() {
        QFETCH(QString, path);
        QFETCH(QString, message);
        QString error;
        QVERIFY(!readVolumeSignal(path, FourthAxis::Channels, &error));
        QVERIFY2(error.startsWith(QStringLiteral("volume ") + path + u':'), qPrintable(error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void niftiVolumesReadAsNibabelReadsThem() {
        QVERIFY2(QFileInfo::exists(nibabelVolume("anatomical.nii")),
                 "the volumes of python3-nibabel are missing (build.sh installs them)");
        // Big-endian int16, 2 mm voxels: the values nibabel reads, (z, y, x) order.
        const auto anatomy = volumeOrFail(nibabelVolume("anatomical.nii"));
        QCOMPARE(anatomy.shape, (std::vector<int64_t>{25, 41, 33}));
        QVERIFY(std::abs(anatomy.values[0] - 0.36519047f) < 1e-6f);
        QVERIFY(std::abs(anatomy.values[1] - 0.35715898f) < 1e-6f);
        QVERIFY(std::abs(anatomy.values[1000] - 0.15585588f) < 1e-6f);
        QVERIFY(std::abs(std::accumulate(anatomy.values.begin(), anatomy.values.end(), 0.0) -
                         9831.2851) < 1e-2);
        const auto about = QString::fromStdString(anatomy.description);
        QVERIFY2(about.contains("voxels of 2×2×2 mm (z, y, x), INT16, intensities -610 to 30393"),
                 qPrintable(about));

        // Gzipped, voxels of 1 × 3 × 2 (x, y, z): the longest physical axes
        // (z: 6 × 2, y: 4 × 3) span [−1, 1], x (3 × 1) a quarter of it.
        const auto standard = volumeOrFail(nibabelVolume("standard.nii.gz"));
        QCOMPARE(standard.shape, (std::vector<int64_t>{7, 5, 4}));
        QCOMPARE(standard.extent[0], (std::pair{-1.0, 1.0}));
        QCOMPARE(standard.extent[1], (std::pair{-1.0, 1.0}));
        QCOMPARE(standard.extent[2], (std::pair{-0.25, 0.25}));
        QCOMPARE(std::accumulate(standard.values.begin(), standard.values.end(), 0.0f), 30.0f);
    }

    void aNiftiTwoFourthAxisIsTimeOrValues() {
        const auto path = nibabelVolume("example_nifti2.nii.gz");
        const auto moving = volumeOrFail(path, FourthAxis::Time);
        QCOMPARE(moving.shape, (std::vector<int64_t>{12, 20, 32}));
        QCOMPARE(moving.times, (std::vector<double>{0.0, 2.0}));
        const int64_t points = 12 * 20 * 32;
        QVERIFY(std::abs(moving.values[1000] - 0.39521800f) < 1e-6f);
        QVERIFY(std::abs(moving.values[size_t(points)] - 0.55274262f) < 1e-6f); // t = 2
        // As two values per voxel: each voxel's values next to each other.
        const auto pairs = volumeOrFail(path, FourthAxis::Channels);
        QCOMPARE(pairs.channels, 2);
        QCOMPARE(pairs.values[1], moving.values[size_t(points)]);
        QCOMPARE(pairs.values[2], moving.values[1]);
    }

    void niftiScalingAndVoxelSizesAreApplied() {
        std::vector<int16_t> voxels(4 * 3 * 2);
        for (size_t i = 0; i < voxels.size(); ++i) {
            voxels[i] = int16_t(i);
        }
        const auto path =
            dir_.fileWith("scaled.nii", niftiBytes({4, 3, 2}, DT_INT16, 16, {0.5f, 1.0f, 4.0f},
                                                   payloadOf(voxels), 2.0f, 10.0f));
        const auto signal = volumeOrFail(path);
        QCOMPARE(signal.shape, (std::vector<int64_t>{2, 3, 4}));
        QCOMPARE(signal.values[5], 5.0f / 23.0f); // file order is (z, y, x) C order
        // Physical lengths: z 1 × 4, y 2 × 1, x 3 × 0.5.
        QCOMPARE(signal.extent[0], (std::pair{-1.0, 1.0}));
        QCOMPARE(signal.extent[1], (std::pair{-0.5, 0.5}));
        QCOMPARE(signal.extent[2], (std::pair{-0.375, 0.375}));
        const auto about = QString::fromStdString(signal.description);
        QVERIFY2(about.contains("intensities 10 to 56 scaled to [0, 1]"), qPrintable(about));
        QVERIFY2(about.contains("voxels of 4×1×0.5 mm (z, y, x)"), qPrintable(about));
    }

    void badNiftiVolumesGiveOneErrorNamingTheFile_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        const auto floats = [](size_t n) { return payloadOf(std::vector<float>(n, 1.0f)); };
        auto withNan = std::vector<float>(3 * 2 * 2, 0.5f);
        withNan[1 * 6 + 0 * 3 + 2] = std::nanf(""); // z 1, y 0, x 2
        QTest::newRow("NaN") << dir_.fileWith("nan.nii", niftiBytes({3, 2, 2}, DT_FLOAT32, 32,
                                                                    {1, 1, 1}, payloadOf(withNan)))
                             << "its value at [2, 0, 1] is nan";
        QTest::newRow("truncated") << dir_.fileWith("cut.nii", niftiBytes({4, 4, 4}, DT_FLOAT32, 32,
                                                                          {1, 1, 1}, floats(10)))
                                   << "its values cannot be read: the file is truncated";
        QTest::newRow("a picture")
            << dir_.fileWith("flat.nii", niftiBytes({4, 4}, DT_FLOAT32, 32, {1, 1}, floats(16)))
            << "(a picture is --image)";
        QTest::newRow("complex") << dir_.fileWith("complex.nii",
                                                  niftiBytes({2, 2, 2}, DT_COMPLEX64, 64, {1, 1, 1},
                                                             floats(16)))
                                 << "its values are COMPLEX64";
        QTest::newRow("10 GB, refused unread")
            << dir_.fileWith("huge.nii",
                             niftiBytes({2048, 2048, 640}, DT_FLOAT32, 32, {1, 1, 1}, floats(1)))
            << "its 2684354560 points are more than the 33554432 a run trains on";
        QTest::newRow("not NIfTI")
            << dir_.fileWith("text.nii", "x,y\n1,2\n") << "it is no NIfTI file";
        QTest::newRow("missing") << dir_.filePath("gone.nii.gz") << "no such file";
    }
    void badNiftiVolumesGiveOneErrorNamingTheFile() { badVolumesGiveOneErrorNamingTheFile(); }

    void aColourRunTrainsAndReplaysFromKeptParameters() {
        QImage image(12, 8, QImage::Format_RGB32);
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 12; ++x) {
                image.setPixel(x, y, qRgb(x * 20, y * 30, (x + y) * 10));
            }
        }
        ExperimentConfig config;
        config.data.kind = DataKind::Image;
        config.data.imagePath = savedPng(dir_, "gradient.png", image).toStdString();
        config.model.kind = ModelKind::Siren;
        config.model.hidden = 16;
        config.model.sirenLayers = 2;
        KeepingSink sink;
        const auto result = driven(config, 60, 1e-3, sink);
        QCOMPARE(result.epochsDone, int64_t(60));
        QCOMPARE(sink.data.setup.outputs, 3);
        QCOMPARE(sink.data.targets.size(), size_t(12 * 8 * 3));
        QVERIFY(result.lossHistory.back() < 0.5 * result.lossHistory.front());
        // Kept parameters give the run's own loss at every epoch (Every epoch exact).
        for (const int64_t epoch : {0, 30, 59}) {
            QVERIFY2(replaysExactly(config, sink, result, epoch),
                     qPrintable(QString::number(epoch)));
        }
    }

    // A volume whose 4th axis is time trains as the packets do: t varies,
    // and its kept parameters give its losses again.
    void aMovingVolumeTrainsAndReplays() {
        std::vector<float> voxels(6 * 6 * 6 * 3);
        for (size_t i = 0; i < voxels.size(); ++i) {
            voxels[i] = std::sin(0.3f * float(i % 216) + float(i / 216));
        }
        ExperimentConfig config;
        config.data.kind = DataKind::Volume;
        config.data.volumePath =
            dir_.fileWith("wave.npy", npyBytes("<f4", "(6, 6, 6, 3)", payloadOf(voxels)))
                .toStdString();
        config.data.fourthAxis = FourthAxis::Time;
        config.model.waves = 8;
        KeepingSink sink;
        const auto result = driven(config, 30, 1e-2, sink);
        QCOMPARE(sink.data.setup.gridShape, (std::vector<int64_t>{6, 6, 6}));
        QCOMPARE(sink.data.targets.size(), voxels.size());
        QCOMPARE(sink.data.time.back(), 2.0f);
        QVERIFY(result.lossHistory.back() < result.lossHistory.front());
        QVERIFY(replaysExactly(config, sink, result, 29));
    }

    void aSoundGivesAChannelPerOutputOnTimeFromMinusOneToOne() {
        const auto stereo = savedWav(dir_, "stereo.wav", 2, 4000);
        QString error;
        const auto signal = readAudioSignal(stereo, {}, &error);
        QVERIFY2(signal, qPrintable(error));
        QCOMPARE(signal->channels, 2);
        QCOMPARE(signal->shape, (std::vector<int64_t>{4000}));
        QCOMPARE(signal->extent, (std::vector<std::pair<double, double>>{{-1.0, 1.0}}));
        // 16-bit PCM: within a step of 2^-15 of what was written.
        QVERIFY(std::abs(signal->values[2 * 100 + 1] - 0.5f * std::sin(2.0f)) < 1.0f / 32768);
        QVERIFY2(QString::fromStdString(signal->description)
                     .contains("0.500 s at 8000 Hz (4000 samples), stereo; time on [-1, 1]"),
                 signal->description.c_str());

        // A part: --seconds 0.1:0.2 is samples 800 to 1599.
        const auto part = readAudioSignal(stereo, QStringLiteral("0.1:0.2"), &error);
        QVERIFY2(part, qPrintable(error));
        QCOMPARE(part->shape, (std::vector<int64_t>{800}));
        QCOMPARE(part->values[0], signal->values[2 * 800]);

        // FLAC too, mono.
        const auto flac =
            savedWav(dir_, "mono.flac", 1, 500, 16000, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
        const auto mono = readAudioSignal(flac, {}, &error);
        QVERIFY2(mono, qPrintable(error));
        QCOMPARE(mono->channels, 1);
    }

    void badSoundsGiveOneErrorNamingTheFile_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("seconds");
        QTest::addColumn<QString>("message");
        const auto wav = savedWav(dir_, "voice.wav", 1, 8000);
        QFile whole(wav);
        whole.open(QIODevice::ReadOnly);
        const auto bytes = whole.readAll();
        QTest::newRow("missing") << dir_.filePath("gone.wav") << QString() << "no such file";
        QTest::newRow("not a sound") << dir_.fileWith("notes.wav", "words, not samples\n")
                                     << QString() << "not a sound libsndfile reads";
        QTest::newRow("six channels") << savedWav(dir_, "surround.wav", 6, 100) << QString()
                                      << "it has 6 channels; DREDGE Studio fits mono or stereo";
        QTest::newRow("past its end") << wav << QStringLiteral("0.5:3")
                                      << "--seconds 0.5:3 is not START:END within its 1.000 s";
        QTest::newRow("a header alone")
            << dir_.fileWith("header.wav", bytes.left(44)) << QString() << "it holds 0 samples";
    }
    void badSoundsGiveOneErrorNamingTheFile() {
        QFETCH(QString, path);
        QFETCH(QString, seconds);
        QFETCH(QString, message);
        QString error;
        QVERIFY(!readAudioSignal(path, seconds, &error));
        QVERIFY2(error.startsWith(QStringLiteral("audio ") + path + u':'), qPrintable(error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    // A stereo sound trains on its two channels and replays exactly.
    void aStereoSoundTrainsAndReplays() {
        ExperimentConfig config;
        config.data.kind = DataKind::Audio;
        config.data.audioPath = savedWav(dir_, "duet.wav", 2, 600).toStdString();
        config.model.kind = ModelKind::Siren;
        config.model.hidden = 16;
        KeepingSink sink;
        const auto result = driven(config, 30, 1e-3, sink);
        QCOMPARE(sink.data.setup.outputs, 2);
        QCOMPARE(sink.data.targets.size(), size_t(1200));
        QVERIFY(result.lossHistory.back() < result.lossHistory.front());
        QVERIFY(replaysExactly(config, sink, result, 29));
        QCOMPARE(sink.data.setup.sampleRate, 8000.0); // the spectrogram's frequency axis
    }

    // The spectrogram reads a sine at its frequency and level: amplitude 1 at
    // 0 dB, 0.1 at −20 dB; nothing elsewhere; the error of a perfect fit at the
    // floor. One channel of two is read through the stride.
    void aSpectrogramReadsASineAtItsFrequencyAndLevel() {
        constexpr double rate = 8000.0, hertz = 1000.0; // bin 128 of 1024
        constexpr int64_t frames = 20000;
        std::vector<float> stereo(size_t(2 * frames));
        for (int64_t i = 0; i < frames; ++i) {
            const double phase = 2.0 * M_PI * hertz * double(i) / rate;
            stereo[size_t(2 * i)] = float(std::sin(phase));
            stereo[size_t(2 * i + 1)] = float(0.1 * std::cos(phase));
        }
        for (int channel = 0; channel < 2; ++channel) {
            const auto s = spectrogramOf(stereo.data() + channel, nullptr, frames, 2, rate);
            QCOMPARE(s.bins, int64_t(513));
            QCOMPARE(s.hertzPerBin, rate / 1024.0);
            QVERIFY(s.frames > 50 && s.frames <= SpectrogramShape{}.maxFrames);
            QCOMPARE(s.firstSecond, 512.0 / rate);
            const float expected = channel == 0 ? 0.0f : -20.0f;
            for (const int64_t f : {int64_t(0), s.frames / 2, s.frames - 1}) {
                const float* column = s.decibels.data() + f * s.bins;
                QVERIFY2(std::abs(column[128] - expected) < 0.01f,
                         qPrintable(QString::number(column[128])));
                QVERIFY(*std::max_element(column, column + s.bins) == column[128]);
                QVERIFY(column[300] < expected - 60.0f); // far from the sine: leakage only
            }
        }
        const auto perfect =
            spectrogramOf(stereo.data(), stereo.data(), frames, 2, rate, {256, 100});
        QCOMPARE(perfect.frames, int64_t(100));
        QCOMPARE(perfect.bins, int64_t(129));
        QVERIFY(std::all_of(perfect.decibels.begin(), perfect.decibels.end(),
                            [](float db) { return db == float(kSpectrogramFloorDb); }));
        QCOMPARE(spectrogramOf(stereo.data(), nullptr, 15, 2, rate).frames, int64_t(0));
        // A short sound takes a shorter window: 100 samples → 64.
        QCOMPARE(spectrogramOf(stereo.data(), nullptr, 100, 2, rate).bins, int64_t(33));
    }

    void aTableTakesItsNamedColumnsRowByRow() {
        const auto path = dir_.fileWith("flow.csv", "# a comment line\n"
                                                    "\"y\"; x ;note; t;u;v\n"
                                                    "0.5;1;first;0;10;-1\n"
                                                    "\n"
                                                    "-0.5; 2 ;;0.25;20;-2\n"
                                                    "# rows may be commented out\n"
                                                    "1.5;3;x;0.5;30;-3\n");
        QString error;
        const auto table = readTableSignal(path, "x, y, t", "v,u", &error);
        QVERIFY2(table, qPrintable(error));
        QVERIFY(table->scattered());
        QCOMPARE(table->dims, 2);
        QCOMPARE(table->channels, 2);
        QCOMPARE(table->shape, (std::vector<int64_t>{3}));
        // In the order the lists name them, not the file's.
        QCOMPARE(table->coords, (std::vector<float>{1, 0.5f, 2, -0.5f, 3, 1.5f}));
        QCOMPARE(table->pointTimes, (std::vector<float>{0, 0.25f, 0.5f}));
        QCOMPARE(table->values, (std::vector<float>{-1, 10, -2, 20, -3, 30}));
        QCOMPARE(QString::fromStdString(table->description), "flow.csv, 3 rows: x, y, t → v,u");
        const auto data = makeSampledDataset(*table);
        QCOMPARE(data.coords.sizes(), (at::IntArrayRef{3, 2}));
        QCOMPARE(data.target[2][1].item<float>(), 30.0f);
        QCOMPARE(data.time[1].item<float>(), 0.25f);
        QVERIFY(data.timeVaries);
    }

    void badTablesGiveOneErrorNamingTheFile_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::newRow("no such column") << dir_.fileWith("a.csv", "x,y,u\n1,2,3\n")
                                        << "it has no column \"z\"; its columns are x, y, u";
        QTest::newRow("not a number") << dir_.fileWith("b.csv", "x,y,z,u\n1,2,3,4\n1,two,3,4\n")
                                      << "line 3, column \"y\": \"two\" is no finite number";
        QTest::newRow("infinite") << dir_.fileWith("c.csv", "x,y,z,u\n1,2,3,inf\n")
                                  << "line 2, column \"u\": \"inf\" is no finite number";
        QTest::newRow("a field missing")
            << dir_.fileWith("d.csv", "x,y,z,u\n1,2,3\n") << "line 2 has 3 fields, its header 4";
        QTest::newRow("no rows") << dir_.fileWith("e.csv", "x,y,z,u\n# nothing\n")
                                 << "it has a header and no rows";
        QTest::newRow("empty") << dir_.fileWith("f.csv", "\n\n") << "it has no header line";
        QTest::newRow("missing") << dir_.filePath("gone.csv") << "no such file";
    }
    void badTablesGiveOneErrorNamingTheFile() {
        QFETCH(QString, path);
        QFETCH(QString, message);
        QString error;
        QVERIFY(!readTableSignal(path, "x,y,z", "u", &error));
        QVERIFY2(error.startsWith(QStringLiteral("table ") + path + u':'), qPrintable(error));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void aTableNeedsItsColumnsNamedOnce_data() {
        QTest::addColumn<QString>("inputs");
        QTest::addColumn<QString>("outputs");
        QTest::addColumn<QString>("message");
        const char* rows[][4] = {
            {"no inputs", "", "u", "needs its input and output columns named"},
            {"twice", "x,y", "y", "column \"y\" is named twice"},
            {"empty name", "x,,y", "u", "has an empty name"},
            {"time out", "x", "t", "column t is time, an input"},
            {"only time", "t", "u", "1 to 7 inputs besides t, not 0"},
            {"eight", "a,b,c,d,e,f,g,h", "u", "1 to 7 inputs besides t, not 8"},
        };
        for (const auto& row : rows) {
            QTest::newRow(row[0]) << row[1] << row[2] << row[3];
        }
    }
    void aTableNeedsItsColumnsNamedOnce() {
        QFETCH(QString, inputs);
        QFETCH(QString, outputs);
        QFETCH(QString, message);
        DataConfig data;
        data.kind = DataKind::Table;
        data.tablePath = "points.csv";
        data.tableInputs = inputs.toStdString();
        data.tableOutputs = outputs.toStdString();
        const auto problem = QString::fromStdString(validate(data));
        QVERIFY2(problem.contains(message), qPrintable(problem));
    }

    void aTableOfPointsTrainsAndReplays() {
        QByteArray csv = "x,y,t,u,v\n";
        for (int i = 0; i < 150; ++i) { // scattered, not a grid
            const double x = std::sin(1.7 * i), y = std::cos(2.3 * i), t = (i % 5) * 0.25;
            csv += QStringLiteral("%1,%2,%3,%4,%5\n")
                       .arg(x)
                       .arg(y)
                       .arg(t)
                       .arg(std::sin(2 * x + y - t))
                       .arg(x * y)
                       .toLatin1();
        }
        ExperimentConfig config;
        config.data.kind = DataKind::Table;
        config.data.tablePath = dir_.fileWith("field.csv", csv).toStdString();
        config.data.tableInputs = "x,y,t";
        config.data.tableOutputs = "u,v";
        config.model.kind = ModelKind::Siren;
        config.model.hidden = 16;
        KeepingSink sink;
        const auto result = driven(config, 40, 1e-3, sink);
        QCOMPARE(sink.data.setup.dims, 2);
        QCOMPARE(sink.data.setup.outputs, 2);
        QCOMPARE(sink.data.targets.size(), size_t(300));
        QVERIFY(result.lossHistory.back() < result.lossHistory.front());
        QVERIFY(replaysExactly(config, sink, result, 39));
    }

    void aFileChoosesItsDataSet() {
        QString error;
        const auto png = savedPng(dir_, "choose.png", greyRamp(6, 4));
        const auto nii = nibabelVolume("standard.nii.gz");
        const auto wav = savedWav(dir_, "choose.wav", 1, 100);
        const auto pairs = dir_.fileWith("pairs.csv", "x,y\n0,1\n1,2\n");
        const auto table = dir_.fileWith("wide.csv", "# made by hand\nx;y;t;u;v\n0;1;0;2;3\n");
        const std::pair<QString, DataKind> cases[] = {
            {png, DataKind::Image},       {nii, DataKind::Volume},  {wav, DataKind::Audio},
            {pairs, DataKind::CsvSignal}, {table, DataKind::Table},
        };
        for (const auto& [path, kind] : cases) {
            DataConfig data;
            QVERIFY2(chooseDataFile(data, path, &error), qPrintable(error));
            QCOMPARE(data.kind, kind);
            QCOMPARE(dataSourceFile(data), path);
            QVERIFY(data.samples || kind == DataKind::CsvSignal);
        }
        DataConfig data;
        QVERIFY(chooseDataFile(data, table, &error));
        QCOMPARE(data.tableInputs, std::string("x,y,t,u"));
        QCOMPARE(data.tableOutputs, std::string("v"));
        // Refused, naming the file, and nothing changed.
        const auto fake = dir_.fileWith("fake.npy", "not numbers");
        QVERIFY(!chooseDataFile(data, fake, &error));
        QVERIFY2(error.contains(fake), qPrintable(error));
        QVERIFY(!chooseDataFile(data, dir_.fileWith("a.xyz", "?"), &error));
        QVERIFY2(error.contains("neither an image, a volume"), qPrintable(error));
        QCOMPARE(data.kind, DataKind::Table);
        QCOMPARE(dataSourceFile(data), table);
    }

private:
    ScratchFolder dir_;
};

QTEST_GUILESS_MAIN(TestSignalFiles)
#include "test_signal_files.moc"
