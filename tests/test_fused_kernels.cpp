// The fused kernels against the composed tensor ops: the wave ensemble and
// the interference basis (issue 6), and SIREN's sine layers (issue 3). Outputs
// and every parameter gradient, double precision to 1e-10 relative and float32
// to 1e-5, for several D and sizes, t ≠ 0, on one and two threads; and the
// CUDA kernels against the CPU ones where a GPU is there.

#include "FusedKernelSelection.h"
#include "InterferenceBasis.h"
#include "ModelFactory.h"
#include "Siren.h"
#include "Trainer.h"
#include "WaveEnsemble.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <QtTest>

using namespace dredge;

namespace {

struct Evaluation {
    at::Tensor out;
    std::vector<at::Tensor> grads;
};

// Model: any FieldModel with a useFusedKernel switch.
template <typename Model>
Evaluation evaluate(Model& model, const at::Tensor& x, const at::Tensor& t, bool fused) {
    model.useFusedKernel = fused;
    model.zero_grad(true);
    const auto out = model.forward(x, t);
    // A loss whose gradient differs per point exercises the whole backward.
    const auto weights = at::linspace(-1.0, 2.0, x.size(0), x.options()).unsqueeze(1);
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

// Model: a FieldModel with keptTermBudgetBytes. Kept, recomputed and
// forward-only terms must give bit-identical results.
template <typename Model>
void checkKeptTerms(Model& model, const at::Tensor& x, const at::Tensor& t) {
    model.to(at::kDouble);
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

} // namespace

class TestFusedKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cleanup() { at::set_num_threads(1); }

    void fusedMatchesComposed_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("waves");
        QTest::addColumn<bool>("doublePrecision");
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("points");
        for (int dims : {1, 3, 5}) {
            for (int waves : {1, 4, 9}) {
                QTest::addRow("D=%d n=%d double", dims, waves) << dims << waves << true << 1 << 700;
                QTest::addRow("D=%d n=%d float", dims, waves) << dims << waves << false << 1 << 700;
            }
        }
        QTest::newRow("D=3 n=6 double, 2 threads") << 3 << 6 << true << 2 << 5000;
        QTest::newRow("D=1 n=16 float, 2 threads, 3000 points") << 1 << 16 << false << 2 << 3000;
    }
    // The forward keeps the terms its backward needs, within a budget; past
    // it the backward computes them again, and a forward without gradients
    // computes only its own. All three give the same numbers.
    void keptTermsChangeNothing_data() {
        QTest::addColumn<int>("dims");
        QTest::addColumn<int>("threads");
        QTest::newRow("D=1") << 1 << 1;
        QTest::newRow("D=5, 2 threads") << 5 << 2;
    }
    void keptTermsChangeNothing() {
        QFETCH(int, dims);
        QFETCH(int, threads);
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims));
        const auto x = at::randn({1300, dims}, gen).to(at::kDouble);
        const auto t = (0.5 * at::randn({1300}, gen)).to(at::kDouble);
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
        at::set_num_threads(threads);
        auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(dims * 100 + waves));
        WaveEnsemble model(dims, waves, gen);
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
        const auto composed = evaluate(model, x, t, false);
        const auto fused = evaluate(model, x, t, true);
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

    void ampAndClippingWorkWithTheFusedKernel() {
        ExperimentConfig config;
        config.train.epochs = 150;
        config.train.clipGradients = true;
        config.train.clipMaxNorm = 0.5;
        const auto clipped = train(config);
        QCOMPARE(clipped.status, RunStatus::Finished);
        QVERIFY(clipped.finalLoss < clipped.lossHistory.front());
        config.train.mixedPrecision = true; // autocast: the composed ops run
        const auto amp = train(config);
        QCOMPARE(amp.status, RunStatus::Finished);
        QVERIFY(amp.lossHistory != clipped.lossHistory);
    }
};

QTEST_GUILESS_MAIN(TestFusedKernels)
#include "test_fused_kernels.moc"
