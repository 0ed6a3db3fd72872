// Trained fields leaving the lab (the export issue), on one thread:
//  1. predictions per second on 10^6 points per model: the app's evaluator
//     (fused kernels), the exported TorchScript module in float32, and with
//     INT8 linear layers; and what INT8 changes: the MSE between INT8 and
//     float32 outputs, relative to the float32 output's mean square.
//  2. the insight server's POST /predict over loopback HTTP with a client of
//     our own (one keep-alive connection): predicted points per second in
//     batches of 1,000 for the chirp ensemble, and the latency p50/p99 of
//     single-point requests.
// Rounds alternate the variants; figures are medians over rounds.
//
// usage: bench_predict [--rounds N] [--seconds S] [--server-only]

#include "BenchTiming.h"
#include "FieldEvaluator.h"
#include "FieldModel.h"
#include "InsightServer.h"
#include "ScriptedField.h"
#include "StudioProcess.h"

#include <ATen/Parallel.h>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <random>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace dredge;

namespace {

using bench::Clock;
using bench::median;
using bench::seconds;

struct BenchModel {
    const char* name;
    ModelConfig config;
    int dims;
};

ModelConfig modelOf(ModelKind kind, int size) {
    ModelConfig c;
    c.kind = kind;
    c.waves = size;
    c.fields = size;
    c.hidden = size;
    c.features = size;
    return c;
}

std::vector<float> uniformPoints(size_t count, float scale, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> draw(-scale, scale);
    std::vector<float> values(count);
    for (auto& v : values) {
        v = draw(gen);
    }
    return values;
}

// The seeded initial parameters, each moved by 1 % of its tensor's RMS (σ = 1
// and φ = 0 no longer exact, as after training), so that the INT8 error is
// measured on weights of the scale a model really has.
void perturb(FieldEvaluator& evaluator) {
    const auto& model = evaluator.model();
    std::vector<float> flat;
    for (const auto& p : model.parameters()) {
        const auto values = p.detach().contiguous();
        const float rms = std::max(1e-3f, values.square().mean().sqrt().item<float>());
        const auto noise =
            uniformPoints(size_t(values.numel()), 0.01f * rms, uint32_t(flat.size()));
        for (int64_t i = 0; i < values.numel(); ++i) {
            flat.push_back(values.data_ptr<float>()[i] + noise[size_t(i)]);
        }
    }
    evaluator.setParameters(flat.data(), int64_t(flat.size()));
}

// A module's predictions in blocks of 4,096 points, as the app feeds an INT8
// module (ScriptedField::predict): float32 gets the same blocks, so that the
// ratio is INT8's own and not the blocks' (whole 10⁶-point tensors are slower
// per point than cache-sized ones).
std::vector<float> predictInBlocks(const ScriptedField& field, const std::vector<float>& coords,
                                   int dims) {
    constexpr size_t kBlock = 4096;
    const size_t width = kBlock * size_t(dims);
    std::vector<float> values;
    values.reserve(coords.size() / size_t(dims) * size_t(field.outputs()));
    for (size_t at = 0; at < coords.size(); at += width) {
        const std::vector<float> block(coords.begin() + int64_t(at),
                                       coords.begin() +
                                           int64_t(std::min(coords.size(), at + width)));
        const auto out = field.predict(block);
        values.insert(values.end(), out.begin(), out.end());
    }
    return values;
}

void modelTable(int rounds) {
    constexpr size_t kPoints = 1000000;
    const BenchModel models[] = {
        {"ensemble chirp n=16", modelOf(ModelKind::WaveEnsemble, 16), 1},
        {"ensemble 4-D n=8", modelOf(ModelKind::WaveEnsemble, 8), 3},
        {"interference chirp F=8", modelOf(ModelKind::Interference, 8), 1},
        {"siren chirp H=64", modelOf(ModelKind::Siren, 64), 1},
        {"siren 4-D H=256", modelOf(ModelKind::Siren, 256), 3},
        {"rff chirp M=128", modelOf(ModelKind::RandomFourier, 128), 1},
    };
    std::printf("Predictions per second, 10^6 points, 1 thread (median of %d rounds); the "
                "modules in blocks of 4,096 points\n",
                rounds);
    std::printf("%-24s %13s %13s %13s %8s %14s\n", "model", "app (fused)", "TorchScript", "INT8",
                "INT8/ts", "INT8 MSE rel.");
    for (const auto& m : models) {
        FieldEvaluator evaluator(m.config, m.dims, 1);
        perturb(evaluator);
        const ScriptedField script(evaluator, {}, ScriptPrecision::Float32);
        std::unique_ptr<ScriptedField> int8;
        if (ScriptedField::int8Available()) {
            int8 =
                std::make_unique<ScriptedField>(evaluator, ScriptMetadata{}, ScriptPrecision::Int8);
        }
        const auto coords = uniformPoints(kPoints * size_t(m.dims), m.dims == 1 ? 10.0f : 1.0f, 3);
        std::vector<double> app, scripted, quantised;
        std::vector<float> reference, approximate;
        for (int r = 0; r < rounds; ++r) {
            auto start = Clock::now();
            reference = evaluator.predict(coords);
            app.push_back(double(kPoints) / seconds(start));
            start = Clock::now();
            (void)predictInBlocks(script, coords, m.dims);
            scripted.push_back(double(kPoints) / seconds(start));
            if (int8) {
                start = Clock::now();
                approximate = predictInBlocks(*int8, coords, m.dims);
                quantised.push_back(double(kPoints) / seconds(start));
            }
        }
        double error = 0, power = 0;
        for (size_t i = 0; i < approximate.size(); ++i) {
            const double d = double(approximate[i]) - reference[i];
            error += d * d;
            power += double(reference[i]) * reference[i];
        }
        if (int8) {
            std::printf("%-24s %13.3g %13.3g %13.3g %7.2fx %14.3g\n", m.name, median(app),
                        median(scripted), median(quantised), median(quantised) / median(scripted),
                        error / std::max(power, 1e-300));
        } else {
            std::printf("%-24s %13.3g %13.3g %13s %8s %14s\n", m.name, median(app),
                        median(scripted), "-", "-", "no INT8 engine");
        }
    }
}

// One keep-alive HTTP/1.1 connection on loopback, blocking.
class HttpClient {
public:
    explicit HttpClient(quint16 port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~HttpClient() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    bool connected() const { return fd_ >= 0; }

    // The status, with the body in *body.
    int post(const std::string& path, const std::string& json, std::string* body) {
        const std::string request = "POST " + path +
                                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                    "application/json\r\nContent-Length: " +
                                    std::to_string(json.size()) + "\r\n\r\n" + json;
        if (::send(fd_, request.data(), request.size(), 0) != ssize_t(request.size())) {
            return -1;
        }
        size_t headEnd;
        while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!receive()) {
                return -1;
            }
        }
        const auto lengthAt = buffer_.find("Content-Length: ");
        const size_t length = std::stoul(buffer_.substr(lengthAt + 16));
        while (buffer_.size() < headEnd + 4 + length) {
            if (!receive()) {
                return -1;
            }
        }
        const int status = std::stoi(buffer_.substr(9, 3));
        *body = buffer_.substr(headEnd + 4, length);
        buffer_.erase(0, headEnd + 4 + length);
        return status;
    }

private:
    bool receive() {
        char chunk[65536];
        const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) {
            return false;
        }
        buffer_.append(chunk, size_t(n));
        return true;
    }

    int fd_ = -1;
    std::string buffer_;
};

std::string pointsBody(const std::string& run, const std::vector<float>& xs) {
    std::string body = "{\"run\":\"" + run + "\",\"points\":[";
    char number[32];
    for (size_t i = 0; i < xs.size(); ++i) {
        std::snprintf(number, sizeof number, "%s[%.7g]", i ? "," : "", double(xs[i]));
        body += number;
    }
    return body + "]}";
}

// A chirp ensemble trained by the app into a store of its own, served.
void serverTable(int rounds, double secondsPerRound) {
    QTemporaryDir folder;
    const auto store = QStringLiteral("sqlite:") + folder.filePath(QStringLiteral("bench.sqlite"));
    const auto trained = runStudioProcess(
        {QStringLiteral("train"), QStringLiteral("--epochs"), QStringLiteral("200")}, store);
    const auto run =
        QJsonDocument::fromJson(trained.out)[QStringLiteral("run_id")].toString().toStdString();
    if (trained.exitCode != 0 || run.empty()) {
        std::printf("training the served run failed: %s\n", trained.err.constData());
        return;
    }
    InsightServer server;
    InsightServerOptions options;
    options.port = 0;
    options.logRequests = false;
    options.store = parseStoreUrl(store, nullptr);
    server.start(options);
    for (int i = 0; i < 200 && !server.isListening(); ++i) {
        QCoreApplication::processEvents();
        QThread::msleep(10);
    }
    HttpClient client(server.port());
    if (!client.connected()) {
        std::printf("the server did not start\n");
        return;
    }
    std::string body;
    const auto batch = pointsBody(run, uniformPoints(1000, 10.0f, 5));
    client.post("/predict", batch, &body); // loads and caches the model
    std::vector<double> throughput;
    for (int r = 0; r < rounds; ++r) {
        int requests = 0;
        const auto start = Clock::now();
        while (seconds(start) < secondsPerRound) {
            if (client.post("/predict", batch, &body) != 200) {
                std::printf("POST /predict failed: %s\n", body.c_str());
                return;
            }
            ++requests;
        }
        throughput.push_back(1000.0 * requests / seconds(start));
    }
    std::vector<double> latencies;
    const auto singles = uniformPoints(4000, 10.0f, 9);
    for (const float x : singles) {
        const auto one = pointsBody(run, {x});
        const auto start = Clock::now();
        client.post("/predict", one, &body);
        latencies.push_back(seconds(start) * 1e6);
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("\nPOST /predict over loopback, one keep-alive connection, server on 1 thread\n");
    std::printf("  chirp ensemble n=16, batches of 1,000: %.3g points/s (median of %d rounds of "
                "%.1f s)\n",
                median(throughput), rounds, secondsPerRound);
    std::printf("  single-point requests (%zu): p50 %.0f us, p99 %.0f us\n", latencies.size(),
                latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100]);
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    at::set_num_threads(1);
    int rounds = 5;
    double secondsPerRound = 2.0;
    bool serverOnly = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--server-only") == 0) {
            serverOnly = true;
        } else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            secondsPerRound = std::max(0.1, std::atof(argv[++i]));
        }
    }
    if (!serverOnly) {
        modelTable(rounds);
    }
    serverTable(rounds, secondsPerRound);
    return 0;
}
