// A user's own images as data (issue 31): what each kind of picture becomes
// (grey, colour, alpha, 16-bit, palette, resized), the data set and models of
// C outputs made from it, a whole run on one replayed bit for bit from its
// kept parameters, and one clear error naming the file for each bad input.

#include "Datasets.h"
#include "FieldEvaluator.h"
#include "ModelFactory.h"
#include "ParameterReplay.h"
#include "RunDriver.h"
#include "ScratchFolder.h"
#include "SignalFiles.h"

#include <QBuffer>
#include <QImage>
#include <QtEndian>
#include <QtTest>
#include <cmath>

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
        config.train.epochs = 60;
        config.train.learningRate = 1e-3;
        struct Keeping : RunSink {
            RunData data;
            ParameterFrames kept;
            void ready(const Trainer& trainer) override {
                data = RunData{trainer.setup(), trainer.trainingCoordinates(),
                               trainer.trainingTargets(), trainer.trainingTimes()};
            }
            void progress(const ProgressBatch&) override {}
            void parameters(const ParameterFrames& frames) override { kept.merge(frames); }
        } sink;
        RunDrive drive;
        drive.config = config; // the file is read by the driver
        const auto result = driveRun(drive, sink);
        QCOMPARE(result.epochsDone, int64_t(60));
        QCOMPARE(sink.data.setup.outputs, 3);
        QCOMPARE(sink.data.targets.size(), size_t(12 * 8 * 3));
        QVERIFY(result.lossHistory.back() < 0.5 * result.lossHistory.front());
        // Kept parameters give the run's own loss at every epoch (Every epoch exact).
        ParameterReplay replay(config, 2, sink.data.setup.outputs);
        for (const int64_t epoch : {0, 30, 59}) {
            const auto* replayed = replay.at(sink.data, sink.kept, size_t(epoch));
            QVERIFY(replayed);
            QCOMPARE(replayed->values.size(), sink.data.targets.size());
            const double loss = result.lossHistory[size_t(epoch)];
            QVERIFY2(
                std::abs(replayed->mse - loss) <= 1e-6 * loss,
                qPrintable(QString("epoch %1: %2 vs %3").arg(epoch).arg(replayed->mse).arg(loss)));
        }
    }

private:
    ScratchFolder dir_;
};

QTEST_GUILESS_MAIN(TestSignalFiles)
#include "test_signal_files.moc"
