// Loss-plot redraw cost with many runs on screen (issue 5: smooth with 10 runs
// × 10,000 epochs). Fills a real LossPlot through the RunsModel's signals and
// times full replots, with QCustomPlot's adaptive sampling as the window uses
// it. Runs offscreen: QT_QPA_PLATFORM=offscreen bench_loss_plot

#include "LossPlot.h"
#include "QCustomPlotInclude.h"
#include "RunsModel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <cmath>
#include <cstdio>

using namespace dredge;

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    RunsModel runs;
    LossPlot plot(&runs);
    plot.resize(1200, 700);
    plot.show();
    constexpr int kRuns = 10, kEpochs = 10000;
    for (int r = 0; r < kRuns; ++r) {
        SavedRun saved;
        saved.name = QStringLiteral("run %1").arg(r);
        saved.config.train.epochs = kEpochs;
        for (int e = 0; e < kEpochs; ++e) {
            // A decaying, noisy curve like a real loss history.
            saved.result.lossHistory.push_back(0.07 * std::exp(-e / (800.0 + 200 * r)) *
                                                   (1.0 + 0.05 * std::sin(e * 0.37 + r)) +
                                               1e-4);
        }
        runs.addSavedRun(saved);
    }
    for (bool log : {true, false}) {
        plot.setLogScale(log);
        plot.plot()->rescaleAxes();
        plot.plot()->replot(QCustomPlot::rpImmediateRefresh); // warm-up
        QElapsedTimer timer;
        timer.start();
        constexpr int kReplots = 30;
        for (int i = 0; i < kReplots; ++i) {
            plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
        }
        const double ms = double(timer.nsecsElapsed()) / 1e6 / kReplots;
        std::printf(
            "%d runs x %d epochs, %s axis: %.2f ms per full replot (%.0f replots/s possible; "
            "the window asks for at most 30)\n",
            kRuns, kEpochs, log ? "log" : "linear", ms, 1000.0 / ms);
    }
    return 0;
}
