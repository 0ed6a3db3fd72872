// What the window costs a training run (issue 15): the same experiment trained
// headless (train() on plain threads, no callbacks) and in the window (live
// loss plot, prediction view and runs table updating, offscreen), alternately,
// REPS times each (default 5), for the chirp, the 4-D volume and the 6-D grid
// with 1 and 2 runs at once. Prints the median wall time of each, the
// overhead, and where the window's time went: the GUI thread's CPU time as a
// share of the wall time, loss-plot redraws and prediction updates per
// second. The last line is the worst case. Single pairs of runs differ by up
// to ±50 % on shared machines: only the medians of alternated runs count.
//
//   QT_QPA_PLATFORM=offscreen bench_gui_overhead [reps] [epoch scale]

#include "AllocatorTuning.h"
#include "BenchTiming.h"
#include "ExperimentForm.h"
#include "ExperimentJson.h"
#include "LossPlot.h"
#include "MainWindow.h"
#include "RunsModel.h"
#include "Trainer.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <pthread.h>
#include <thread>
#include <vector>

using namespace dredge;

namespace {

struct Case {
    const char* name;
    DataKind data;
    int grid;
    int waves;
    int64_t epochs; // about 2 s of training on this machine class
};

struct Timing {
    double seconds = 0.0;    // wall time from start to the last run's end
    double msPerEpoch = 0.0; // as the runs report it: their epochs alone, mean over runs
};

struct WindowFigures {
    double seconds = 0.0;
    double msPerEpoch = 0.0;
    double guiCpuShare = 0.0; // GUI thread CPU time / wall time
    double redrawsPerSecond = 0.0;
    double predictionsPerSecond = 0.0;
};

double threadCpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

using bench::median;

Timing headless(const ExperimentConfig& config, int runs) {
    QElapsedTimer clock;
    clock.start();
    std::vector<std::thread> threads;
    std::vector<double> ms(size_t(runs), 0.0);
    for (int r = 0; r < runs; ++r) {
        threads.emplace_back([&config, &ms, r] {
            pthread_setname_np(pthread_self(), "headless-run"); // apart from the GUI thread in perf
            ms[size_t(r)] = train(config).msPerEpoch;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    double sum = 0.0;
    for (double m : ms) {
        sum += m;
    }
    return {1e-9 * double(clock.nsecsElapsed()), sum / runs};
}

WindowFigures inWindow(const ExperimentConfig& config, int runs) {
    MainWindow window(false); // no settings, no store: the window alone
    window.resize(1440, 900);
    window.show();
    window.form()->setConfig(config);
    if (toJson(window.form()->config()) != toJson(config)) {
        std::fprintf(stderr, "the form does not hold the benchmark's experiment\n");
        std::exit(1);
    }
    QCoreApplication::processEvents(); // laid out and painted once before timing
    int ended = 0, predictions = 0;
    QEventLoop loop;
    QObject::connect(window.runs(), &RunsModel::runEnded, &loop, [&] {
        if (++ended == runs) {
            loop.quit();
        }
    });
    QObject::connect(window.runs(), &RunsModel::predictionUpdated, &loop, [&] { ++predictions; });
    const int redrawsBefore = window.lossPlot()->redrawCount();
    const double cpuBefore = threadCpuSeconds();
    QElapsedTimer clock;
    clock.start();
    for (int r = 0; r < runs; ++r) {
        window.startRun();
    }
    loop.exec();
    WindowFigures f;
    f.seconds = 1e-9 * double(clock.nsecsElapsed());
    for (const auto& e : window.runs()->entries()) {
        f.msPerEpoch += e->record.msPerEpoch / runs;
    }
    f.guiCpuShare = (threadCpuSeconds() - cpuBefore) / f.seconds;
    f.redrawsPerSecond = (window.lossPlot()->redrawCount() - redrawsBefore) / f.seconds;
    f.predictionsPerSecond = predictions / f.seconds;
    return f;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    tuneMallocForTraining(); // as the app's main does, for both ways of training
    QApplication app(argc, argv);
    const int reps = argc > 1 ? std::max(1, atoi(argv[1])) : 5;
    const double scale = argc > 2 ? std::max(0.01, atof(argv[2])) : 1.0;
    const Case cases[] = {{"chirp, ensemble n=16", DataKind::Chirp, 0, 16, 15000},
                          {"4-D volume 20^3, n=8", DataKind::Volume4d, 20, 8, 5000},
                          {"6-D grid 8^5, n=6", DataKind::Hyper6d, 8, 6, 1500}};
    std::printf("%-22s %4s %11s %9s %8s %9s %9s %8s %10s %9s\n", "case", "runs", "headless s",
                "window s", "overhead", "ms/ep hl", "ms/ep win", "GUI CPU", "redraws/s",
                "probes/s");
    double worst = -1e9;
    QString worstCase;
    for (const auto& c : cases) {
        ExperimentConfig config;
        config.data.kind = c.data;
        config.data.grid = c.grid;
        config.model.waves = c.waves;
        config.train.epochs = std::max<int64_t>(10, int64_t(double(c.epochs) * scale));
        for (int runs : {1, 2}) {
            std::vector<double> plain, window, plainMs, windowMs, cpu, redraws, predictions;
            headless(config, runs); // warm-up: first touches of memory and code
            inWindow(config, runs);
            for (int i = 0; i < reps; ++i) { // alternated, so that drift hits both alike
                const auto h = headless(config, runs);
                plain.push_back(h.seconds);
                plainMs.push_back(h.msPerEpoch);
                const auto f = inWindow(config, runs);
                window.push_back(f.seconds);
                windowMs.push_back(f.msPerEpoch);
                cpu.push_back(f.guiCpuShare);
                redraws.push_back(f.redrawsPerSecond);
                predictions.push_back(f.predictionsPerSecond);
            }
            const double overhead = median(window) / median(plain) - 1.0;
            std::printf("%-22s %4d %11.3f %9.3f %7.1f%% %9.3f %9.3f %7.1f%% %10.1f %9.1f\n", c.name,
                        runs, median(plain), median(window), 100.0 * overhead, median(plainMs),
                        median(windowMs), 100.0 * median(cpu), median(redraws),
                        median(predictions));
            std::fflush(stdout);
            if (overhead > worst) {
                worst = overhead;
                worstCase = QStringLiteral("%1, %2 run(s)").arg(QLatin1String(c.name)).arg(runs);
            }
        }
    }
    std::printf("worst case: %s: %+.1f%% (target: at most 5%%)\n", qPrintable(worstCase),
                100.0 * worst);
    return 0;
}
