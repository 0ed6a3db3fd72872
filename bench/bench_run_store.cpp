// What the run store costs (issue 12):
//  1. ms/epoch of the chirp wave ensemble trained as `train` trains it, with
//     the run recorded into an SQLite store and without: alternated, medians,
//     timed from outside train() (its own ms/epoch leaves callbacks out).
//     Target: within 2 %.
//  2. Opening a store of 10,000 runs × 2,000 epochs and listing every run, as
//     the History panel and `runs list` do. Target: under 1 s.
//
// usage: bench_run_store [--repeats N] [--epochs N] [--runs N] [--history N]
//                        [--store-file PATH]   (kept and reused when it exists)

#include "AllocatorTuning.h"
#include "BenchTiming.h"
#include "RunDriver.h"
#include "RunStore.h"
#include "TrainRecording.h"
#include "Trainer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace dredge;

namespace {

using bench::median;

// Off: neither store nor kept parameters; Parameters: kept parameters only
// (the window without a store); On: as `train` records (parameters, checkpoints).
enum class Recording { Off, Parameters, On };

// One chirp run's epochs, timed from outside from the moment its data exists;
// recorded as `train` records it (checkpoints too), or not.
class TimedSink : public ForwardingSink {
public:
    explicit TimedSink(TrainRecording* recording)
        : ForwardingSink(recording) {}
    void ready(const Trainer& trainer) override {
        clock.start();
        ForwardingSink::ready(trainer);
    }
    QElapsedTimer clock;
};

double msPerEpoch(const ExperimentConfig& config, const StoreLocation& store, Recording mode) {
    std::unique_ptr<TrainRecording> recording;
    if (mode != Recording::Off) {
        recording = std::make_unique<TrainRecording>(store, config, QStringLiteral("bench"));
    }
    TimedSink sink(recording.get());
    const auto result =
        driveRun(RunDrive{config, nullptr, mode == Recording::On, mode != Recording::Off}, sink);
    const double ms = double(sink.clock.nsecsElapsed()) * 1e-6 / double(result.epochsDone);
    if (recording && !recording->finish(result)) {
        std::fprintf(stderr, "store failed: %s\n", qPrintable(recording->problem()));
    }
    return ms;
}

void benchTraining(const char* title, const ExperimentConfig& config, int repeats,
                   const QString& folder) {
    QString error;
    const auto store = *parseStoreUrl(
        QStringLiteral("sqlite:") + folder + QStringLiteral("/train.sqlite"), &error);
    const Recording modes[] = {Recording::Off, Recording::Parameters, Recording::On};
    for (auto mode : modes) { // warm-up: allocator, OpenMP, caches, the store file
        msPerEpoch(config, store, mode);
    }
    std::vector<double> ms[3];
    for (int i = 0; i < repeats; ++i) { // interleaved, so drift hits every mode alike
        for (auto mode : modes) {
            ms[int(mode)].push_back(msPerEpoch(config, store, mode));
        }
    }
    std::printf("%s, %lld epochs, %d runs each, interleaved:\n", title,
                (long long)config.train.epochs, repeats);
    std::printf("  %-24s %10s %10s %10s %14s\n", "", "median", "min", "max", "vs off (paired)");
    const char* names[] = {"store off, none kept", "parameters kept, no store",
                           "store on (as train)"};
    for (auto mode : modes) {
        const auto& v = ms[int(mode)];
        // Each run against the off run beside it: drift between rounds cancels.
        std::vector<double> ratios;
        for (size_t i = 0; i < v.size(); ++i) {
            ratios.push_back(v[i] / ms[0][i]);
        }
        std::printf("  %-24s %10.4f %10.4f %10.4f %+13.2f %%\n", names[int(mode)], median(v),
                    *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()),
                    100.0 * (median(ratios) - 1.0));
    }
    std::printf("  (ms/epoch; target: store on within 2 %% of off)\n\n");
}

void benchTraining(int repeats, int64_t epochs, const QString& folder) {
    ExperimentConfig chirp; // chirp, wave ensemble n=16, fused kernel, 1 thread
    chirp.train.epochs = epochs;
    benchTraining("chirp wave ensemble n=16", chirp, repeats, folder);
    ExperimentConfig hyper = chirp; // 6-D 8^5: 32,768 points
    hyper.data.kind = DataKind::Hyper6d;
    hyper.model.waves = 6;
    hyper.train.epochs = std::max<int64_t>(1, epochs / 4);
    benchTraining("6-D 8^5 wave ensemble n=6", hyper, repeats, folder);
}

// A store as a long-used one looks: runs × epochs of history in the chunks the
// writer makes (one a second, here 500 epochs), eight snapshots each (as
// stores before schema 6 kept them).
bool fillStore(const StoreLocation& location, int runs, int64_t history) {
    RunStore store;
    QString error;
    if (!store.open(location, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return false;
    }
    std::vector<double> chunk(500);
    const std::vector<float> snapshot(1000, 0.5f);
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < runs; ++i) {
        if (i % 500 == 0 && !store.beginWrite(&error)) {
            break;
        }
        ExperimentConfig config;
        config.train.epochs = history;
        config.train.seed = uint64_t(i);
        config.train.learningRate = 1e-3 * (1 + i % 7);
        auto r = newRunRecord(config, QStringLiteral("run %1").arg(i));
        r.created = r.created.addSecs(i - runs);
        r.status = RecordStatus::Finished;
        r.epochsDone = history;
        r.finalLoss = 0.01 / (1 + i % 13);
        r.tags = i % 3 ? QStringList{} : QStringList{QStringLiteral("sweep")};
        bool ok = store.insertRun(r, &error);
        for (int64_t first = 0; ok && first < history; first += int64_t(chunk.size())) {
            for (size_t e = 0; e < chunk.size(); ++e) {
                chunk[e] = 0.1 / (1.0 + double(first) + double(e));
            }
            const auto n = std::min<int64_t>(int64_t(chunk.size()), history - first);
            ok = store.appendLosses(r.id, first,
                                    std::vector<double>(chunk.begin(), chunk.begin() + n), &error);
        }
        for (int s = 0; ok && s < 8; ++s) {
            ok = store.addSnapshot(r.id, StoredSnapshot{history / 8 * (s + 1) - 1, 1, snapshot},
                                   &error);
        }
        if (!ok || ((i % 500 == 499 || i + 1 == runs) && !store.commit(&error))) {
            std::fprintf(stderr, "filling the store failed: %s\n", qPrintable(error));
            return false;
        }
    }
    std::printf("filled %d runs × %lld epochs in %.1f s\n", runs, (long long)history,
                double(clock.elapsed()) * 1e-3);
    return true;
}

int storedRuns(const StoreLocation& location) {
    RunStore store;
    QString error;
    const auto runs = store.open(location, &error) ? store.listRuns(&error) : std::nullopt;
    return runs ? int(runs->size()) : -1;
}

void benchListing(int runs, int64_t history, const QString& path) {
    QString error;
    const auto location = *parseStoreUrl(QStringLiteral("sqlite:") + path, &error);
    if (storedRuns(location) != runs) { // a kept store of the right size is reused
        QFile::remove(path);
        if (!fillStore(location, runs, history)) {
            return;
        }
    }
    std::printf("store %s: %.0f MiB\n", qPrintable(path),
                double(QFileInfo(path).size()) / (1024.0 * 1024.0));
    std::vector<double> openMs, listMs;
    size_t listed = 0;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer clock;
        clock.start();
        RunStore store;
        if (!store.open(location, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return;
        }
        openMs.push_back(double(clock.nsecsElapsed()) * 1e-6);
        clock.restart();
        const auto all = store.listRuns(&error);
        listMs.push_back(double(clock.nsecsElapsed()) * 1e-6);
        listed = all ? all->size() : 0;
    }
    std::printf("open %.1f ms + list %zu runs %.1f ms = %.1f ms (medians of 5; target < 1000 ms)\n",
                median(openMs), listed, median(listMs), median(openMs) + median(listMs));
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    tuneMallocForTraining(); // as `train` does
    int repeats = 7, runs = 10000;
    int64_t epochs = 2000, history = 2000;
    QString storeFile;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--repeats")) {
            repeats = std::atoi(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--epochs")) {
            epochs = std::atoll(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--runs")) {
            runs = std::atoi(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--history")) {
            history = std::atoll(argv[i + 1]);
        } else if (!std::strcmp(argv[i], "--store-file")) {
            storeFile = QString::fromLocal8Bit(argv[i + 1]);
        }
    }
    QTemporaryDir folder;
    benchTraining(repeats, epochs, folder.path());
    benchListing(runs, history,
                 storeFile.isEmpty() ? folder.filePath(QStringLiteral("big.sqlite")) : storeFile);
    return 0;
}
