// Data of docs/reference.md §2 against closed-form values at chosen indices, the zero
// baselines of docs/reference.md §6, and the CSV loader's acceptance and error messages.

#include "CsvSignal.h"
#include "DataRows.h"
#include "Datasets.h"
#include "GridSlice.h"
#include "ScratchFolder.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace dredge;

namespace {

double linspaceAt(double lo, double hi, int64_t count, int64_t i) {
    return lo + (hi - lo) * double(i) / double(count - 1);
}

double value(const at::Tensor& t, int64_t row, int64_t col = 0) {
    return t[row][col].item<double>();
}

} // namespace

class TestData : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void chirpMatchesClosedForm_data() {
        QTest::addColumn<qint64>("index");
        QTest::addColumn<bool>("glitched");
        for (auto [i, g] : {std::pair{0, false},
                            {250, false},
                            {499, false},
                            {500, true},
                            {525, true},
                            {549, true},
                            {550, false},
                            {999, false}}) {
            QTest::addRow("index %d", i) << qint64(i) << g;
        }
    }
    void chirpMatchesClosedForm() {
        QFETCH(qint64, index);
        QFETCH(bool, glitched);
        const auto data = makeGlitchyChirp();
        const double x = linspaceAt(-10, 10, 1000, index);
        double y = std::sin(0.5 * x * x) * std::exp(-0.1 * x * x);
        if (glitched) {
            y += 0.5 * std::sin(20 * x);
        }
        QVERIFY(std::abs(value(data.coords, index) - x) < 1e-5);
        QVERIFY2(std::abs(value(data.target, index) - y) < 2e-5,
                 qPrintable(QString("%1 vs %2").arg(value(data.target, index)).arg(y)));
        // The glitch term is large enough that the check above tells the two apart.
        QVERIFY(std::abs(0.5 * std::sin(20 * x)) > 1e-3);
    }

    void chirpShapes() {
        const auto data = makeGlitchyChirp();
        QCOMPARE(data.coords.sizes().vec(), (std::vector<int64_t>{1000, 1}));
        QCOMPARE(data.time.sizes().vec(), (std::vector<int64_t>{1000}));
        QCOMPARE(data.target.sizes().vec(), (std::vector<int64_t>{1000, 1}));
        QCOMPARE(data.coords.scalar_type(), at::kFloat);
        QVERIFY(at::equal(data.time, at::zeros({1000})));
        QCOMPARE(data.gridShape, (std::vector<int64_t>{1000}));
    }

    void volumeMatchesClosedForm() {
        const int64_t G = 20;
        const auto data = makeVolume4d(G);
        QCOMPARE(data.coords.sizes().vec(), (std::vector<int64_t>{G * G * G, 3}));
        QCOMPARE(data.gridShape, (std::vector<int64_t>{G, G, G}));
        for (auto [i, j, k] :
             {std::tuple{0, 0, 0}, {3, 7, 11}, {19, 0, 5}, {10, 10, 9}, {19, 19, 19}}) {
            const int64_t row = (i * G + j) * G + k; // 'ij' indexing: last axis fastest
            const double x = linspaceAt(-5, 5, G, i), y = linspaceAt(-5, 5, G, j),
                         z = linspaceAt(-5, 5, G, k);
            const double s = std::exp(-0.5 * (x * x + y * y + z * z)) * std::sin(2 * x) *
                             std::cos(2 * y) * std::sin(2 * z);
            QVERIFY(std::abs(value(data.coords, row, 0) - x) < 1e-5);
            QVERIFY(std::abs(value(data.coords, row, 1) - y) < 1e-5);
            QVERIFY(std::abs(value(data.coords, row, 2) - z) < 1e-5);
            QVERIFY(std::abs(value(data.target, row) - s) < 1e-6);
        }
    }

    // A slice's rows hold the points whose shown coordinates run over the
    // grid and whose other coordinates sit at the fixed indices.
    void aGridSliceReadsTheRightPoints() {
        const int64_t G = 6;
        const auto data = makeHyper6d(G);
        GridSlice slice{{G, G, G, G, G}, 3, 1, {2, 0, 5, 0, 1}, 0};
        const auto rows = sliceRows(slice);
        QCOMPARE(rows.size(), size_t(G * G));
        for (int64_t a = 0; a < G; ++a) {
            for (int64_t u = 0; u < G; ++u) {
                const auto row = int64_t(rows[size_t(a * G + u)]);
                const auto at = [&](int axis, int64_t index) {
                    return std::abs(value(data.coords, row, axis) - linspaceAt(-3, 3, G, index)) <
                           1e-5;
                };
                QVERIFY(at(3, a) && at(1, u) && at(0, 2) && at(2, 5) && at(4, 1));
            }
        }
        slice.fixed[0] = G; // off the grid
        QVERIFY(sliceRows(slice).empty());
        slice.fixed[0] = 0;
        slice.up = slice.across;
        QVERIFY(sliceRows(slice).empty());
    }

    void hyperGridMatchesClosedForm() {
        const int64_t G = 8;
        const auto data = makeHyper6d(G);
        QCOMPARE(data.coords.sizes().vec(), (std::vector<int64_t>{32768, 5}));
        QCOMPARE(data.target.sizes().vec(), (std::vector<int64_t>{32768, 1}));
        const std::vector<std::array<int64_t, 5>> picks = {
            {0, 0, 0, 0, 0}, {1, 2, 3, 4, 5}, {7, 6, 5, 4, 3}, {4, 4, 3, 3, 7}, {7, 7, 7, 7, 7}};
        for (const auto& idx : picks) {
            int64_t row = 0;
            double x[5];
            for (int d = 0; d < 5; ++d) {
                row = row * G + idx[d];
                x[d] = linspaceAt(-3, 3, G, idx[d]);
            }
            double r2 = 0;
            for (double xi : x) {
                r2 += xi * xi;
            }
            const double s = std::exp(-0.1 * r2) * std::sin(x[0] + x[1]) * std::cos(x[2]) *
                             std::sin(x[3] - x[4]) * std::cos(x[1] * x[3]);
            for (int d = 0; d < 5; ++d) {
                QVERIFY(std::abs(value(data.coords, row, d) - x[d]) < 1e-5);
            }
            QVERIFY(std::abs(value(data.target, row) - s) < 1e-6);
        }
    }

    void zeroPredictorBaselinesMatchTheSpec() {
        // docs/reference.md §6: chirp 0.0709, 4-D (G = 20) 5.86e-4, 6-D (G = 8) 4.18e-3.
        const auto mse = [](const Dataset& d) { return d.target.square().mean().item<double>(); };
        QVERIFY(std::abs(mse(makeGlitchyChirp()) - 0.0709) < 5e-5);
        QVERIFY(std::abs(mse(makeVolume4d(20)) - 5.86e-4) < 5e-7);
        QVERIFY(std::abs(mse(makeHyper6d(8)) - 4.18e-3) < 5e-6);
    }

    void configSelectsDataAndGrid() {
        DataConfig config;
        config.kind = DataKind::Hyper6d;
        QCOMPARE(makeDataset(config).coords.size(0), int64_t(32768)); // default G = 8
        config.grid = 4;
        QCOMPARE(makeDataset(config).coords.size(0), int64_t(1024));
        config.grid = 1;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeDataset(config));
        config.grid = 1000; // 10^15 points
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeDataset(config));
    }

    // One rank's shard of a data-parallel run is made alone (makeDatasetPart),
    // bit for bit as the whole data set has those rows, wherever the part
    // starts and ends (not on the 4,096-row blocks the values are made in
    // either), and knows where it lies among all points.
    void aPartIsTheWholesRowsBitForBit_data() {
        addDataSetColumns();
        QTest::newRow("4-D 30³") << int(DataKind::Volume4d) << 30 << 1;
        QTest::newRow("6-D 7⁵") << int(DataKind::Hyper6d) << 7 << 1;
        QTest::newRow("1-D packet, 40 instants") << int(DataKind::Packet1d) << 0 << 40;
        QTest::newRow("4-D packet, 6 instants") << int(DataKind::Packet4d) << 14 << 6;
        QTest::newRow("chirp") << int(DataKind::Chirp) << 0 << 1;
    }
    void aPartIsTheWholesRowsBitForBit() {
        const auto config = fetchedDataSet();
        const auto whole = makeDataset(config);
        const int64_t n = whole.coords.size(0);
        QCOMPARE(whole.allPoints, n);
        for (const auto& [first, end] : {std::pair<int64_t, int64_t>{0, n},
                                         {n / 3 + 17, n - 5},
                                         {n - 1, n},
                                         {4096 % n, std::min(n, int64_t(8192))}}) {
            const auto part =
                makeDatasetPart(config, [&, first = first, end = end](int64_t points) {
                    return std::pair{points == n ? first : -1, end};
                });
            QCOMPARE(part.firstPoint, first);
            QCOMPARE(part.allPoints, n);
            QCOMPARE(part.timeVaries, whole.timeVaries);
            QCOMPARE(part.gridShape, whole.gridShape);
            QCOMPARE(part.description, whole.description);
            QCOMPARE(part.gridAxes.size(), whole.gridAxes.size());
            for (const auto& [mine, theirs] : {std::pair{part.coords, whole.coords},
                                               {part.time, whole.time},
                                               {part.target, whole.target}}) {
                const auto rows = theirs.narrow(0, first, end - first);
                QCOMPARE(mine.sizes().vec(), rows.sizes().vec());
                QVERIFY(at::equal(mine.view(at::kInt), rows.contiguous().view(at::kInt)));
            }
        }
        QCOMPARE(whole.timeVaries, config.times > 1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeDatasetPart(config, [](int64_t points) {
                                     return std::pair{points - 1, points + 1};
                                 }));
    }

    void csvAcceptsCommonLayouts() {
        const auto s =
            parseCsvSignal("# recorded 2026-11-25\nx,y\n0, 1.5\n\n1;-2e-1\r\n2\t3\n# end\n");
        QCOMPARE(s.x, (std::vector<double>{0, 1, 2}));
        QCOMPARE(s.y, (std::vector<double>{1.5, -0.2, 3}));
        const auto noHeader = parseCsvSignal("0.5,1\n1.5,2");
        QCOMPARE(noHeader.x, (std::vector<double>{0.5, 1.5}));
    }

    void csvErrorsNameLineAndReason_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("reason");
        QTest::newRow("empty") << QByteArray("") << 0 << "no data rows";
        QTest::newRow("header only") << QByteArray("x,y\n") << 0 << "no data rows";
        QTest::newRow("one column") << QByteArray("x,y\n1,2\n3\n") << 3 << "found one";
        QTest::newRow("three columns") << QByteArray("1,2\n3,4,5\n") << 2 << "found more";
        QTest::newRow("not a number") << QByteArray("1,2\n3,abc\n") << 2 << "not a number: 'abc'";
        QTest::newRow("trailing junk") << QByteArray("1,2x\n") << 1 << "not a number: '2x'";
        QTest::newRow("NaN") << QByteArray("1,2\n\n3,nan\n") << 3 << "not finite";
        QTest::newRow("infinity") << QByteArray("inf,2\n") << 1 << "not finite";
        QTest::newRow("second header") << QByteArray("x,y\na,b\n") << 2 << "not a number";
        QTest::newRow("empty field") << QByteArray("1,\n") << 1 << "not a number: ''";
    }
    void csvErrorsNameLineAndReason() {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(QString, reason);
        try {
            parseCsvSignal(text.toStdString());
            QFAIL("accepted a malformed file");
        } catch (const CsvError& e) {
            QCOMPARE(e.line(), line);
            QVERIFY2(QString(e.what()).contains(reason), e.what());
            if (line > 0) {
                QVERIFY(QString(e.what()).startsWith(QString("line %1: ").arg(line)));
            }
        }
    }

    // One rank's share of a CSV signal keeps its rows alone, but every row is
    // read and checked, so every rank refuses a bad file alike.
    void aCsvPartIsTheWholesRowsAndChecksEveryRow() {
        ScratchFolder dir;
        QByteArray text = "# a comment\nx,y\n";
        for (int i = 0; i < 10000; ++i) {
            text += QByteArray::number(i * 1e-3, 'g', 17) + ',' +
                    QByteArray::number(std::sin(i * 0.01), 'g', 17) + (i % 7 ? "\n" : "\n\n");
        }
        DataConfig config;
        config.kind = DataKind::CsvSignal;
        config.csvPath = dir.fileWith("signal.csv", text).toStdString();
        const auto whole = makeDataset(config);
        const int64_t n = whole.coords.size(0), first = n / 3 + 17, end = n - 5;
        QCOMPARE(n, 10000);
        const auto part = makeDatasetPart(config, [&](int64_t points) {
            return std::pair{points == n ? first : -1, end};
        });
        QCOMPARE(part.firstPoint, first);
        QCOMPARE(part.allPoints, n);
        QCOMPARE(part.description, whole.description);
        QCOMPARE(part.gridShape, whole.gridShape);
        for (const auto& [mine, theirs] : {std::pair{part.coords, whole.coords},
                                           {part.time, whole.time},
                                           {part.target, whole.target}}) {
            QVERIFY(at::equal(mine, theirs.narrow(0, first, end - first)));
        }
        config.csvPath = dir.fileWith("bad.csv", text + "1,nan\n").toStdString();
        try {
            makeDatasetPart(config, [](int64_t) { return std::pair<int64_t, int64_t>{0, 10}; });
            QFAIL("a bad row after the part was accepted");
        } catch (const CsvError& e) {
            QVERIFY2(QString(e.what()).contains("not finite"), e.what());
        }
    }

    void csvFileBecomesDataset() {
        ScratchFolder dir;
        const auto path = dir.fileWith("signal.csv", "x,y\n-1,0.5\n0,0.25\n1,-0.75\n");
        QVERIFY(!path.isEmpty());
        DataConfig config;
        config.kind = DataKind::CsvSignal;
        config.csvPath = path.toStdString();
        const auto data = makeDataset(config);
        QCOMPARE(data.coords.sizes().vec(), (std::vector<int64_t>{3, 1}));
        QCOMPARE(value(data.coords, 2), 1.0);
        QCOMPARE(value(data.target, 1), 0.25);
        QVERIFY(at::equal(data.time, at::zeros({3})));

        config.csvPath = dir.filePath("missing.csv").toStdString();
        try {
            makeDataset(config);
            QFAIL("a missing file was accepted");
        } catch (const CsvError& e) {
            QVERIFY(QString(e.what()).contains("cannot open"));
        }
    }
};

QTEST_GUILESS_MAIN(TestData)
#include "test_data.moc"
