// Fitting a picture (issue 31): the SIREN demo's setting (camera.png at
// 256×256, SIREN 256 wide with 3 hidden layers, lr 1e-4, 500 full-batch
// epochs), its PSNR and seconds on this machine, and each other model given
// the same wall time. Prints a table; not a test.
//
//   bench_images [--image FILE] [--size 256] [--epochs 500] [--threads N]
//                [--others S] [--no-siren]
//
// --others S gives the other models S seconds each instead of SIREN's time;
// --no-siren skips SIREN's run (with --others).
//   bench_images --memory [--image FILE] [--size 2048] [--batch 65536] [--epochs 1]
//
// --memory: peak resident memory of the process training SIREN 256 × 3 on a
// large picture in mini-batches (an RGB one by default), and its time.
//   bench_images --generalise [--image FILE] [--seconds S] [--threads N]
//
// --generalise: Fourier Features' protocol (Tancik et al. 2020, Table 1): a
// 512² picture, every other pixel along both axes trains (256² points),
// PSNR on the other three quarters; each model gets S seconds (default 120).
//   bench_images --audio [FILE] [--seconds S] [--threads N]
//
// --audio: a sound (alsa-utils' Front_Center.wav by default) fitted by SIREN
// 256 x 3 with the SIREN paper's audio first layer (w0 3000), by SIREN with
// w0 30 throughout, and by the wave ensemble, S seconds each (default 120):
// SNR (signal power over error power) and PSNR (peak |y|) of the fit.

#include "BenchTiming.h"
#include "SignalFiles.h"
#include "Trainer.h"

#include <QCoreApplication>
#include <QStringList>
#include <cmath>
#include <cstdio>
#include <sys/resource.h>
#include <thread>

using namespace dredge;
using namespace dredge::bench;

namespace {

struct Fit {
    int64_t epochs = 0;
    double seconds = 0.0;
    double psnr = 0.0; // of the last prediction, on every pixel
    int64_t parameters = 0;
};

double psnrOf(const Trainer& trainer) {
    const auto prediction = trainer.predictTrainingPoints();
    const auto targets = trainer.trainingTargets();
    double sum = 0.0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const double d = double(prediction[i]) - double(targets[i]);
        sum += d * d;
    }
    const double mse = sum / double(targets.size());
    return 10.0 * std::log10(1.0 / mse); // values in [0, 1]: the peak is 1
}

// Trains until `epochs` are done or `budget` seconds have passed (0: no limit).
Fit fit(const ExperimentConfig& config, int64_t epochs, double budget) {
    Trainer trainer(config);
    Fit f;
    f.parameters = trainer.setup().parameters;
    const auto start = Clock::now();
    while (f.epochs < epochs && (budget <= 0.0 || seconds(start) < budget)) {
        trainer.runEpoch();
        ++f.epochs;
    }
    f.seconds = seconds(start);
    f.psnr = psnrOf(trainer);
    return f;
}

QString option(const QStringList& args, const QString& name, const QString& fallback) {
    const auto i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args[i + 1] : fallback;
}

double peakResidentMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0; // KiB on Linux
}

int measureMemory(ExperimentConfig config, int64_t batch, int64_t epochs) {
    config.model.kind = ModelKind::Siren;
    config.model.hidden = 256;
    config.model.sirenLayers = 3;
    config.train.learningRate = 1e-4;
    config.train.batch = batch;
    const double before = peakResidentMiB();
    const auto f = fit(config, epochs, 0.0);
    std::printf("SIREN 256 x 3, batches of %lld points: %lld epoch%s in %.1f s, PSNR %.2f dB; "
                "peak resident memory %.0f MiB (%.0f MiB before training)\n",
                (long long)batch, (long long)f.epochs, f.epochs == 1 ? "" : "s", f.seconds, f.psnr,
                peakResidentMiB(), before);
    return 0;
}

// An experiment on `data`, its file read, on `threads` threads without
// clipping; nothing, said, where the file cannot be read.
std::optional<ExperimentConfig> benchConfigOf(const DataConfig& data, int threads) {
    ExperimentConfig config;
    config.data = data;
    QString error;
    if (!readDataFiles(config.data, &error)) {
        std::fprintf(stderr, "bench_images: %s\n", qPrintable(error));
        return std::nullopt;
    }
    config.train.threads = threads;
    config.train.clipGradients = false;
    return config;
}

// Epochs until `budget` seconds have passed: how many, and the seconds taken.
std::pair<int64_t, double> trainWithin(Trainer& trainer, double budget) {
    int64_t epochs = 0;
    const auto start = Clock::now();
    while (seconds(start) < budget) {
        trainer.runEpoch();
        ++epochs;
    }
    return {epochs, seconds(start)};
}

// Every other pixel along both axes of a picture's grid (Fourier Features'
// training set) as scattered points; the rest held out.
struct Split {
    SampledSignal train;
    std::vector<float> heldCoords, heldValues;
};

Split everyOtherPixel(const SampledSignal& picture) {
    const int64_t height = picture.shape[0], width = picture.shape[1];
    const int channels = picture.channels;
    Split split;
    split.train.dims = 2;
    split.train.channels = channels;
    split.train.description = picture.description + ", every other pixel";
    for (int64_t i = 0; i < height; ++i) {
        for (int64_t j = 0; j < width; ++j) {
            const bool trains = i % 2 == 0 && j % 2 == 0;
            auto& coords = trains ? split.train.coords : split.heldCoords;
            auto& values = trains ? split.train.values : split.heldValues;
            coords.push_back(float(-1.0 + 2.0 * double(i) / double(height - 1)));
            coords.push_back(float(-1.0 + 2.0 * double(j) / double(width - 1)));
            const float* v = picture.values.data() + (i * width + j) * channels;
            values.insert(values.end(), v, v + channels);
        }
    }
    split.train.shape = {int64_t(split.train.values.size()) / channels};
    return split;
}

// PSNR on the held-out pixels (values in [0, 1]: the peak is 1), predicted
// in blocks.
double heldOutPsnr(const Trainer& trainer, const Split& split) {
    constexpr size_t kPoints = 32768;
    const size_t points = split.heldCoords.size() / 2;
    const size_t channels = split.heldValues.size() / points;
    double sum = 0.0;
    for (size_t first = 0; first < points; first += kPoints) {
        const size_t end = std::min(points, first + kPoints);
        const auto predicted = trainer.predict(std::vector<float>(
            split.heldCoords.begin() + long(2 * first), split.heldCoords.begin() + long(2 * end)));
        for (size_t k = 0; k < predicted.size(); ++k) {
            const double d = double(predicted[k]) - double(split.heldValues[first * channels + k]);
            sum += d * d;
        }
    }
    return 10.0 * std::log10(double(split.heldValues.size()) / sum);
}

int measureGeneralisation(ExperimentConfig base, double budget) {
    const auto split = everyOtherPixel(*base.data.samples);
    base.data.kind = DataKind::Table; // scattered points, as a table's rows
    base.data.tablePath = base.data.imagePath;
    base.data.tableInputs = "y,x";
    base.data.tableOutputs = split.train.channels == 1 ? "v" : "r,g,b";
    base.data.samples = std::make_shared<const SampledSignal>(split.train);
    std::printf("\nFourier Features' protocol: %lld points train, %zu held out; %.0f s each\n\n"
                "| model | setting | parameters | epochs | held-out PSNR (dB) | paper (dB) |\n"
                "|---|---|---|---|---|---|\n",
                (long long)split.train.shape[0],
                split.heldValues.size() / size_t(split.train.channels), budget);
    struct Entry {
        const char* model;
        const char* setting;
        ModelKind kind;
        int rffLayers;
        double lr;
        const char* paper;
    };
    const Entry entries[] = {
        {"RFF + ReLU MLP", "Gaussian s = 10, 256 frequencies, 4 x 256 ReLU, lr 1e-3",
         ModelKind::RandomFourier, 4, 1e-3, "25.57 (mean of natural images, 2000 steps)"},
        {"RFF", "Gaussian s = 10, 256 frequencies, linear readout, lr 1e-2",
         ModelKind::RandomFourier, 0, 1e-2, "-"},
        {"SIREN", "256 wide, 3 hidden layers, w0 30, lr 1e-4", ModelKind::Siren, 0, 1e-4, "-"},
        {"wave ensemble", "64 waves, lr 1e-2", ModelKind::WaveEnsemble, 0, 1e-2, "-"},
    };
    for (const auto& e : entries) {
        auto config = base;
        config.model.kind = e.kind;
        config.model.features = 256;
        config.model.rffScale = 10.0;
        config.model.rffLayers = e.rffLayers;
        config.model.hidden = 256;
        config.model.sirenLayers = 3;
        config.model.waves = 64;
        config.train.learningRate = e.lr;
        Trainer trainer(config);
        const auto epochs = trainWithin(trainer, budget).first;
        std::printf("| %s | %s | %lld | %lld | %.2f | %s |\n", e.model, e.setting,
                    (long long)trainer.setup().parameters, (long long)epochs,
                    heldOutPsnr(trainer, split), e.paper);
        std::fflush(stdout);
    }
    std::printf("\nThe paper's no-mapping ReLU MLP: 19.32 dB.\n");
    return 0;
}

// SNR and PSNR (against the largest |y|) of a trainer's fit, in dB.
std::pair<double, double> soundFitOf(const Trainer& trainer) {
    const auto prediction = trainer.predictTrainingPoints();
    const auto targets = trainer.trainingTargets();
    double signal = 0.0, error = 0.0, peak = 0.0;
    for (size_t i = 0; i < targets.size(); ++i) {
        const double d = double(prediction[i]) - double(targets[i]);
        signal += double(targets[i]) * double(targets[i]);
        error += d * d;
        peak = std::max(peak, std::abs(double(targets[i])));
    }
    const double mse = error / double(targets.size());
    return {10.0 * std::log10(signal / error), 10.0 * std::log10(peak * peak / mse)};
}

int measureSound(const QString& path, double budget, int threads) {
    DataConfig data;
    data.kind = DataKind::Audio;
    data.audioPath = path.toStdString();
    const auto read = benchConfigOf(data, threads);
    if (!read) {
        return 1;
    }
    const auto& base = *read;
    std::printf("%s, %d thread%s, %.0f s each\n\n"
                "| model | setting | parameters | epochs | seconds | SNR (dB) | PSNR (dB) |\n"
                "|---|---|---|---|---|---|---|\n",
                base.data.samples->description.c_str(), threads, threads == 1 ? "" : "s", budget);
    struct Entry {
        const char* model;
        const char* setting;
        ModelKind kind;
        double firstW0; // 0: w0 throughout
        double lr;
    };
    const Entry entries[] = {
        {"SIREN",
         "256 wide, 3 hidden layers, first layer w0 3000 (the SIREN paper's audio), lr 1e-4",
         ModelKind::Siren, 3000.0, 1e-4},
        {"SIREN", "256 wide, 3 hidden layers, w0 30 throughout, lr 1e-4", ModelKind::Siren, 0.0,
         1e-4},
        {"wave ensemble", "64 waves, lr 1e-2", ModelKind::WaveEnsemble, 0.0, 1e-2},
    };
    for (const auto& e : entries) {
        auto config = base;
        config.model.kind = e.kind;
        config.model.hidden = 256;
        config.model.sirenLayers = 3;
        if (e.firstW0 > 0.0) {
            config.model.firstW0 = e.firstW0;
        }
        config.model.waves = 64;
        config.train.learningRate = e.lr;
        Trainer trainer(config);
        const auto [epochs, took] = trainWithin(trainer, budget);
        const auto [snr, psnr] = soundFitOf(trainer);
        std::printf("| %s | %s | %lld | %lld | %.1f | %.2f | %.2f |\n", e.model, e.setting,
                    (long long)trainer.setup().parameters, (long long)epochs, took, snr, psnr);
        std::fflush(stdout);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const auto args = app.arguments();
    const bool memory = args.contains("--memory");
    const bool generalise = args.contains("--generalise");
    if (const auto i = args.indexOf("--audio"); i >= 0) {
        const auto given = i + 1 < args.size() && !args[i + 1].startsWith("--");
        return measureSound(
            given ? args[i + 1] : "/usr/share/sounds/alsa/Front_Center.wav",
            option(args, "--seconds", "120").toDouble(),
            option(args, "--threads", QString::number(std::thread::hardware_concurrency()))
                .toInt());
    }
    const QString image =
        option(args, "--image",
               memory ? "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
                      : "/usr/lib/python3/dist-packages/skimage/data/camera.png");
    const int size = option(args, "--size", memory ? "2048" : generalise ? "512" : "256").toInt();
    const int64_t epochs = option(args, "--epochs", memory ? "1" : "500").toLongLong();
    const int threads =
        option(args, "--threads", QString::number(std::thread::hardware_concurrency())).toInt();

    DataConfig data;
    data.kind = DataKind::Image;
    data.imagePath = image.toStdString();
    data.resize = QStringLiteral("%1x%1").arg(size).toStdString();
    const auto read = benchConfigOf(data, threads);
    if (!read) {
        return 1;
    }
    const auto& base = *read;
    std::printf("%s, %d thread%s\n", base.data.samples->description.c_str(), threads,
                threads == 1 ? "" : "s");
    if (memory) {
        return measureMemory(base, option(args, "--batch", "65536").toLongLong(), epochs);
    }
    if (generalise) {
        return measureGeneralisation(base, option(args, "--seconds", "120").toDouble());
    }

    auto siren = base;
    siren.model.kind = ModelKind::Siren;
    siren.model.hidden = 256;
    siren.model.sirenLayers = 3;
    siren.train.learningRate = 1e-4;
    std::printf("\n| model | setting | parameters | epochs | seconds | PSNR (dB) |\n"
                "|---|---|---|---|---|---|\n");
    const auto row = [](const char* model, const char* setting, const Fit& f) {
        std::printf("| %s | %s | %lld | %lld | %.1f | %.2f |\n", model, setting,
                    (long long)f.parameters, (long long)f.epochs, f.seconds, f.psnr);
        std::fflush(stdout);
    };
    const bool runSiren = !args.contains("--no-siren");
    Fit demo;
    if (runSiren) {
        demo = fit(siren, epochs, 0.0);
        row("SIREN", "256 wide, 3 hidden layers, w0 30, lr 1e-4 (the SIREN demo)", demo);
    }
    const double others = option(args, "--others", QString::number(demo.seconds)).toDouble();
    if (others <= 0.0) {
        std::fprintf(stderr, "bench_images: --no-siren needs --others S\n");
        return 2;
    }

    // The others, each for SIREN's wall time (or --others), at a learning rate that suits it.
    auto rff = base;
    rff.model.kind = ModelKind::RandomFourier;
    rff.model.features = 256;
    rff.model.rffScale = 10.0;
    rff.train.learningRate = 1e-2;
    row("RFF", "256 Gaussian frequencies, s = 10, linear readout, lr 1e-2",
        fit(rff, INT64_MAX, others));
    auto waves = base;
    waves.model.kind = ModelKind::WaveEnsemble;
    waves.model.waves = 64;
    waves.train.learningRate = 1e-2;
    row("wave ensemble", "64 waves, lr 1e-2", fit(waves, INT64_MAX, others));
    auto interference = base;
    interference.model.kind = ModelKind::Interference;
    interference.model.fields = 32;
    interference.train.learningRate = 1e-2;
    row("interference", "32 fields, lr 1e-2", fit(interference, INT64_MAX, others));
    return 0;
}
