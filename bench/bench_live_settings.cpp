// What live settings cost (the live-settings issue): the gradient norm every
// epoch now computes, the driver's per-epoch checks for changes and the
// journal, and one applied change (its checkpoint, the schedule and stop
// rules rebuilt over the losses so far), on the chirp and the 4-D volume.
//
// usage: bench_live_settings [--rounds N] [--change-every K]
//
// Each round runs the variants in turn (A, B, C, A, B, C, ...) and the figures
// are medians over rounds, so that drift within a sitting falls on all alike:
//   bare    train() alone: the epoch loop, no driver (its norm included)
//   driven  driveRun with controls, a journal sink and gradient norms in batches
//   changed the same with a learning-rate change applied every K epochs
//           (default 1: thousands of changes, so that their cost stands out of
//           the noise), and a checkpoint kept at each
// The norm's own cost is timed apart: FlatAdam::gradientNorm over a gradient
// of the model's size, against the epoch.

#include "BenchTiming.h"
#include "ExperimentConfig.h"
#include "FlatAdam.h"
#include "RunControl.h"
#include "RunDriver.h"
#include "SettingChange.h"
#include "Trainer.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace dredge;

namespace {

using bench::Clock;
using bench::median;
using bench::seconds;

// A sink like a recording's, minus the database: batches, the journal, checkpoints.
class CountingSink : public RunSink {
public:
    explicit CountingSink(RunControl* control, int every)
        : control_(control)
        , every_(every) {}
    void ready(const Trainer&) override {}
    void progress(const ProgressBatch& batch) override { norms += batch.gradientNorms.size(); }
    EpochVerdict epoch(const Trainer&, int64_t epoch, double) override {
        if (every_ > 0 && (epoch + 1) % every_ == 0) {
            SettingChange change;
            change.setting = QStringLiteral("lr");
            change.value = (epoch / every_) % 2 ? 1e-3 : 2e-3;
            control_->post(change);
        }
        return EpochVerdict::Continue;
    }
    void checkpoint(const TrainingCheckpoint&) override { ++checkpoints; }
    void changed(const SettingChange& c) override { applied += c.state == ChangeState::Applied; }

    size_t norms = 0;
    int checkpoints = 0, applied = 0;

private:
    RunControl* control_;
    int every_;
};

// ms per epoch of one variant (setup excluded: TrainResult::msPerEpoch).
double msPerEpoch(const ExperimentConfig& config, int changeEvery, int* applied) {
    if (changeEvery < 0) {
        return train(config).msPerEpoch;
    }
    RunControl control;
    CountingSink sink(&control, changeEvery);
    RunDrive drive{config};
    drive.keep = true;
    drive.keepParameters = false; // kept parameters are the replay issue's cost, not this one
    drive.control = &control;
    const auto start = Clock::now();
    const auto result = driveRun(drive, sink);
    if (applied) {
        *applied = sink.applied;
    }
    // The driver's own work happens inside the epoch callback, which
    // msPerEpoch leaves out: time the whole drive instead, less setup.
    return 1e3 *
           (seconds(start) -
            (result.wallSeconds - 1e-3 * result.msPerEpoch * double(result.epochsDone))) /
           double(result.epochsDone);
}

double normNanoseconds(int64_t parameters) {
    auto p = at::zeros({parameters}, at::kFloat).set_requires_grad(true);
    FlatAdam adam({p}, AdamSettings{});
    adam.gradientToWrite().normal_();
    const int calls = 20000;
    double sink = 0.0;
    const auto start = Clock::now();
    for (int i = 0; i < calls; ++i) {
        sink += adam.gradientNorm();
    }
    const double ns = 1e9 * seconds(start) / calls;
    return sink > 0 ? ns : ns; // keeps the calls
}

struct Case {
    const char* name;
    ExperimentConfig config;
};

} // namespace

int main(int argc, char** argv) {
    int rounds = 9;
    int changeEvery = 1;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else if (!std::strcmp(argv[i], "--change-every") && i + 1 < argc) {
            changeEvery = std::max(1, std::atoi(argv[++i]));
        }
    }
    at::set_num_threads(1);
    ExperimentConfig chirp;
    chirp.train.epochs = 2000;
    ExperimentConfig volume;
    volume.data.kind = DataKind::Volume4d;
    volume.train.epochs = 300;
    std::printf("%-9s %9s %9s %9s %10s %10s %12s %12s\n", "case", "bare ms", "driven ms",
                "changed ms", "driver %", "norm %", "change ms", "change/epoch");
    for (const auto& c : {Case{"chirp", chirp}, Case{"volume4d", volume}}) {
        std::vector<double> bare, driven, changed;
        int applied = 0;
        for (int r = 0; r < rounds; ++r) {
            bare.push_back(msPerEpoch(c.config, -1, nullptr));
            driven.push_back(msPerEpoch(c.config, 0, nullptr));
            changed.push_back(msPerEpoch(c.config, changeEvery, &applied));
        }
        const double a = median(bare), b = median(driven), d = median(changed);
        const int64_t parameters = Trainer(c.config).setup().parameters;
        const double normMs = 1e-6 * normNanoseconds(parameters);
        const double perChange = (d - b) * double(c.config.train.epochs) / std::max(1, applied);
        std::printf("%-9s %9.4f %9.4f %9.4f %9.2f%% %9.3f%% %12.4f %12.2f\n", c.name, a, b, d,
                    100.0 * (b - a) / a, 100.0 * normMs / a, perChange, perChange / b);
    }
    std::printf("driver %%: driven against bare (the control checks, the journal, norms in "
                "batches); norm %%: one gradient norm against a bare epoch; change ms: the extra "
                "time of one applied change (checkpoint and rebuilt schedule included), "
                "change/epoch: that in epochs. Medians of %d alternating rounds, 1 thread.\n",
                rounds);
    return 0;
}
