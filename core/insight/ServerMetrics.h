#pragma once
// Counters of the insight server, written by its thread and read by anyone
// (the GUI panel, GET /metrics): requests by endpoint and status, hashing
// time, and the most recent lifts. Request counters are fixed tables of
// atomics, so counting costs no lock and no allocation on the hot path.

#include <QByteArray>
#include <QString>
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace dredge {

struct RecentLift {
    QString id;
    QString text; // shortened for display
};

struct MetricsSnapshot {
    std::map<std::pair<QString, int>, uint64_t> requests; // (endpoint, status) -> count
    uint64_t totalRequests = 0;
    uint64_t hashes = 0;
    double hashSeconds = 0.0;
    uint64_t predictedPoints = 0;
    std::vector<RecentLift> recentLifts; // newest first
};

class ServerMetrics {
public:
    // Endpoints: index into kEndpoints; anything else counts as "other".
    // "/runs/ID" counts every path under /runs/.
    static constexpr std::array<const char*, 9> kEndpoints = {"/",           "/health",  "/lift",
                                                              "/lift/batch", "/metrics", "/predict",
                                                              "/runs",       "/runs/ID", "other"};
    static constexpr std::array<int, 14> kStatuses = {200, 400, 401, 404, 405, 408, 413,
                                                      415, 431, 500, 501, 503, 505, 0};
    static constexpr size_t kRecentLifts = 20;

    static int endpointIndex(const QByteArray& path);
    void countRequest(int endpoint, int status);
    void countHash(double seconds);
    void countPredictions(uint64_t points);
    void recordLift(const QString& id, const QString& text);
    MetricsSnapshot snapshot() const;

private:
    static size_t statusIndex(int status);

    std::array<std::array<std::atomic<uint64_t>, kStatuses.size()>, kEndpoints.size()> counts_{};
    std::atomic<uint64_t> hashes_{0};
    std::atomic<uint64_t> hashNanoseconds_{0};
    std::atomic<uint64_t> predictedPoints_{0};
    mutable std::mutex recentMutex_;
    std::array<RecentLift, kRecentLifts> recent_; // ring buffer
    size_t recentNext_ = 0;
    size_t recentCount_ = 0;
};

} // namespace dredge
