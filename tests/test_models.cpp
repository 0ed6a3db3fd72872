// Models of docs/reference.md §1: outputs for hand-set parameters against values computed
// here independently in double precision, shapes, parameter counts,
// initialisation, and analytic gradients against finite differences.

#include "FieldEvaluator.h"
#include "InterferenceBasis.h"
#include "ModelFactory.h"
#include "OneThreadTestMain.h"
#include "RandomFourierFeatures.h"
#include "Siren.h"
#include "WaveEnsemble.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QtTest>
#include <cmath>
#include <functional>
#include <vector>

using namespace dredge;

namespace {

using Matrix = std::vector<std::vector<double>>;

at::Tensor fromMatrix(const Matrix& m) {
    const auto rows = int64_t(m.size()), cols = int64_t(m.front().size());
    auto t = at::empty({rows, cols}, at::kDouble);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            t[r][c] = m[size_t(r)][size_t(c)];
        }
    }
    return t;
}

at::Tensor fromVector(const std::vector<double>& v) {
    return at::tensor(v, at::kDouble);
}

void assign(at::Tensor& parameter, const at::Tensor& value) {
    at::NoGradGuard noGrad;
    parameter.copy_(value.reshape(parameter.sizes()));
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        s += a[i] * b[i];
    }
    return s;
}

// Central differences of a scalar function of every parameter element,
// compared with autograd, all in double precision.
void checkGradients(FieldModel& model, const at::Tensor& x, const at::Tensor& t) {
    const auto weights = at::linspace(0.3, 1.7, x.size(0), at::kDouble).unsqueeze(1);
    const auto objective = [&] { return (model.forward(x, t) * weights).sum(); };
    model.zero_grad(true);
    objective().backward();
    const double h = 1e-6;
    for (const auto& item : model.named_parameters()) {
        auto p = item.value();
        const auto grad = p.grad();
        QVERIFY2(grad.defined(), item.key().c_str());
        auto flat = p.data().view(-1);
        for (int64_t i = 0; i < flat.numel(); ++i) {
            at::NoGradGuard noGrad;
            const double original = flat[i].item<double>();
            flat[i] = original + h;
            const double up = objective().item<double>();
            flat[i] = original - h;
            const double down = objective().item<double>();
            flat[i] = original;
            const double numeric = (up - down) / (2 * h);
            const double analytic = grad.view(-1)[i].item<double>();
            const double tolerance = 1e-6 * std::max(1.0, std::abs(numeric));
            if (std::abs(numeric - analytic) > tolerance) {
                QFAIL(qPrintable(QString("%1[%2]: analytic %3, numeric %4")
                                     .arg(item.key().c_str())
                                     .arg(i)
                                     .arg(analytic, 0, 'g', 12)
                                     .arg(numeric, 0, 'g', 12)));
            }
        }
    }
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void waveEnsembleMatchesHandComputedValues_data() {
        QTest::addColumn<int>("dims");
        QTest::newRow("1-D") << 1;
        QTest::newRow("3-D (the 4D wave)") << 3;
        QTest::newRow("5-D (the 6D wave)") << 5;
    }
    void waveEnsembleMatchesHandComputedValues() {
        QFETCH(int, dims);
        const int n = 3;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
        WaveEnsemble model(dims, n, gen);
        model.to(at::kDouble);

        // Hand-set, distinct values per wave and dimension.
        Matrix k(n), v(n), lambda(n);
        std::vector<double> A, omega, logSigma, phi, eps;
        for (int i = 0; i < n; ++i) {
            for (int d = 0; d < dims; ++d) {
                k[i].push_back(0.4 + 0.3 * i - 0.2 * d);
                v[i].push_back(-0.5 + 0.25 * i + 0.1 * d);
                lambda[i].push_back(0.7 - 0.15 * i + 0.05 * d);
            }
            A.push_back(1.0 + 0.5 * i);
            omega.push_back(0.9 - 0.6 * i);
            logSigma.push_back(0.1 * i - 0.05);
            phi.push_back(0.3 + 0.2 * i);
            eps.push_back(0.1 + 0.05 * i);
        }
        assign(model.k, fromMatrix(k));
        assign(model.velocity, fromMatrix(v));
        assign(model.lambda, fromMatrix(lambda));
        assign(model.amplitude, fromVector(A));
        assign(model.omega, fromVector(omega));
        assign(model.logSigma, fromVector(logSigma));
        assign(model.phi, fromVector(phi));
        assign(model.epsilon, fromVector(eps));
        const std::vector<double> w = {0.5, -1.25, 0.75};
        assign(model.head->weight, fromVector(w));
        assign(model.head->bias, fromVector({0.2}));

        Matrix xs = {std::vector<double>(size_t(dims), 0.0), {}, {}};
        for (int d = 0; d < dims; ++d) {
            xs[1].push_back(0.3 + 0.1 * d);
            xs[2].push_back(-1.2 + 0.45 * d);
        }
        const std::vector<double> ts = {0.0, 0.7, -0.4};
        const auto out = model.forward(fromMatrix(xs), fromVector(ts));
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{3, 1}));

        for (size_t p = 0; p < xs.size(); ++p) {
            double expected = 0.2;
            for (int i = 0; i < n; ++i) {
                const auto& x = xs[p];
                const double t = ts[p];
                double r2 = 0.0;
                for (int d = 0; d < dims; ++d) {
                    r2 += std::pow(x[d] - v[i][d] * t, 2);
                }
                const double sigma = std::exp(logSigma[i]);
                const double psi = A[i] * std::cos(dot(k[i], x) - omega[i] * t) *
                                   std::exp(-0.5 * r2 / (sigma * sigma)) *
                                   std::sin(phi[i] + eps[i] * std::cos(dot(lambda[i], x)));
                expected += w[i] * psi;
            }
            QVERIFY(std::abs(out[int64_t(p)][0].item<double>() - expected) < 1e-12);
        }
    }

    void interferenceMatchesHandComputedValues() {
        const int dims = 2, F = 2, outFeatures = 2;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
        InterferenceBasis model(dims, F, outFeatures, gen);
        model.to(at::kDouble);
        const std::vector<double> logSigma = {0.2,
                                              -3.0 * std::log(10.0) - 1.0}; // 2nd clamps to 1e-3
        const std::vector<double> v = {0.3, -0.2}, A = {1.5, 0.8}, omega = {0.7, -1.1};
        const std::vector<double> phi = {0.1, 0.4}, eps = {0.2, 0.05};
        const Matrix k = {{0.5, -0.3}, {1.2, 0.4}}, lambda = {{0.9, 0.2}, {-0.6, 0.8}};
        const Matrix W = {{0.3, -0.7, 0.2, 0.9}, {-0.4, 0.1, 0.6, -0.2}};
        assign(model.logSigma, fromVector(logSigma));
        assign(model.velocity, fromVector(v));
        assign(model.amplitude, fromVector(A));
        assign(model.omega, fromVector(omega));
        assign(model.phi, fromVector(phi));
        assign(model.epsilon, fromVector(eps));
        assign(model.k, fromMatrix(k));
        assign(model.lambda, fromMatrix(lambda));
        assign(model.superposition->weight, fromMatrix(W));

        // Points within a few σ of the moving centre on the narrow axis (σ = 1e-3).
        const Matrix xs = {{0.1, 0.0}, {-0.4, -0.0996}, {0.8, 0.1597}}; // x₂ − v₂t = 0, 4e-4, −3e-4
        const std::vector<double> ts = {0.0, 0.5, -0.8};
        const auto out = model.forward(fromMatrix(xs), fromVector(ts));
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{3, 2}));

        const double sigma[2] = {std::exp(0.2), 1e-3};
        for (size_t p = 0; p < xs.size(); ++p) {
            const auto& x = xs[p];
            const double t = ts[p];
            double zz = 0.0;
            for (int d = 0; d < dims; ++d) {
                zz += std::pow((x[d] - v[d] * t) / sigma[d], 2);
            }
            const double envelope =
                std::exp(-0.5 * zz) / (sigma[0] * sigma[1] * std::pow(2 * M_PI, dims / 2.0));
            std::vector<double> basis(2 * F);
            for (int f = 0; f < F; ++f) {
                const double modulation = std::sin(phi[f] + eps[f] * std::cos(dot(lambda[f], x)));
                const double arg = dot(k[f], x) - omega[f] * t;
                basis[f] = A[f] * std::cos(arg) * envelope * modulation;
                basis[F + f] = A[f] * std::sin(arg) * envelope * modulation;
            }
            for (int o = 0; o < outFeatures; ++o) {
                const double expected = dot(W[o], basis);
                const double got = out[int64_t(p)][o].item<double>();
                QVERIFY2(
                    std::abs(got - expected) < 1e-12 * std::max(1.0, std::abs(expected)),
                    qPrintable(
                        QString("point %1 out %2: %3 vs %4").arg(p).arg(o).arg(got).arg(expected)));
            }
        }
    }

    // The first layer's own w0 (the SIREN paper's first_omega_0) scales that
    // layer alone, in the fused sine layers and in the composed ops.
    void sirenMatchesHandComputedValues_data() {
        QTest::addColumn<double>("firstW0");
        QTest::addColumn<bool>("fused");
        QTest::newRow("w0 throughout, fused") << 0.0 << true;
        QTest::newRow("w0 throughout, composed") << 0.0 << false;
        QTest::newRow("first layer 3000, fused") << 3000.0 << true;
        QTest::newRow("first layer 3000, composed") << 3000.0 << false;
    }

    void sirenMatchesHandComputedValues() {
        QFETCH(double, firstW0);
        QFETCH(bool, fused);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
        Siren model(1, 2, 30.0, gen, 1, 1, firstW0);
        model.useFusedKernel = fused;
        model.to(at::kDouble);
        assign(model.first->weight, fromMatrix({{0.02}, {-0.035}}));
        assign(model.first->bias, fromVector({0.1, -0.05}));
        assign(model.second->weight, fromMatrix({{0.01, -0.02}, {0.03, 0.015}}));
        assign(model.second->bias, fromVector({0.0, 0.02}));
        assign(model.output->weight, fromMatrix({{0.6, -0.9}}));
        assign(model.output->bias, fromVector({0.05}));
        const std::vector<double> xs = {-1.0, 0.25, 2.0};
        const auto out =
            model.forward(fromMatrix({{xs[0]}, {xs[1]}, {xs[2]}}), at::zeros({3}, at::kDouble));
        const double first = firstW0 > 0.0 ? firstW0 : 30.0;
        for (size_t p = 0; p < xs.size(); ++p) {
            const double h0 = std::sin(first * (0.02 * xs[p] + 0.1));
            const double h1 = std::sin(first * (-0.035 * xs[p] - 0.05));
            const double g0 = std::sin(30 * (0.01 * h0 - 0.02 * h1 + 0.0));
            const double g1 = std::sin(30 * (0.03 * h0 + 0.015 * h1 + 0.02));
            const double expected = 0.6 * g0 - 0.9 * g1 + 0.05;
            QVERIFY2(std::abs(out[int64_t(p)][0].item<double>() - expected) < 1e-10,
                     qPrintable(QString::number(out[int64_t(p)][0].item<double>() - expected)));
        }
    }

    void rffMatchesHandComputedValues() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(4);
        RandomFourierFeatures model(2, 2, 5.0, gen);
        model.to(at::kDouble);
        const Matrix B = {{1.5, -0.5}, {0.25, 2.0}};
        model.frequencies.copy_(fromMatrix(B));
        const std::vector<double> w = {0.3, -0.6, 0.9, 0.1};
        assign(model.output->weight, fromVector(w));
        assign(model.output->bias, fromVector({-0.2}));
        const Matrix xs = {{0.5, -1.0}, {2.0, 0.3}};
        const auto out = model.forward(fromMatrix(xs), at::zeros({2}, at::kDouble));
        for (size_t p = 0; p < xs.size(); ++p) {
            const double a = xs[p][0] * B[0][0] + xs[p][1] * B[1][0];
            const double b = xs[p][0] * B[0][1] + xs[p][1] * B[1][1];
            const double expected = w[0] * std::sin(a) + w[1] * std::sin(b) + w[2] * std::cos(a) +
                                    w[3] * std::cos(b) - 0.2;
            QVERIFY(std::abs(out[int64_t(p)][0].item<double>() - expected) < 1e-12);
        }
    }

    void parameterCountsMatchTheSpec_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("size");
        QTest::addColumn<qint64>("expected");
        const auto wave = int(ModelKind::WaveEnsemble), interference = int(ModelKind::Interference);
        const auto siren = int(ModelKind::Siren), rff = int(ModelKind::RandomFourier);
        QTest::newRow("ensemble 1-D n=16") << wave << 1 << 16 << qint64(145);
        QTest::newRow("ensemble 4-D n=8") << wave << 3 << 8 << qint64(121);
        QTest::newRow("ensemble 6-D n=6") << wave << 5 << 6 << qint64(127);
        QTest::newRow("interference D=1 F=8") << interference << 1 << 8 << qint64(66);
        QTest::newRow("SIREN H=32") << siren << 1 << 32 << qint64(1153);
        QTest::newRow("SIREN H=64") << siren << 1 << 64 << qint64(4353);
        QTest::newRow("RFF M=128") << rff << 1 << 128 << qint64(257);
    }
    void parameterCountsMatchTheSpec() {
        QFETCH(int, kind);
        QFETCH(int, dims);
        QFETCH(int, size);
        QFETCH(qint64, expected);
        ModelConfig config;
        config.kind = ModelKind(kind);
        config.waves = config.fields = config.hidden = config.features = size;
        const auto model = makeModel(config, dims, uint64_t(0));
        QCOMPARE(model->parameterCount(), expected);
        // n·(5 + 3D) + n + 1 for the ensemble (docs/reference.md §1.2).
        if (config.kind == ModelKind::WaveEnsemble) {
            QCOMPARE(model->parameterCount(), qint64(size * (5 + 3 * dims) + size + 1));
        }
    }

    void outputShapes() {
        const auto x = at::randn({7, 3});
        const auto t = at::zeros({7});
        ModelConfig config;
        for (auto kind : {ModelKind::WaveEnsemble, ModelKind::Interference, ModelKind::Siren,
                          ModelKind::RandomFourier}) {
            config.kind = kind;
            const auto out = makeModel(config, 3, uint64_t(5))->forward(x, t);
            QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{7, 1}));
            QCOMPARE(out.scalar_type(), at::kFloat);
        }
        config.kind = ModelKind::Interference;
        config.outFeatures = 4;
        QCOMPARE(makeModel(config, 3, uint64_t(5))->forward(x, t).size(1), int64_t(4));
    }

    void initialValuesFollowTheSpec() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(42);
        WaveEnsemble ensemble(2, 4, gen);
        QVERIFY(at::equal(ensemble.amplitude, at::ones({4})));
        QVERIFY(at::equal(ensemble.logSigma, at::zeros({4})));
        QVERIFY(at::equal(ensemble.phi, at::zeros({4})));
        QVERIFY(at::allclose(ensemble.epsilon, at::full({4}, 0.1)));
        // k, ω, v, λ are standard normal draws taken wave by wave.
        auto replay = at::make_generator<at::CPUGeneratorImpl>(42);
        for (int64_t i = 0; i < 4; ++i) {
            QVERIFY(at::equal(ensemble.k[i], at::randn({2}, replay)));
            QVERIFY(at::equal(ensemble.omega[i].reshape({1}), at::randn({1}, replay)));
            QVERIFY(at::equal(ensemble.velocity[i], at::randn({2}, replay)));
            QVERIFY(at::equal(ensemble.lambda[i], at::randn({2}, replay)));
        }
        const double bound = 1.0 / std::sqrt(4.0);
        QVERIFY(ensemble.head->weight.abs().max().item<double>() <= bound);

        Siren siren(1, 32, 30.0, gen);
        QVERIFY(siren.first->weight.abs().max().item<double>() <= 1.0);
        QVERIFY(siren.second->weight.abs().max().item<double>() <= std::sqrt(6.0 / 32) / 30.0);
        QVERIFY(siren.second->weight.abs().max().item<double>() > 0.5 * std::sqrt(6.0 / 32) / 30);

        RandomFourierFeatures rff(1, 128, 5.0, gen);
        QCOMPARE(rff.parameterCount(), int64_t(257)); // B is a buffer
        const double spread = rff.frequencies.std().item<double>();
        QVERIFY2(spread > 4.0 && spread < 6.0, qPrintable(QString::number(spread)));
    }

    // Fourier Features' MLP: the features, L ReLU layers of H units, the
    // output. Its parameters are the layers' (B stays a buffer), the output
    // count is found back from them, and every layer receives a gradient.
    void rffReluLayersSitBetweenFeaturesAndOutput() {
        ModelConfig config;
        config.kind = ModelKind::RandomFourier;
        config.features = 16;
        config.hidden = 8;
        config.rffLayers = 2;
        const auto model = makeModel(config, 2, uint64_t(3), 3);
        // 32 features → 8 → 8 → 3.
        QCOMPARE(model->parameterCount(), int64_t(32 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3));
        QCOMPARE(outputsFitting(config, 2, model->parameterCount()), 3);
        const auto x = at::rand({20, 2}) * 2 - 1;
        const auto y = model->forward(x, at::zeros({20}));
        QCOMPARE(y.sizes(), (at::IntArrayRef{20, 3}));
        y.square().sum().backward();
        int withGradient = 0;
        for (const auto& p : model->parameters()) {
            withGradient += p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
        }
        QCOMPARE(withGradient, 6);
        // Without layers: the reference's model, bit for bit.
        config.rffLayers = 0;
        const auto plain = makeModel(config, 2, uint64_t(3), 1);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
        RandomFourierFeatures reference(2, 16, config.rffScale, gen);
        QVERIFY(
            at::equal(plain->forward(x, at::zeros({20})), reference.forward(x, at::zeros({20}))));
    }

    void sameSeedSameModel() {
        ModelConfig config;
        const auto a = makeModel(config, 1, uint64_t(7));
        const auto b = makeModel(config, 1, uint64_t(7));
        const auto c = makeModel(config, 1, uint64_t(8));
        const auto x = at::linspace(-3, 3, 50).unsqueeze(1);
        const auto t = at::zeros({50});
        QVERIFY(at::equal(a->forward(x, t), b->forward(x, t)));
        QVERIFY(!at::equal(a->forward(x, t), c->forward(x, t)));
    }

    void waveEnsembleGradientsMatchFiniteDifferences() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
        WaveEnsemble model(2, 3, gen);
        model.to(at::kDouble);
        {
            at::NoGradGuard noGrad;
            model.logSigma.copy_(at::tensor({0.1, -0.2, 0.3}, at::kDouble));
            model.phi.copy_(at::tensor({0.4, -0.3, 1.0}, at::kDouble));
        }
        const auto x = at::randn({6, 2}, gen, at::kDouble);
        const auto t = at::linspace(-0.6, 0.9, 6, at::kDouble); // t ≠ 0: ω and v get gradients
        checkGradients(model, x, t);
    }

    void interferenceGradientsMatchFiniteDifferences() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(12);
        InterferenceBasis model(2, 3, 2, gen);
        model.to(at::kDouble);
        {
            at::NoGradGuard noGrad;
            model.logSigma.copy_(at::tensor({0.2, -0.1}, at::kDouble));
            model.phi.copy_(at::tensor({0.4, -0.3, 1.0}, at::kDouble));
        }
        const auto x = at::randn({6, 2}, gen, at::kDouble);
        const auto t = at::linspace(-0.6, 0.9, 6, at::kDouble);
        checkGradients(model, x, t);
    }

    void invalidConfigsAreRejected() {
        ModelConfig config;
        config.waves = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeModel(config, 1, uint64_t(0)));
        config = {};
        config.kind = ModelKind::RandomFourier;
        config.rffScale = std::nan("");
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeModel(config, 1, uint64_t(0)));
        QCOMPARE(modelKindFromName("siren"), std::optional<ModelKind>(ModelKind::Siren));
        QVERIFY(!modelKindFromName("transformer"));
    }
};

DREDGE_ONE_THREAD_TEST_MAIN(TestModels)
#include "test_models.moc"
