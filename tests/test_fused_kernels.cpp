// The fused kernels against the composed tensor ops: the wave ensemble and
// the interference basis (issue 6), and SIREN's sine layers (issue 3). Outputs
// and every parameter gradient, double precision to 1e-10 relative and float32
// to 1e-5, for several D and sizes, t ≠ 0, on one and two threads; the CUDA
// kernels' per-point math run on the host, against the composed ops; and the
// CUDA kernels themselves against the CPU ones where a GPU is there.

#include "AutocastScope.h"
#include "DataRows.h"
#include "FastMath.h"
#include "FastMathArrays.h"
#include "FusedKernelSelection.h"
#include "FusedWaveKernel.h"
#include "InterferenceBasis.h"
#include "ModelFactory.h"
#include "OneThreadTestMain.h"
#include "RandomFourierFeatures.h"
#include "RankedEpochs.h"
#include "Siren.h"
#include "TensorGridLayout.h"
#include "Trainer.h"
#include "TransposedCoordinates.h"
#include "WaveEnsemble.h"
#include "cuda/InterferencePointMath.h"
#include "cuda/WavePointMath.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

using namespace dredge;

namespace {

struct Evaluation {
    at::Tensor out;
    std::vector<at::Tensor> grads;
};

// Model: any FieldModel with a useFusedKernel switch.
template <typename Model>
Evaluation evaluate(Model& model, const at::Tensor& x, const at::Tensor& t, bool fused,
                    bool perOutput = false) {
    model.useFusedKernel = fused;
    model.zero_grad(true);
    const auto out = model.forward(x, t);
    // A loss whose gradient differs per point exercises the whole backward;
    // `perOutput`: per output too (the same for a point's outputs otherwise,
    // as HostRunOfCudaMath takes it).
    const auto weights = perOutput
                             ? at::linspace(-1.0, 2.0, out.numel(), x.options()).view(out.sizes())
                             : at::linspace(-1.0, 2.0, x.size(0), x.options()).unsqueeze(1);
    (out * weights).sum().backward();
    Evaluation e{out.detach().clone(), {}};
    for (const auto& p : model.parameters()) {
        e.grads.push_back(p.grad().clone());
    }
    return e;
}

// max |a − b| / max(1e-30, max |b|): relative to the tensor's scale.
double relativeError(const at::Tensor& a, const at::Tensor& b) {
    const double scale = std::max(1e-30, b.abs().max().item<double>());
    return (a - b).abs().max().item<double>() / scale;
}

// The output and every parameter's gradient within `tolerance` (relative);
// a failure names what differs. Model: for the parameters' names.
template <typename Model>
bool agree(const Evaluation& fused, const Evaluation& composed, Model& model, double tolerance) {
    const double outputError = relativeError(fused.out, composed.out);
    if (!(outputError < tolerance)) {
        qWarning("output differs by %g", outputError);
        return false;
    }
    const auto names = model.named_parameters().keys();
    for (size_t i = 0; i < composed.grads.size(); ++i) {
        const double error = relativeError(fused.grads[i], composed.grads[i]);
        if (!(error < tolerance)) {
            qWarning("gradient of %s differs by %g", names[i].c_str(), error);
            return false;
        }
    }
    return true;
}

// An epoch's data for a model with `outputs` outputs: a target that is not
// the model's output, and with `split` every third element held out
// (weights 1/n on each side, as the Trainer makes them).
// The points of a `size`^dims grid on [−2, 2] in row-major order, as the
// grid data sets lay them out: the kernels' tensor-grid path takes them.
at::Tensor gridPoints(int64_t dims, int64_t size) {
    const auto axis = at::linspace(-2.0, 2.0, size);
    return at::stack(at::meshgrid(std::vector<at::Tensor>(size_t(dims), axis), "ij"), -1)
        .reshape({-1, dims});
}

EpochData epochData(const at::Tensor& x, const at::Tensor& t, int64_t outputs, bool split,
                    at::Generator& gen) {
    EpochData data{x,     t, at::randn({x.size(0), outputs}, gen).to(x.scalar_type()), {}, {},
                   false, {}};
    if (split) {
        const auto held = (at::arange(x.size(0) * outputs) % 3 == 0).view({x.size(0), outputs});
        const auto count = [](const at::Tensor& mask) { return mask.sum().item<double>(); };
        const auto kept = held.logical_not();
        data.trainWeight = (kept.to(x.scalar_type()) / count(kept)).contiguous();
        data.validationWeight = (held.to(x.scalar_type()) / count(held)).contiguous();
    }
    return data;
}

// A model with a fused epoch (RFF for any kind but the two wave models), and
// in setFused the switch between its fused and composed paths.
std::shared_ptr<FieldModel> fusedField(ModelKind kind, int dims, int size, int outputs,
                                       at::Generator& gen, std::function<void(bool)>& setFused) {
    setFused = [](bool) {};
    if (kind == ModelKind::WaveEnsemble) {
        auto waves = std::make_shared<WaveEnsemble>(dims, size, gen, outputs);
        setFused = [waves](bool on) { waves->useFusedKernel = on; };
        return waves;
    }
    if (kind == ModelKind::Interference) {
        auto basis = std::make_shared<InterferenceBasis>(dims, size, outputs, gen);
        setFused = [basis](bool on) { basis->useFusedKernel = on; };
        return basis;
    }
    return std::make_shared<RandomFourierFeatures>(dims, size, 3.0, gen, true, outputs);
}

// An outcome's prediction, made now where the model deferred it.
at::Tensor predictionOf(const EpochOutcome& outcome) {
    return outcome.prediction.defined() ? outcome.prediction : outcome.deferredPrediction();
}

// The model's fused epoch against autograd through its composed ops
// (setFused switches between them): output, training and validation loss,
// and each parameter's gradient, within `tolerance` relative.
// With data.bfloat16Products, autograd runs under autocast (bfloat16), as the
// Trainer's composed mixed-precision epoch does, and the worst relative
// differences are reported.
bool epochAgreesWithAutograd(FieldModel& model, const std::function<void(bool)>& setFused,
                             const EpochData& data, double tolerance) {
    setFused(false);
    model.zero_grad(true);
    at::Tensor out;
    {
        AutocastScope autocast(data.bfloat16Products, ComputeDevice::Cpu);
        out = model.forward(data.coords, data.time);
    }
    out = out.to(data.target.scalar_type());
    const auto squared = (out - data.target).square();
    const auto loss = data.trainWeight.defined() ? (squared * data.trainWeight).sum()
                                                 : at::mse_loss(out, data.target);
    loss.backward();
    setFused(true);
    auto gradient = at::full({model.parameterCount()}, 1e30, out.options()); // all overwritten
    const auto outcome = model.fusedEpoch(data, gradient);
    if (!outcome) {
        qWarning("no fused epoch");
        return false;
    }
    const auto close = [&](double a, double b) { return std::abs(a - b) <= tolerance * b; };
    if (data.bfloat16Products) {
        qInfo("output %.3g, loss %.3g relative", relativeError(predictionOf(*outcome), out),
              std::abs(outcome->loss / loss.item<double>() - 1.0));
    }
    if (relativeError(predictionOf(*outcome), out) >= tolerance ||
        !close(outcome->loss, loss.item<double>())) {
        qWarning("output or loss differs: %g vs %g", outcome->loss, loss.item<double>());
        return false;
    }
    if (data.trainWeight.defined()) {
        const double validation = (squared * data.validationWeight).sum().item<double>();
        if (!close(outcome->validationLoss, validation)) {
            qWarning("validation loss differs: %g vs %g", outcome->validationLoss, validation);
            return false;
        }
    } else if (!std::isnan(outcome->validationLoss)) {
        qWarning("a validation loss without a split");
        return false;
    }
    int64_t offset = 0;
    for (const auto& named : model.named_parameters()) {
        const auto& expected = named.value().grad();
        const auto fused = gradient.narrow(0, offset, expected.numel()).view(expected.sizes());
        const double error = relativeError(fused, expected);
        if (data.bfloat16Products) {
            qInfo("gradient of %s: %.3g relative", named.key().c_str(), error);
        }
        if (!(error < tolerance)) {
            qWarning("gradient of %s differs by %g", named.key().c_str(), error);
            return false;
        }
        offset += expected.numel();
    }
    return offset == gradient.numel();
}

// Model: a FieldModel with a fused kernel. Its CUDA run (gradients moved
// back to the CPU) within 1e-10 of its CPU run, in double.
template <typename Model>
bool cudaAgreesWithCpu(Model& model, const at::Tensor& x, const at::Tensor& t) {
    model.to(at::kDouble);
    const auto cpu = evaluate(model, x, t, true);
    model.to(at::kCUDA);
    auto cuda = evaluate(model, x.to(at::kCUDA), t.to(at::kCUDA), true);
    model.to(at::kCPU);
    cuda.out = cuda.out.cpu();
    for (auto& g : cuda.grads) {
        g = g.cpu();
    }
    return agree(cuda, cpu, model, 1e-10);
}

// The work of the CUDA kernels, done on the host with their own per-point
// math (cuda/*PointMath.h): each point's output as its forward thread computes
// it, and each wave's or field's gradient as the backward grid sums it, in one
// pass over the points instead of threads and blocks. gradOut: dL/dout per
// point, the same for every output.
struct HostRunOfCudaMath {
    at::Tensor xT, t, gradOut;               // [D, N], [N], [N]
    std::map<std::string, at::Tensor> grads; // double, by parameter name

    HostRunOfCudaMath(const at::Tensor& x, const at::Tensor& times, const at::Tensor& g)
        : xT(x.t().contiguous())
        , t(times.contiguous())
        , gradOut(g.contiguous()) {}

    int64_t points() const { return xT.size(1); }

    // Zeroed double gradients for every parameter of the model.
    void startGradients(torch::nn::Module& model) {
        grads.clear();
        for (const auto& param : model.named_parameters()) {
            grads[param.key()] = at::zeros(param.value().sizes(), at::kDouble);
        }
    }
    double* slot(const char* name) { return grads.at(name).data_ptr<double>(); }

    template <typename Model>
    Evaluation result(Model& model, at::Tensor out) {
        Evaluation e{std::move(out), {}};
        for (const auto& p : model.named_parameters()) {
            e.grads.push_back(grads.at(p.key()).to(p.value().scalar_type()));
        }
        return e;
    }

    template <typename Scalar>
    Evaluation run(WaveEnsemble& m) {
        const auto D = xT.size(0), n = points(), waves = m.amplitude.size(0);
        const fused::WaveParameters<Scalar> p{m.amplitude.data_ptr<Scalar>(),
                                              m.k.data_ptr<Scalar>(),
                                              m.omega.data_ptr<Scalar>(),
                                              m.velocity.data_ptr<Scalar>(),
                                              m.logSigma.data_ptr<Scalar>(),
                                              m.phi.data_ptr<Scalar>(),
                                              m.epsilon.data_ptr<Scalar>(),
                                              m.lambda.data_ptr<Scalar>(),
                                              m.head->weight.data_ptr<Scalar>(),
                                              Scalar(0),
                                              waves,
                                              D};
        const Scalar* x = xT.data_ptr<Scalar>();
        const Scalar* time = t.data_ptr<Scalar>();
        const Scalar* g = gradOut.data_ptr<Scalar>();
        auto out = at::empty({n, 1}, xT.options());
        for (int64_t j = 0; j < n; ++j) {
            out.data_ptr<Scalar>()[j] =
                fused::cuda::waveEnsembleAt(x, time, n, j, p, m.head->bias.item<Scalar>());
        }
        startGradients(m);
        for (int64_t i = 0; i < waves; ++i) {
            fused::cuda::WaveGradientSum<Scalar> sum(p, i);
            for (int64_t j = 0; j < n; ++j) {
                sum.addPoint(x, time, n, j, g[j]);
            }
            slot("amplitude")[i] = sum.amplitude;
            slot("omega")[i] = sum.omega;
            slot("log_sigma")[i] = sum.logSigma;
            slot("phi")[i] = sum.phi;
            slot("epsilon")[i] = sum.epsilon;
            slot("head.weight")[i] = sum.headWeight;
            for (int64_t d = 0; d < D; ++d) {
                slot("k")[i * D + d] = sum.k[d];
                slot("velocity")[i * D + d] = sum.velocity[d];
                slot("lambda")[i * D + d] = sum.lambda[d];
            }
            if (i == 0) {
                slot("head.bias")[0] = sum.headBias;
            }
        }
        return result(m, out);
    }

    template <typename Scalar>
    Evaluation run(InterferenceBasis& m) {
        const auto D = xT.size(0), n = points();
        const auto F = m.amplitude.size(0), O = m.superposition->weight.size(0);
        // The envelope's constants, as the CUDA wrapper computes them (σ unclamped here).
        at::Tensor inverseSigma, norm;
        {
            at::NoGradGuard noGrad;
            const auto sigma = at::exp(m.logSigma).clamp_min(1e-3);
            inverseSigma = sigma.reciprocal().contiguous();
            norm = sigma.prod() * std::pow(2.0 * M_PI, 0.5 * double(D));
        }
        const auto inverseNorm = Scalar(1) / norm.item<Scalar>();
        const fused::InterferenceParameters<Scalar> p{inverseSigma.data_ptr<Scalar>(),
                                                      m.velocity.data_ptr<Scalar>(),
                                                      inverseNorm,
                                                      m.amplitude.data_ptr<Scalar>(),
                                                      m.k.data_ptr<Scalar>(),
                                                      m.omega.data_ptr<Scalar>(),
                                                      m.phi.data_ptr<Scalar>(),
                                                      m.epsilon.data_ptr<Scalar>(),
                                                      m.lambda.data_ptr<Scalar>(),
                                                      m.superposition->weight.data_ptr<Scalar>(),
                                                      F,
                                                      D,
                                                      O};
        const Scalar* x = xT.data_ptr<Scalar>();
        const Scalar* time = t.data_ptr<Scalar>();
        const auto g = gradOut.unsqueeze(1).expand({n, O}).contiguous();
        auto out = at::empty({n, O}, xT.options());
        for (int64_t j = 0; j < n; ++j) {
            fused::cuda::interferenceAt(x, time, n, j, p, inverseNorm,
                                        out.data_ptr<Scalar>() + j * O);
        }
        startGradients(m);
        for (int64_t f = 0; f < F; ++f) {
            fused::cuda::InterferenceGradientSum<Scalar> sum(p, f, inverseNorm);
            for (int64_t j = 0; j < n; ++j) {
                sum.addPoint(x, time, n, j, g.data_ptr<Scalar>() + j * O);
            }
            slot("amplitude")[f] = sum.amplitude;
            slot("omega")[f] = sum.omega;
            slot("phi")[f] = sum.phi;
            slot("epsilon")[f] = sum.epsilon;
            for (int64_t d = 0; d < D; ++d) {
                slot("k")[f * D + d] = sum.k[d];
                slot("lambda")[f * D + d] = sum.lambda[d];
                slot("log_sigma")[d] += sum.logSigma[d]; // every field's share
                slot("velocity")[d] += sum.velocity[d];
            }
            for (int64_t o = 0; o < O; ++o) {
                slot("superposition.weight")[o * 2 * F + f] = sum.weightRe[o];
                slot("superposition.weight")[o * 2 * F + F + f] = sum.weightIm[o];
            }
        }
        return result(m, out);
    }
};

// Model: a FieldModel with keptTermBudgetBytes. Kept, recomputed and
// forward-only terms must give bit-identical results.
template <typename Model>
void checkKeptTerms(Model& model, const at::Tensor& x, const at::Tensor& t) {
    model.to(x.scalar_type());
    model.keptTermBudgetBytes = int64_t(1) << 30;
    const auto kept = evaluate(model, x, t, true);
    model.keptTermBudgetBytes = 0;
    const auto recomputed = evaluate(model, x, t, true);
    QVERIFY(at::equal(kept.out, recomputed.out));
    for (size_t i = 0; i < kept.grads.size(); ++i) {
        QVERIFY(at::equal(kept.grads[i], recomputed.grads[i]));
    }
    at::NoGradGuard noGrad;
    QVERIFY(at::equal(model.forward(x, t), kept.out));
}

// The instruction sets this CPU runs, as rows: each copy of FastMath.h's
// loops is checked where it can run.
void addKernelCopyRows() {
    QTest::addColumn<int>("isa");
    using fused::KernelCopy;
    for (const auto copy : {KernelCopy::Baseline, KernelCopy::Avx2Fma, KernelCopy::Avx512}) {
        if (fused::kernelCopySupported(copy)) {
            QTest::newRow(fused::kernelCopyName(copy)) << int(copy);
        }
    }
}

// The largest |sin − std::sin| and |cos − std::cos| (in double) over `count`
// evenly spaced floats of [−limit, limit], and every float in a window
// around each of the first multiples of π/2 (where the reduction cancels).
double worstSinCosError(fused::KernelCopy isa, double limit, int64_t count) {
    std::vector<float> x;
    x.reserve(size_t(count));
    for (int64_t i = 0; i < count; ++i) {
        x.push_back(float(-limit + 2.0 * limit * double(i) / double(count - 1)));
    }
    for (int q = -2000; q <= 2000; q += 7) {
        float v = float(q * M_PI / 2);
        for (int step = 0; step < 64 && std::abs(v) <= limit; ++step) {
            x.push_back(v);
            v = std::nextafter(v, 1e30f);
        }
    }
    std::vector<float> s(x.size()), c(x.size());
    fused::sinCosArray(isa, x.data(), int64_t(x.size()), s.data(), c.data());
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
        worst = std::max({worst, std::abs(s[i] - std::sin(double(x[i]))),
                          std::abs(c[i] - std::cos(double(x[i])))});
    }
    return worst;
}

// The float spacing at exp's exact value (a normal float's ulp).
double ulpAt(double value) {
    int exponent = 0;
    std::frexp(value, &exponent);
    return std::ldexp(1.0, exponent - 24);
}

} // namespace

class TestFusedKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { at::set_num_threads(1); }

    // FastMath.h (issue 29), each vectorised copy: sin and cos within 2e-7
    // of the double result for |x| ≤ 1e4 (the kernels' phases), within 1e-6
    // up to 1e5; exp within 2 ulp over [−87.3, 0] and 0 below.
    void fastSinCosAccuracy_data() { addKernelCopyRows(); }
    void fastSinCosAccuracy() {
        QFETCH(int, isa);
        const auto which = fused::KernelCopy(isa);
        const double nearRange = worstSinCosError(which, 1e4, 4'000'000);
        const double farRange = worstSinCosError(which, 1e5, 1'000'000);
        qInfo("%s: worst |error| %.3g for |x| <= 1e4, %.3g for |x| <= 1e5",
              fused::kernelCopyName(which), nearRange, farRange);
        QVERIFY2(nearRange <= 2e-7, qPrintable(QString::number(nearRange)));
        QVERIFY2(farRange <= 1e-6, qPrintable(QString::number(farRange)));
    }
    void fastExpAccuracy_data() { addKernelCopyRows(); }
    void fastExpAccuracy() {
        QFETCH(int, isa);
        const auto which = fused::KernelCopy(isa);
        // Every 37th float of [−87.3, 0] (their bit patterns are contiguous).
        std::vector<float> x;
        const uint32_t lowest = fused::bitsOf(-87.3f);
        for (uint32_t bits = 0x80000000u; bits <= lowest; bits += 37) {
            x.push_back(fused::floatOf(bits));
        }
        x.push_back(-87.3f);
        std::vector<float> e(x.size());
        fused::expNonPositiveArray(which, x.data(), int64_t(x.size()), e.data());
        double worstUlps = 0.0;
        for (size_t i = 0; i < x.size(); ++i) {
            const double exact = std::exp(double(x[i]));
            worstUlps = std::max(worstUlps, std::abs(e[i] - exact) / ulpAt(exact));
        }
        const float below[] = {-87.34f, -100.0f, -1e4f, -1e30f};
        float belowOut[4];
        fused::expNonPositiveArray(which, below, 4, belowOut);
        qInfo("%s: exp's worst error %.3g ulp over %zu arguments", fused::kernelCopyName(which),
              worstUlps, x.size());
        QVERIFY2(worstUlps <= 2.0, qPrintable(QString::number(worstUlps)));
        for (const float v : belowOut) {
            QCOMPARE(v, 0.0f);
        }
    }

    void fusedMatchesComposed_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("waves");
        QTest::addColumn<bool>("doublePrecision");
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("points");
        QTest::addColumn<int>("outputs");
        for (int dims : {1, 3, 5}) {
            for (int waves : {1, 4, 9}) {
                QTest::addRow("D=%d n=%d double", dims, waves)
                    << dims << waves << true << 1 << 700 << 1;
                QTest::addRow("D=%d n=%d float", dims, waves)
                    << dims << waves << false << 1 << 700 << 1;
            }
        }
        QTest::newRow("D=3 n=6 double, 2 threads") << 3 << 6 << true << 2 << 5000 << 1;
        QTest::newRow("D=1 n=16 float, 2 threads, 3000 points")
            << 1 << 16 << false << 2 << 3000 << 1;
        QTest::newRow("D=2 n=5 out=3 double") << 2 << 5 << true << 1 << 700 << 3;
        QTest::newRow("D=4 n=7 out=2 float, 2 threads") << 4 << 7 << false << 2 << 3000 << 2;
    }
    // The forward keeps the terms its backward needs, within a budget; past
    // it the backward computes them again, and a forward without gradients
    // computes only its own. All three give the same numbers.
    void keptTermsChangeNothing_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("doublePrecision");
        QTest::newRow("D=1") << 1 << 1 << true;
        QTest::newRow("D=5, 2 threads") << 5 << 2 << true;
        // Float evaluates each point's terms with the sums GCC contracts to
        // multiply-adds as it sees fit where they are inlined, so a forward
        // and a backward may differ in the last bit there; the grid path
        // spells its multiply-adds out (gridForwardMatchesComposed).
    }
    void keptTermsChangeNothing() {
        QFETCH(int, dims);
        QFETCH(int, threads);
        QFETCH(bool, doublePrecision);
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims));
        const auto dtype = doublePrecision ? at::kDouble : at::kFloat;
        const auto x = at::randn({1300, dims}, gen).to(dtype);
        const auto t = (0.5 * at::randn({1300}, gen)).to(dtype);
        WaveEnsemble waves(dims, 5, gen);
        InterferenceBasis interference(dims, 4, 2, gen);
        checkKeptTerms(waves, x, t);
        checkKeptTerms(interference, x, t);
    }
    void fusedMatchesComposed() {
        QFETCH(int, dims);
        QFETCH(int, waves);
        QFETCH(bool, doublePrecision);
        QFETCH(int, threads);
        QFETCH(int, points);
        QFETCH(int, outputs);
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims * 100 + waves));
        WaveEnsemble model(dims, waves, gen, outputs);
        const auto dtype = doublePrecision ? at::kDouble : at::kFloat;
        model.to(dtype);
        {
            // Move every parameter off its initial value so no term vanishes.
            at::NoGradGuard noGrad;
            for (auto& p : model.parameters()) {
                p.add_(0.2 * at::randn(p.sizes(), gen).to(dtype));
            }
        }
        const auto x = (2.0 * at::randn({points, dims}, gen)).to(dtype);
        const auto t = (0.5 * at::randn({points}, gen)).to(dtype); // t ≠ 0: ω and v matter
        const auto composed = evaluate(model, x, t, false, true);
        const auto fused = evaluate(model, x, t, true, true);
        QVERIFY(agree(fused, composed, model, doublePrecision ? 1e-10 : 1e-5));
    }

    void interferenceFusedMatchesComposed_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("fields");
        QTest::addColumn<int>("outputs");
        QTest::addColumn<bool>("doublePrecision");
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("clampSigma");
        for (int dims : {1, 3, 5}) {
            for (int fields : {1, 5, 16}) {
                QTest::addRow("D=%d F=%d double", dims, fields)
                    << dims << fields << 1 << true << 1 << false;
                QTest::addRow("D=%d F=%d float", dims, fields)
                    << dims << fields << 1 << false << 1 << false;
            }
        }
        QTest::newRow("D=2 F=6 out=3 double") << 2 << 6 << 3 << true << 1 << false;
        QTest::newRow("D=3 F=8 double, 2 threads") << 3 << 8 << 1 << true << 2 << false;
        QTest::newRow("D=1 F=16 out=2 float, 2 threads") << 1 << 16 << 2 << false << 2 << false;
        // σ_0 below the 1e-3 clamp: no gradient may reach that log σ.
        QTest::newRow("D=2 F=4 double, σ clamped") << 2 << 4 << 1 << true << 1 << true;
    }
    void interferenceFusedMatchesComposed() {
        QFETCH(int, dims);
        QFETCH(int, fields);
        QFETCH(int, outputs);
        QFETCH(bool, doublePrecision);
        QFETCH(int, threads);
        QFETCH(bool, clampSigma);
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims * 100 + fields));
        InterferenceBasis model(dims, fields, outputs, gen);
        const auto dtype = doublePrecision ? at::kDouble : at::kFloat;
        model.to(dtype);
        {
            at::NoGradGuard noGrad;
            for (auto& p : model.parameters()) {
                p.add_(0.2 * at::randn(p.sizes(), gen).to(dtype));
            }
            if (clampSigma) {
                model.logSigma[0].fill_(std::log(1e-4)); // σ = 1e-4 < 1e-3
                model.velocity[0].fill_(0.0);
            }
        }
        const int points = 2500; // several blocks and parallel tasks, and a partial one
        auto x = (1.5 * at::randn({points, dims}, gen)).to(dtype);
        if (clampSigma) {
            x.select(1, 0).mul_(1e-3); // on the clamped σ's scale, so the envelope lives
        }
        const auto t = (0.5 * at::randn({points}, gen)).to(dtype);
        const auto composed = evaluate(model, x, t, false);
        const auto fused = evaluate(model, x, t, true);
        QVERIFY(agree(fused, composed, model, doublePrecision ? 1e-10 : 1e-5));
        if (clampSigma) {
            QCOMPARE(fused.grads[0][0].item<double>(), 0.0); // log σ_0, clamped
            QVERIFY(fused.grads[0][1].item<double>() != 0.0);
        }
    }

    // The whole-epoch path (issue 17) against autograd: every model that has
    // one, float and double, with and without a validation split, blocks of
    // every length (many waves make them short), one and two threads.
    void fusedEpochMatchesAutograd_data() {
        QTest::addColumn<int>("model");
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("outputs");
        QTest::addColumn<bool>("doublePrecision");
        QTest::addColumn<bool>("split");
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("staticTime"); // t = 0 everywhere: the kernels' static path
        QTest::addColumn<int>("grid");        // > 0: the points of a grid of this size (its path)
        const int ensemble = int(ModelKind::WaveEnsemble), basis = int(ModelKind::Interference);
        const int rff = int(ModelKind::RandomFourier);
        QTest::newRow("ensemble D=1 n=16 double")
            << ensemble << 1 << 16 << 1 << true << false << 1 << false << 0;
        QTest::newRow("ensemble D=1 n=16 float")
            << ensemble << 1 << 16 << 1 << false << false << 1 << false << 0;
        QTest::newRow("ensemble D=4 n=8 double split")
            << ensemble << 4 << 8 << 1 << true << true << 1 << false << 0;
        QTest::newRow("ensemble D=6 n=6 float split, 2 threads")
            << ensemble << 6 << 6 << 1 << false << true << 2 << false << 0;
        QTest::newRow("ensemble D=2 n=40 double, 2 threads")
            << ensemble << 2 << 40 << 1 << true << false << 2 << false << 0;
        // C outputs (an RGB image's 3): each output's head row in turn.
        QTest::newRow("ensemble D=2 n=8 out=3 double split")
            << ensemble << 2 << 8 << 3 << true << true << 1 << false << 0;
        QTest::newRow("ensemble D=1 n=16 out=2 float, 2 threads")
            << ensemble << 1 << 16 << 2 << false << false << 2 << false << 0;
        QTest::newRow("ensemble D=3 n=6 out=3 double, t = 0")
            << ensemble << 3 << 6 << 3 << true << false << 1 << true << 0;
        QTest::newRow("interference D=1 F=16 double")
            << basis << 1 << 16 << 1 << true << false << 1 << false << 0;
        QTest::newRow("interference D=1 F=16 float")
            << basis << 1 << 16 << 1 << false << false << 1 << false << 0;
        QTest::newRow("interference D=2 F=6 out=3 double split")
            << basis << 2 << 6 << 3 << true << true << 1 << false << 0;
        QTest::newRow("interference D=3 F=8 float split, 2 threads")
            << basis << 3 << 8 << 1 << false << true << 2 << false << 0;
        QTest::newRow("RFF D=1 M=32 double split")
            << rff << 1 << 32 << 1 << true << true << 1 << false << 0;
        QTest::newRow("RFF D=2 M=16 float")
            << rff << 2 << 16 << 1 << false << false << 1 << false << 0;
        // C outputs (an RGB image's 3): one quadratic form per output.
        QTest::newRow("RFF D=2 M=16 out=3 double split")
            << rff << 2 << 16 << 3 << true << true << 1 << false << 0;
        QTest::newRow("RFF D=3 M=24 out=2 float")
            << rff << 3 << 24 << 2 << false << false << 1 << false << 0;
        QTest::newRow("ensemble D=1 n=16 double, t = 0")
            << ensemble << 1 << 16 << 1 << true << false << 1 << true << 0;
        QTest::newRow("ensemble D=5 n=6 float split, 2 threads, t = 0")
            << ensemble << 5 << 6 << 1 << false << true << 2 << true << 0;
        QTest::newRow("ensemble D=7 n=3 double, t = 0")
            << ensemble << 7 << 3 << 1 << true << false << 1 << true << 0;
        QTest::newRow("interference D=3 F=8 double, t = 0")
            << basis << 3 << 8 << 1 << true << false << 1 << true << 0;
        // Grids (float, t = 0): cos, sin and the envelope from per-row and
        // per-entry tables; rows of 14² and 5³ points cross the blocks.
        QTest::newRow("ensemble D=3 n=8 float, 14^3 grid")
            << ensemble << 3 << 8 << 1 << false << false << 1 << true << 14;
        QTest::newRow("ensemble D=5 n=6 float split, 2 threads, 5^5 grid")
            << ensemble << 5 << 6 << 1 << false << true << 2 << true << 5;
        QTest::newRow("interference D=3 F=8 float, 14^3 grid")
            << basis << 3 << 8 << 1 << false << false << 1 << true << 14;
        QTest::newRow("interference D=4 F=5 out=2 float split, 2 threads, 7^4 grid")
            << basis << 4 << 5 << 2 << false << true << 2 << true << 7;
        QTest::newRow("ensemble D=2 n=8 out=3 float split, 70^2 grid")
            << ensemble << 2 << 8 << 3 << false << true << 1 << true << 70;
    }
    void fusedEpochMatchesAutograd() {
        QFETCH(int, model);
        QFETCH(int, dims);
        QFETCH(int, size);
        QFETCH(int, outputs);
        QFETCH(bool, doublePrecision);
        QFETCH(bool, split);
        QFETCH(int, threads);
        QFETCH(bool, staticTime);
        QFETCH(int, grid);
        at::set_num_threads(threads);
        auto gen =
            at::make_generator<at::CPUGeneratorImpl>(uint64_t(model * 1000 + dims * 100 + size));
        const auto dtype = doublePrecision ? at::kDouble : at::kFloat;
        std::function<void(bool)> setFused;
        const auto field = fusedField(ModelKind(model), dims, size, outputs, gen, setFused);
        field->to(dtype);
        {
            at::NoGradGuard noGrad; // off the initial values, so that no term vanishes
            for (auto& p : field->parameters()) {
                p.add_(0.2 * at::randn(p.sizes(), gen).to(dtype));
            }
        }
        // Several blocks and parallel tasks, and a partial one.
        const auto x = grid > 0 ? gridPoints(dims, grid).to(dtype)
                                : (1.5 * at::randn({2500, dims}, gen)).to(dtype);
        const int64_t points = x.size(0);
        const auto t =
            staticTime ? at::zeros({points}, dtype) : (0.5 * at::randn({points}, gen)).to(dtype);
        const auto data = epochData(x, t, outputs, split, gen);
        QVERIFY(epochAgreesWithAutograd(*field, setFused, data, doublePrecision ? 1e-10 : 1e-5));
        // The same epoch again: the same bits (per-thread sums in a fixed order).
        auto first = at::zeros({field->parameterCount()}, dtype);
        auto second = at::zeros({field->parameterCount()}, dtype);
        const auto a = field->fusedEpoch(data, first);
        const auto b = field->fusedEpoch(data, second);
        QVERIFY(at::equal(first, second) && at::equal(predictionOf(*a), predictionOf(*b)));
        QCOMPARE(a->loss, b->loss);
    }

    // Which point sets are tensor-product grids (TensorGridLayout.h): the
    // data sets' grids, with the finest rows of at least 64 points; not a
    // line, a shuffled grid, one moved point, a grid's subset, one row.
    void tensorGridLayoutFindsRows() {
        const auto layoutOf = [](const at::Tensor& x) {
            const auto xT = x.to(at::kFloat).t().contiguous();
            return fused::tensorGridLayoutOf(xT.data_ptr<float>(), xT.size(1), xT.size(0));
        };
        const auto volume = layoutOf(gridPoints(3, 20));
        QCOMPARE(volume.innerAxis, int64_t(1));
        QCOMPARE(volume.innerPoints, int64_t(400));
        QCOMPARE(volume.rows, int64_t(20));
        const auto hyper = layoutOf(gridPoints(5, 8));
        QCOMPARE(hyper.innerAxis, int64_t(3));
        QCOMPARE(hyper.innerPoints, int64_t(64));
        QCOMPARE(hyper.rows, int64_t(512));
        QVERIFY(!layoutOf(gridPoints(1, 500)));
        QVERIFY(!layoutOf(gridPoints(2, 8))); // rows of 8: too short, and one row of 64
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(3));
        const auto points = gridPoints(3, 20);
        QVERIFY(!layoutOf(points.index_select(0, at::randperm(8000, gen))));
        auto moved = points.clone();
        moved[4321][2] += 1e-3;
        QVERIFY(!layoutOf(moved));
        QVERIFY(!layoutOf(points.narrow(0, 0, 7999)));
        QVERIFY(!layoutOf(points.narrow(0, 0, 400)));
    }

    // A rank that makes only its part of a data set (makeDatasetPart) knows
    // the whole's grid from the data set's axes (epochShardOf): the layout,
    // its coordinates and t's static path as the kernels find them in every
    // point, for grids with rows long enough, too short, and moving in time.
    void aShardKnowsTheWholeGridWithoutIt_data() {
        addDataSetColumns();
        QTest::addColumn<bool>("isGrid");
        QTest::newRow("4-D 20³") << int(DataKind::Volume4d) << 20 << 1 << true;
        QTest::newRow("4-D 4³ (rows too short)") << int(DataKind::Volume4d) << 4 << 1 << false;
        QTest::newRow("6-D 8⁵") << int(DataKind::Hyper6d) << 8 << 1 << true;
        QTest::newRow("6-D 3⁵") << int(DataKind::Hyper6d) << 3 << 1 << true;
        QTest::newRow("4-D packet, one instant") << int(DataKind::Packet4d) << 12 << 1 << true;
        QTest::newRow("4-D packet, 5 instants") << int(DataKind::Packet4d) << 12 << 5 << false;
        QTest::newRow("1-D packet") << int(DataKind::Packet1d) << 0 << 3 << false;
        QTest::newRow("chirp") << int(DataKind::Chirp) << 0 << 1 << false;
    }
    void aShardKnowsTheWholeGridWithoutIt() {
        QFETCH(bool, isGrid);
        const auto data = makeDataset(fetchedDataSet());
        TransposedCoordinates whole;
        whole.of(data.coords);
        const auto found = whole.gridLayoutAt(data.time);
        const auto known = epochShardOf(data, 0);
        QCOMPARE(bool(found), isGrid);
        QCOMPARE(known.staticTime, whole.timeIsZero(data.time));
        QCOMPARE(fused::encodedLayout(known.grid), fused::encodedLayout(found));
        QCOMPARE(known.gridAxes, found ? whole.gridAxes() : std::vector<float>{});
        QCOMPARE(known.allElements, data.target.numel());
    }

    // The forward and backward through autograd (predictions, the composed
    // training loop) take the grid path too, kept terms or not.
    void gridForwardMatchesComposed() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(5));
        const auto x = gridPoints(3, 12).to(at::kFloat); // rows of 144
        const auto t = at::zeros({x.size(0)});
        WaveEnsemble waves(3, 6, gen);
        InterferenceBasis interference(3, 5, 2, gen);
        for (torch::nn::Module* model : {static_cast<torch::nn::Module*>(&waves),
                                         static_cast<torch::nn::Module*>(&interference)}) {
            at::NoGradGuard noGrad;
            for (auto& p : model->parameters()) {
                p.add_(0.2 * at::randn(p.sizes(), gen));
            }
        }
        QVERIFY(agree(evaluate(waves, x, t, true), evaluate(waves, x, t, false), waves, 1e-5));
        QVERIFY(agree(evaluate(interference, x, t, true), evaluate(interference, x, t, false),
                      interference, 1e-5));
        // Past the kept-term budget the backward builds the terms again
        // from the tables (in float, to the last bit only where GCC
        // contracts the same multiply-adds: see keptTermsChangeNothing).
        waves.keptTermBudgetBytes = interference.keptTermBudgetBytes = 0;
        QVERIFY(agree(evaluate(waves, x, t, true), evaluate(waves, x, t, false), waves, 1e-5));
        QVERIFY(agree(evaluate(interference, x, t, true), evaluate(interference, x, t, false),
                      interference, 1e-5));
    }

    // The grid path's terms against each point's own (the kernel's other
    // path), for a forward that keeps them: cos and sin built from a row's
    // and an entry's agree with those of the whole sum to float's rounding
    // of that sum's phase (|k·x| ≤ 30 here: 2e-6), and so the outputs.
    void gridTermsMatchPointwise() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(11));
        const int64_t dims = 4, waves = 5;
        const auto xT = gridPoints(dims, 9).to(at::kFloat).t().contiguous(); // rows of 81
        const int64_t n = xT.size(1);
        const auto grid = fused::tensorGridLayoutOf(xT.data_ptr<float>(), n, dims);
        QCOMPARE(grid.innerPoints, int64_t(81));
        const auto scalars = at::rand({5, waves}, gen);
        const auto vectors = 2.0 * at::randn({3, waves, dims}, gen);
        const auto head = at::randn({waves}, gen);
        const float* sc = scalars.data_ptr<float>();
        const float* vec = vectors.data_ptr<float>();
        fused::WaveParameters<float> p{sc,
                                       vec,
                                       sc + waves,
                                       vec + waves * dims,
                                       sc + 2 * waves,
                                       sc + 3 * waves,
                                       sc + 4 * waves,
                                       vec + 2 * waves * dims,
                                       head.data_ptr<float>(),
                                       0.1f,
                                       waves,
                                       dims};
        p.staticTime = true;
        const auto t = at::zeros({n});
        const auto evaluate = [&](const fused::WaveParameters<float>& params) {
            auto out = at::empty({n});
            auto terms = at::empty({n * waves * fused::kWaveTerms});
            fused::waveEnsembleForward(xT.data_ptr<float>(), t.data_ptr<float>(), n, 0, n, params,
                                       out.data_ptr<float>(), terms.data_ptr<float>());
            return std::make_pair(out, terms.view({waves, fused::kWaveTerms, n}));
        };
        const auto [pointOut, pointTerms] = evaluate(p);
        auto tables = at::empty({fused::waveGridTableSize(grid, waves)});
        fused::waveGridTables(gridAxesOf(xT, grid).data(), p, grid, tables.data_ptr<float>());
        p.grid = grid;
        p.gridTables = tables.data_ptr<float>();
        const auto [gridOut, gridTerms] = evaluate(p);
        // A window of the grid (one rank's shard, starting mid-row): the
        // same tables and the grid's own point numbers give the same bits.
        const int64_t first = 100, m = 2000;
        const auto windowT = xT.narrow(1, first, m).contiguous();
        const auto windowTime = at::zeros({m});
        auto window = p;
        window.grid.firstPoint = first;
        auto windowOut = at::empty({m});
        auto windowTerms = at::empty({m * waves * fused::kWaveTerms});
        fused::waveEnsembleForward(windowT.data_ptr<float>(), windowTime.data_ptr<float>(), m, 0, m,
                                   window, windowOut.data_ptr<float>(),
                                   windowTerms.data_ptr<float>());
        QVERIFY(at::equal(windowOut, gridOut.narrow(0, first, m)));
        // r² (the last term) is kept once, as wave 0's, when t = 0.
        const auto termsOf = [](const at::Tensor& terms) {
            return terms.narrow(1, 0, fused::kWaveTerms - 1);
        };
        const double termError =
            (termsOf(gridTerms) - termsOf(pointTerms)).abs().max().item<double>();
        const double outError = relativeError(gridOut, pointOut);
        qInfo("grid path: terms within %.2g, outputs %.2g relative", termError, outError);
        QVERIFY2(termError < 1e-5, qPrintable(QString::number(termError)));
        QVERIFY2(outError < 1e-5, qPrintable(QString::number(outError)));
        QVERIFY(termError > 0); // the path was taken: its rounding differs
    }

    // Mixed precision on the whole-epoch path (issue 29): autocast's bfloat16
    // numerics emulated (the head's or superposition's operands, output and
    // gradients rounded to bfloat16, float32 sums) against autograd under
    // autocast. They round the same values; their float32 sums are added in
    // another order, so a value near a bfloat16 tie could round the other
    // way (one step, 2⁻⁸, at that point, averaged over 2,500 in the loss).
    // Measured: the same outputs, losses within 1.3e-7, gradients 5e-7; the
    // bound is 1e-5.
    void mixedPrecisionEpochMatchesAutocast_data() {
        QTest::addColumn<int>("model");
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("split");
        QTest::addColumn<int>("threads");
        QTest::addColumn<bool>("staticTime");
        const int ensemble = int(ModelKind::WaveEnsemble), basis = int(ModelKind::Interference);
        QTest::newRow("ensemble D=1 n=16, t = 0") << ensemble << 1 << 16 << false << 1 << true;
        QTest::newRow("ensemble D=4 n=8 split, 2 threads")
            << ensemble << 4 << 8 << true << 2 << false;
        QTest::newRow("interference D=1 F=16, t = 0") << basis << 1 << 16 << false << 1 << true;
        QTest::newRow("interference D=3 F=8 split") << basis << 3 << 8 << true << 1 << false;
    }
    void mixedPrecisionEpochMatchesAutocast() {
        QFETCH(int, model);
        QFETCH(int, dims);
        QFETCH(int, size);
        QFETCH(bool, split);
        QFETCH(int, threads);
        QFETCH(bool, staticTime);
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(model * 100 + dims));
        std::function<void(bool)> setFused;
        const auto field = fusedField(ModelKind(model), dims, size, 1, gen, setFused);
        const int points = 2500;
        const auto x = 1.5 * at::randn({points, dims}, gen);
        const auto t = staticTime ? at::zeros({points}) : 0.5 * at::randn({points}, gen);
        auto data = epochData(x, t, 1, split, gen);
        data.bfloat16Products = true;
        QVERIFY(epochAgreesWithAutograd(*field, setFused, data, 1e-5));
        // Same-seed runs stay bit-identical: the same epoch gives the same bits.
        auto first = at::zeros({field->parameterCount()});
        auto second = at::zeros({field->parameterCount()});
        const auto a = field->fusedEpoch(data, first);
        const auto b = field->fusedEpoch(data, second);
        QVERIFY(a && b);
        QVERIFY(at::equal(first, second) && at::equal(predictionOf(*a), predictionOf(*b)));
        QCOMPARE(a->loss, b->loss);
    }

    // RFF's mixed precision keeps its fixed features in float32, rounded once
    // to bfloat16 (autocast would compute x·B itself in bfloat16, moving
    // phases of ~10 by ~0.05), and runs the readout on bfloat16 operands:
    // its loss is that of bf16(f)·bf16(w) + bf16(b), its gradient that
    // one's, rounded to bfloat16 (to one bfloat16 step, 2⁻⁸).
    void rffMixedPrecisionReadsRoundedOperands() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(29));
        RandomFourierFeatures rff(2, 24, 3.0, gen);
        const auto x = at::randn({900, 2}, gen);
        auto data = epochData(x, at::zeros({900}), 1, false, gen);
        data.bfloat16Products = true;
        auto gradient = at::zeros({rff.parameterCount()});
        const auto outcome = rff.fusedEpoch(data, gradient);
        QVERIFY(outcome);
        const auto rounded = [](const at::Tensor& v) {
            return v.detach().to(at::kBFloat16).to(at::kDouble);
        };
        const auto projected = x.matmul(rff.frequencies);
        const auto f = rounded(at::cat({at::sin(projected), at::cos(projected)}, 1));
        const auto out = f.matmul(rounded(rff.output->weight).t()) + rounded(rff.output->bias);
        const auto residual = out - data.target.to(at::kDouble);
        const double loss = residual.square().mean().item<double>();
        QVERIFY2(std::abs(outcome->loss / loss - 1.0) < 1e-9,
                 qPrintable(QString("%1 vs %2").arg(outcome->loss).arg(loss)));
        const auto gradW = (2.0 / 900.0) * (f * residual).sum(0);
        const auto gradB = (2.0 / 900.0) * residual.sum();
        const auto expected = at::cat({gradW, gradB.view({1})}).to(at::kFloat);
        QVERIFY((gradient - expected)
                    .abs()
                    .le(expected.abs() * (1.0 / 256) + 1e-12)
                    .all()
                    .item<bool>());
        QVERIFY(at::equal(gradient, gradient.to(at::kBFloat16).to(at::kFloat))); // bfloat16 values
    }

    // The Runs table's Kernel tooltip (kernelNote): empty where every part
    // of the run takes the kernel it asked for; otherwise what runs instead.
    void kernelNoteSaysWhatRunsInstead() {
        ExperimentConfig c;
        QVERIFY(kernelNote(c).empty()); // the ensemble, fused, on the CPU
        c.train.mixedPrecision = true;  // CPU AMP keeps the fused kernel
        QVERIFY(kernelNote(c).empty());
        c.model.kind = ModelKind::RandomFourier;
        QVERIFY(kernelNote(c).empty()); // the linear readout: its quadratic form
        c.model.rffLayers = 2;
        QCOMPARE(QString::fromStdString(kernelNote(c)),
                 QStringLiteral("Fused keeps the Fourier features of the training points between "
                                "epochs; the 2 hidden ReLU layers and the output train through "
                                "autograd"));
        c.model.kernel = WaveKernel::Composed; // asked for autograd: nothing to say
        QVERIFY(kernelNote(c).empty());
        c.model.kind = ModelKind::WaveEnsemble;
        c.model.kernel = WaveKernel::Fused;
        c.train.device = ComputeDevice::Cuda; // CUDA's AMP takes the composed ops
        QVERIFY(QString::fromStdString(kernelNote(c)).contains("CUDA mixed precision"));
    }

    // Where a fused epoch does not apply, the model says so and the Trainer
    // takes the autograd path.
    void fusedEpochDeclinesWhereItCannotRun() {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(5));
        WaveEnsemble waves(1, 4, gen);
        const auto x = at::randn({50, 1}, gen);
        const EpochData data{x, at::zeros({50}), at::zeros({50, 1}), {}, {}, false, {}};
        auto gradient = at::zeros({waves.parameterCount()});
        waves.useFusedKernel = false;
        QVERIFY(!waves.fusedEpoch(data, gradient));
        waves.useFusedKernel = true;
        const EpochData doubles{x.to(at::kDouble),
                                at::zeros({50}, at::kDouble),
                                at::zeros({50, 1}, at::kDouble),
                                {},
                                {},
                                false,
                                {}};
        QVERIFY(!waves.fusedEpoch(doubles, gradient)); // float model, double points
        QVERIFY(waves.fusedEpoch(data, gradient));
        WaveEnsemble threeOutputs(1, 4, gen, 3);
        auto threeGradient = at::zeros({threeOutputs.parameterCount()});
        QVERIFY(!threeOutputs.fusedEpoch(data, threeGradient)); // one target column for three
        const EpochData rgb{x, at::zeros({50}), at::zeros({50, 3}), {}, {}, false, {}};
        QVERIFY(threeOutputs.fusedEpoch(rgb, threeGradient));
        auto amp = rgb;
        amp.bfloat16Products = true; // several outputs under AMP: autocast's ops
        QVERIFY(!threeOutputs.fusedEpoch(amp, threeGradient));
        // Two outputs against one target column: the MSE broadcasts it, which
        // the kernel (one target per output) does not; it read past the
        // target's end before.
        InterferenceBasis basis(1, 4, 2, gen);
        auto basisGradient = at::zeros({basis.parameterCount()});
        QVERIFY(!basis.fusedEpoch(data, basisGradient));
        const EpochData twoColumns{x, at::zeros({50}), at::zeros({50, 2}), {}, {}, false, {}};
        QVERIFY(basis.fusedEpoch(twoColumns, basisGradient));
    }

    void sirenFusedMatchesComposed_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("hidden");
        QTest::addColumn<bool>("doublePrecision");
        QTest::addColumn<int>("threads");
        // D = 1 takes the outer-product path of the first layer, D = 3 BLAS.
        for (int dims : {1, 3}) {
            for (int hidden : {8, 64}) {
                QTest::addRow("D=%d H=%d double", dims, hidden) << dims << hidden << true << 1;
                QTest::addRow("D=%d H=%d float", dims, hidden) << dims << hidden << false << 1;
            }
        }
        QTest::newRow("D=1 H=64 double, 2 threads") << 1 << 64 << true << 2;
        QTest::newRow("D=3 H=32 float, 2 threads") << 3 << 32 << false << 2;
    }
    void sirenFusedMatchesComposed() {
        QFETCH(int, dims);
        QFETCH(int, hidden);
        QFETCH(bool, doublePrecision);
        QFETCH(int, threads);
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims * 1000 + hidden));
        Siren model(dims, hidden, 30.0, gen);
        const auto dtype = doublePrecision ? at::kDouble : at::kFloat;
        model.to(dtype);
        const auto x = (2.0 * at::randn({1500, dims}, gen)).to(dtype);
        const auto t = at::zeros({1500}, dtype);
        const auto composed = evaluate(model, x, t, false);
        const auto fused = evaluate(model, x, t, true);
        QVERIFY(agree(fused, composed, model, doublePrecision ? 1e-10 : 1e-5));
    }

    // The CUDA kernels' per-point math (what each GPU thread computes) run on
    // the host against the composed ops: outputs and every gradient of both
    // models, D = 1, 3, 5, t ≠ 0. Runs everywhere; the launch, the block sums
    // and the device memory are what only cudaMatchesCpu checks.
    void cudaPointMathMatchesComposed_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<bool>("doublePrecision");
        for (int dims : {1, 3, 5}) {
            QTest::addRow("D=%d double", dims) << dims << true;
            QTest::addRow("D=%d float", dims) << dims << false;
        }
    }
    void cudaPointMathMatchesComposed() {
        QFETCH(int, dims);
        QFETCH(bool, doublePrecision);
        const auto dtype = doublePrecision ? at::kDouble : at::kFloat;
        const double tolerance = doublePrecision ? 1e-10 : 1e-5;
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(40 + dims));
        WaveEnsemble waves(dims, 7, gen);
        InterferenceBasis interference(dims, 5, 3, gen);
        for (torch::nn::Module* model : {static_cast<torch::nn::Module*>(&waves),
                                         static_cast<torch::nn::Module*>(&interference)}) {
            model->to(dtype);
            at::NoGradGuard noGrad; // off their initial values, so no term vanishes
            for (auto& p : model->parameters()) {
                p.add_(0.2 * at::randn(p.sizes(), gen).to(dtype));
            }
        }
        const int points = 900;
        const auto x = (1.5 * at::randn({points, dims}, gen)).to(dtype);
        const auto t = (0.5 * at::randn({points}, gen)).to(dtype);
        const auto gradOut = at::linspace(-1.0, 2.0, points, x.options()); // as evaluate()'s loss
        HostRunOfCudaMath host(x, t, gradOut);
        const auto wavesOnHost = doublePrecision ? host.run<double>(waves) : host.run<float>(waves);
        QVERIFY(agree(wavesOnHost, evaluate(waves, x, t, false), waves, tolerance));
        const auto interferenceOnHost =
            doublePrecision ? host.run<double>(interference) : host.run<float>(interference);
        QVERIFY(agree(interferenceOnHost, evaluate(interference, x, t, false), interference,
                      tolerance));
    }

    // The CUDA kernels against the CPU ones: outputs and gradients for both
    // models, D = 1, 3, 5, t ≠ 0, in double. Runs only where this build has
    // the CUDA kernels and LibTorch sees a GPU.
    void cudaMatchesCpu_data() {
        QTest::addColumn<int>("dims");
        for (int dims : {1, 3, 5}) {
            QTest::addRow("D=%d", dims) << dims;
        }
    }
    void cudaMatchesCpu() {
        if (!fusedCudaKernelsBuilt() || !at::hasCUDA()) {
            QSKIP("needs a LibTorch with CUDA and a GPU");
        }
        QFETCH(int, dims);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims));
        const auto x = at::randn({3000, dims}, gen).to(at::kDouble);
        const auto t = (0.5 * at::randn({3000}, gen)).to(at::kDouble);
        WaveEnsemble waves(dims, 6, gen);
        QVERIFY(cudaAgreesWithCpu(waves, x, t));
        InterferenceBasis interference(dims, 5, 2, gen);
        QVERIFY(cudaAgreesWithCpu(interference, x, t));
    }

    void kernelIsSelectable() {
        ExperimentConfig config;
        config.train.epochs = 200;
        config.model.kernel = WaveKernel::Composed;
        const auto composed = train(config);
        config.model.kernel = WaveKernel::Fused;
        const auto fused = train(config);
        QCOMPARE(fused.status, RunStatus::Finished);
        // float32 sums in another order: close, not identical.
        for (size_t e = 0; e < composed.lossHistory.size(); e += 50) {
            QVERIFY(std::abs(fused.lossHistory[e] - composed.lossHistory[e]) <
                    1e-4 * composed.lossHistory[e]);
        }
        QCOMPARE(train(config).lossHistory, fused.lossHistory); // deterministic
        QCOMPARE(waveKernelFromName("composed"), std::optional<WaveKernel>(WaveKernel::Composed));
    }

    // More than one thread really splits the points: at::parallel_for is a
    // header template whose OpenMP pragma only takes effect in objects built
    // with -fopenmp (this test's, like the library's, get it from the same
    // CMake target). Training stays deterministic, and a whole fused epoch
    // gives the same bits at one thread and at two.
    void severalThreadsSplitThePoints() {
#ifdef __SANITIZE_THREAD__
        QSKIP("ThreadSanitizer builds leave out OpenMP (see cmake/TorchPch.cmake)");
#endif
        at::set_num_threads(2);
        std::vector<int> tasksOf(2, 0);
        at::parallel_for(0, 4096, 1024, [&](int64_t, int64_t) {
            ++tasksOf.at(size_t(at::get_thread_num())); // each thread its own slot
        });
        QCOMPARE(tasksOf, std::vector<int>({1, 1}));

        ExperimentConfig config;
        config.data.kind = DataKind::Volume4d; // 8000 points: several parallel tasks
        config.train.epochs = 40;
        config.train.threads = 2;
        const auto twoThreads = train(config);
        QCOMPARE(twoThreads.status, RunStatus::Finished);
        QCOMPARE(train(config).lossHistory, twoThreads.lossHistory);
        // The whole-epoch path sums per chunk of points, whichever thread
        // runs it: the same bits at any thread count.
        config.train.threads = 1;
        QCOMPARE(train(config).lossHistory, twoThreads.lossHistory);
    }

    void ampAndClippingWorkWithTheFusedKernel() {
        ExperimentConfig config;
        config.train.epochs = 150;
        config.train.clipGradients = true;
        config.train.clipMaxNorm = 0.5;
        const auto clipped = train(config);
        QCOMPARE(clipped.status, RunStatus::Finished);
        QVERIFY(clipped.finalLoss < clipped.lossHistory.front());
        config.train.mixedPrecision = true; // the fused epoch, rounding as autocast does
        const auto amp = train(config);
        QCOMPARE(amp.status, RunStatus::Finished);
        QVERIFY(amp.lossHistory != clipped.lossHistory);
    }
};

DREDGE_ONE_THREAD_TEST_MAIN(TestFusedKernels)
#include "test_fused_kernels.moc"
