#include "ServerMetrics.h"

namespace dredge {
namespace {

// A QString with characters of its own. The recent lifts pass between the
// server thread and any reader: implicitly shared copies would hand one
// reference count across threads, which is safe in Qt but which TSan cannot
// follow into Debian's Qt (not built with it). Twenty short strings per
// snapshot make the copies free in practice, and ownership plain to see.
QString ownedCopy(const QString& text) {
    return QString(text.constData(), text.size());
}

} // namespace

int ServerMetrics::endpointIndex(const QByteArray& path) {
    const QByteArray named = path.startsWith("/runs/") ? QByteArray("/runs/ID") : path;
    for (size_t i = 0; i + 1 < kEndpoints.size(); ++i) {
        if (named == kEndpoints[i]) {
            return int(i);
        }
    }
    return int(kEndpoints.size() - 1);
}

size_t ServerMetrics::statusIndex(int status) {
    for (size_t i = 0; i + 1 < kStatuses.size(); ++i) {
        if (kStatuses[i] == status) {
            return i;
        }
    }
    return kStatuses.size() - 1; // any other status
}

void ServerMetrics::countRequest(int endpoint, int status) {
    counts_[size_t(endpoint)][statusIndex(status)].fetch_add(1, std::memory_order_relaxed);
}

void ServerMetrics::countHash(double seconds) {
    hashes_.fetch_add(1, std::memory_order_relaxed);
    hashNanoseconds_.fetch_add(uint64_t(seconds * 1e9), std::memory_order_relaxed);
}

void ServerMetrics::countPredictions(uint64_t points) {
    predictedPoints_.fetch_add(points, std::memory_order_relaxed);
}

void ServerMetrics::recordLift(const QString& id, const QString& text) {
    constexpr int kShown = 120;
    std::lock_guard lock(recentMutex_);
    auto& slot = recent_[recentNext_];
    // Copies of the characters, never shared with the caller's strings: see
    // ownedCopy.
    slot.id = ownedCopy(id);
    slot.text = ownedCopy(text.size() > kShown ? text.left(kShown) + QChar(0x2026) : text);
    recentNext_ = (recentNext_ + 1) % kRecentLifts;
    recentCount_ = std::min(recentCount_ + 1, kRecentLifts);
}

MetricsSnapshot ServerMetrics::snapshot() const {
    MetricsSnapshot s;
    for (size_t e = 0; e < kEndpoints.size(); ++e) {
        for (size_t st = 0; st < kStatuses.size(); ++st) {
            if (const auto n = counts_[e][st].load(std::memory_order_relaxed)) {
                s.requests[{QString::fromLatin1(kEndpoints[e]), kStatuses[st]}] = n;
                s.totalRequests += n;
            }
        }
    }
    s.hashes = hashes_.load(std::memory_order_relaxed);
    s.hashSeconds = double(hashNanoseconds_.load(std::memory_order_relaxed)) * 1e-9;
    s.predictedPoints = predictedPoints_.load(std::memory_order_relaxed);
    std::lock_guard lock(recentMutex_);
    for (size_t i = 0; i < recentCount_; ++i) {
        const auto& lift = recent_[(recentNext_ + kRecentLifts - 1 - i) % kRecentLifts];
        s.recentLifts.push_back({ownedCopy(lift.id), ownedCopy(lift.text)});
    }
    return s;
}

} // namespace dredge
