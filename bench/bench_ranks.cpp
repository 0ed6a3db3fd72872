// Data-parallel training (issue 33): one run on 1 and on 2 ranks of one
// thread each, alternated, from 10^5 to 10^6 points (the 4-D volume's grid,
// the wave ensemble of 16 waves); the share of rank 0's epoch spent in
// messages; each rank's peak memory; and a scaling model from the measured
// compute per point and message time. Every measurement runs in processes
// of its own (this program started again), so that each peak is its own.
//
//   bench_ranks [--rounds R]
//
// Prints figures; not a test.

#include "BenchTiming.h"
#include "FieldModel.h"
#include "ModelFactory.h"
#include "RankGroup.h"
#include "RankedEpochs.h"
#include "Trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using namespace dredge;
using bench::Clock;

// What one process measured, written to its result file.
struct Measured {
    double msPerEpoch = 0, messageShare = 0, peakMiB = 0;
};

ExperimentConfig volumeRun(int grid) {
    ExperimentConfig config;
    config.data.kind = DataKind::Volume4d;
    config.data.grid = grid;
    config.train.epochs = 1000000;
    return config;
}

double peakMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}

// Rank 0 of `ranks` (a plain Trainer for one): `epochs` timed after three.
Measured trainAsRankZero(int grid, int ranks, int epochs, const std::string& rendezvous) {
    std::unique_ptr<RankGroup> group;
    if (ranks > 1) {
        group = std::make_unique<RankGroup>(RankPlace{0, ranks, rendezvous});
    }
    Trainer trainer(volumeRun(grid), group.get());
    for (int e = 0; e < 3; ++e) {
        trainer.runEpoch();
    }
    const double messagesBefore = group ? group->messageSeconds() : 0.0;
    const auto start = Clock::now();
    for (int e = 0; e < epochs; ++e) {
        trainer.runEpoch();
    }
    const double seconds = bench::seconds(start);
    Measured m;
    m.msPerEpoch = 1e3 * seconds / epochs;
    m.messageShare = group ? (group->messageSeconds() - messagesBefore) / seconds : 0.0;
    m.peakMiB = peakMiB();
    return m;
}

// Rank 0 and 1 sending what an epoch sends (the parameters out, the sums
// along and back) with no work between: the message time of an epoch.
double pingMs(int parameters, int rank, const std::string& rendezvous) {
    RankGroup group({rank, 2, rendezvous});
    auto message = at::zeros({parameters + 2});
    auto sums = at::zeros({parameters + 3}, at::kDouble);
    std::vector<double> rounds;
    for (int round = 0; round < 7; ++round) {
        const auto start = Clock::now();
        for (int i = 0; i < 300; ++i) {
            group.broadcast(message);
            if (rank == 1) {
                group.receivePrefix(sums);
            }
            group.handOn(sums);
        }
        rounds.push_back(1e3 * bench::seconds(start) / 300);
    }
    return bench::median(rounds);
}

void writeResult(const std::string& path, const Measured& m) {
    std::ofstream(path) << m.msPerEpoch << ' ' << m.messageShare << ' ' << m.peakMiB << '\n';
}

Measured readResult(const std::string& path) {
    Measured m;
    std::ifstream(path) >> m.msPerEpoch >> m.messageShare >> m.peakMiB;
    return m;
}

// This program again with `arguments`; its pid.
pid_t spawnSelf(const std::vector<std::string>& arguments) {
    std::vector<char*> argv{const_cast<char*>("/proc/self/exe")};
    for (const auto& a : arguments) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) {
        std::perror("posix_spawn");
        std::exit(1);
    }
    return pid;
}

void waitFor(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "a measuring process failed\n");
        std::exit(1);
    }
}

// One measurement: `ranks` processes; each rank's result.
std::vector<Measured> measure(const std::string& what, int grid, int ranks, int epochs) {
    char folder[] = "/tmp/bench_ranks.XXXXXX";
    if (mkdtemp(folder) == nullptr) {
        std::perror("mkdtemp");
        std::exit(1);
    }
    const std::string base = folder, rendezvous = base + "/rendezvous";
    std::vector<pid_t> pids;
    for (int rank = 0; rank < ranks; ++rank) {
        pids.push_back(spawnSelf({"--" + what, std::to_string(rank), std::to_string(ranks),
                                  std::to_string(grid), std::to_string(epochs), rendezvous,
                                  base + "/rank" + std::to_string(rank)}));
    }
    std::vector<Measured> results;
    for (int rank = 0; rank < ranks; ++rank) {
        waitFor(pids[size_t(rank)]);
        results.push_back(readResult(base + "/rank" + std::to_string(rank)));
        std::remove((base + "/rank" + std::to_string(rank)).c_str());
    }
    rmdir(folder);
    return results;
}

// A measuring process: --train/--ping RANK RANKS GRID EPOCHS RENDEZVOUS RESULT.
int runMeasuringProcess(char** argv) {
    at::set_num_threads(1);
    const std::string what = argv[1];
    const int rank = std::atoi(argv[2]), ranks = std::atoi(argv[3]), grid = std::atoi(argv[4]),
              epochs = std::atoi(argv[5]);
    const std::string rendezvous = argv[6], result = argv[7];
    Measured m;
    if (what == "--ping") {
        m.msPerEpoch = pingMs(grid, rank, rendezvous); // `grid` holds the parameter count
    } else if (rank == 0) {
        m = trainAsRankZero(grid, ranks, epochs, rendezvous);
    } else {
        RankGroup group({rank, ranks, rendezvous});
        const auto start = Clock::now();
        serveRankedEpochs(volumeRun(grid), group);
        m.messageShare = group.messageSeconds() / bench::seconds(start);
        m.peakMiB = peakMiB();
    }
    writeResult(result, m);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 8 &&
        (std::strcmp(argv[1], "--train") == 0 || std::strcmp(argv[1], "--ping") == 0)) {
        return runMeasuringProcess(argv);
    }
    const int rounds = argc == 3 && std::strcmp(argv[1], "--rounds") == 0 ? std::atoi(argv[2]) : 3;
    if (rounds < 1) {
        std::fprintf(stderr, "usage: bench_ranks [--rounds R], R at least 1\n");
        return 2;
    }
    const auto model = makeModel(volumeRun(20).model, 3, uint64_t(0));
    std::printf("Data-parallel training, 4-D volume, wave ensemble n = 16 (%lld parameters), 1 "
                "thread per rank, medians of %d alternated rounds\n\n",
                (long long)model->parameterCount(), rounds);
    // "best": the fastest round of each, less moved by another program's
    // work on a shared machine than the median.
    std::printf("%9s %10s %10s %8s %8s %9s %9s %11s %11s %11s\n", "points", "1 rank ms",
                "2 ranks ms", "speed-up", "best", "msg 0", "msg 1", "rank 0 MiB", "rank 1 MiB",
                "1 rank MiB");
    double computePerPoint = 0.0;
    for (int grid : {47, 68, 100}) {
        const int64_t points = int64_t(grid) * grid * grid;
        const int epochs = int(std::max<int64_t>(20, 3000000 / points));
        std::vector<double> one, two, share, shareOther;
        Measured lastOne, lastZero, lastOther;
        for (int round = 0; round < rounds; ++round) {
            lastOne = measure("train", grid, 1, epochs)[0];
            const auto pair = measure("train", grid, 2, epochs);
            lastZero = pair[0];
            lastOther = pair[1];
            one.push_back(lastOne.msPerEpoch);
            two.push_back(lastZero.msPerEpoch);
            share.push_back(lastZero.messageShare);
            shareOther.push_back(lastOther.messageShare);
        }
        const double oneMs = bench::median(one), twoMs = bench::median(two);
        computePerPoint = 1e-3 * oneMs / double(points); // the largest case's, for the model
        const double best =
            *std::min_element(one.begin(), one.end()) / *std::min_element(two.begin(), two.end());
        std::printf("%9lld %10.2f %10.2f %7.2fx %7.2fx %8.1f%% %8.1f%% %11.0f %11.0f %11.0f\n",
                    (long long)points, oneMs, twoMs, oneMs / twoMs, best,
                    100.0 * bench::median(share), 100.0 * bench::median(shareOther),
                    lastZero.peakMiB, lastOther.peakMiB, lastOne.peakMiB);
    }

    // Memory: every rank makes only its share of the points; rank 0 holds
    // them all (the predictions the store and plots keep are computed there).
    const int bigGrid = 200;
    const double dataMiB = std::pow(double(bigGrid), 3) * (3 + 1 + 1) * 4 / (1024.0 * 1024.0);
    std::printf("\nPeak memory, %d^3 = %.0f million points (x, t, y: %.0f MiB), 2 epochs, each "
                "rank a process of its own:\n",
                bigGrid, std::pow(double(bigGrid), 3) / 1e6, dataMiB);
    for (int ranks : {1, 2, 3}) {
        const auto peaks = measure("train", bigGrid, ranks, 2);
        std::printf("  %d rank%s:", ranks, ranks == 1 ? " " : "s");
        for (int rank = 0; rank < ranks; ++rank) {
            std::printf("  rank %d %6.0f MiB", rank, peaks[size_t(rank)].peakMiB);
        }
        std::printf("\n");
    }

    std::printf("\nMessage time of one epoch on 2 ranks here (parameters out, sums along and "
                "back, no work), median:\n");
    std::vector<std::pair<int, double>> hops;
    for (int parameters : {100, 1000, 10000}) {
        const double ms = measure("ping", parameters, 2, 0)[0].msPerEpoch;
        hops.emplace_back(parameters, ms);
        std::printf("  %6d parameters: %.3f ms\n", parameters, ms);
    }
    // The model: an epoch on N ranks is the compute of n/N points plus the
    // messages of rank 0's broadcast (N − 1 sends) and of the chain (N hops):
    // (2N − 1) one-way messages, each a third of the 2-rank round measured
    // above (which has 3): the median over the three sizes, which differ by
    // less than the machine's noise. Linear in N: rank 0's sends are posted
    // at once, so this is conservative for them.
    const double message =
        bench::median({hops[0].second, hops[1].second, hops[2].second}) / 3.0 * 1e-3;
    std::printf("\nScaling model (compute %.3g µs per point per epoch, measured at 10^6 points; "
                "%.1f µs per message):\n",
                computePerPoint * 1e6, message * 1e6);
    std::printf("%6s %14s %14s %14s %22s\n", "ranks", "10^6 ep/s", "10^7 ep/s", "10^8 ep/s",
                "pays from (points)");
    for (int n : {1, 2, 4, 8, 16, 32, 64}) {
        const double overhead = n > 1 ? (2.0 * n - 1.0) * message : 0.0;
        const auto rate = [&](double points) {
            return 1.0 / (computePerPoint * points / n + overhead);
        };
        // Below this many points, N ranks are slower than N / 2.
        const double half = n / 2, overheadHalf = half > 1 ? (2.0 * half - 1.0) * message : 0.0;
        const double breakEven =
            n > 1 ? (overhead - overheadHalf) / (computePerPoint * (1.0 / half - 1.0 / n)) : 0.0;
        std::printf("%6d %14.1f %14.2f %14.3f %22.0f\n", n, rate(1e6), rate(1e7), rate(1e8),
                    breakEven);
    }
    return 0;
}
