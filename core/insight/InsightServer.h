#pragma once
// The insight server: an HTTP front (Qt HTTP Server) for InsightService,
// running in a thread of its own so that training and the GUI never delay it.
// start() and stop() return at once; listening / startFailed / stopped report
// the outcome. Binding beyond loopback requires a token.

#include "InsightService.h"
#include "StoreLocation.h"

#include <QHostAddress>
#include <QObject>
#include <QThread>
#include <atomic>
#include <memory>
#include <optional>

namespace dredge {

struct InsightServerOptions {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 3001; // 0: any free port
    size_t cacheEntries = 1024;
    size_t cacheBytes = size_t(64) << 20;
    qint64 maxBodyBytes = 1 << 20;
    // A request's head (request line and headers) at most this long, in at
    // most this many lines, and complete within this time of its first byte.
    qint64 maxHeadBytes = 16 * 1024;
    int maxHeaders = 100;
    int headTimeoutMs = 10000;
    // A connection that sends nothing for this long is closed (mid-request:
    // answered 408 first).
    int idleTimeoutMs = 30000;
    // At most this many connections at once: past it, the one silent longest
    // is dropped to make room.
    int maxConnections = 256;
    // After a 413, the rest of an oversized body is read and dropped for at most
    // this long and this much before the connection closes (a lingering close, as
    // nginx does): a client that sends its whole body before reading then gets
    // the 413 instead of "connection reset by peer".
    int lingerMs = 10000;
    qint64 lingerBytes = qint64(64) << 20;
    QByteArray token;
    // The run store /predict and /runs read (opened in the server's thread);
    // none: they answer 404 saying so.
    std::optional<StoreLocation> store;
    int maxPredictPoints = 100000;
    size_t modelCacheEntries = 64;
    size_t modelCacheBytes = size_t(256) << 20;
    bool logRequests = true; // one info line per request (category dredge.insight.requests)
};

class InsightServerHost;

class InsightServer : public QObject {
    Q_OBJECT
public:
    explicit InsightServer(QObject* parent = nullptr);
    ~InsightServer() override; // stops and joins the server thread

    void start(const InsightServerOptions& options);
    void stop();

    bool isListening() const { return port_.load() != 0; }
    quint16 port() const { return port_.load(); }
    // Live figures for panels; safe from any thread.
    MetricsSnapshot metrics() const;
    CacheStats cacheStats() const;
    // Lifts a text in-process (the GUI's box), through the same cache and metrics.
    QJsonObject liftDirect(const QString& text);

Q_SIGNALS:
    void listening(const QString& address, quint16 port);
    void startFailed(const QString& reason);
    void stopped();

private:
    QThread thread_;
    InsightServerHost* host_ = nullptr; // lives in thread_
    std::shared_ptr<InsightCache> cache_;
    std::shared_ptr<ServerMetrics> metrics_;
    std::atomic<quint16> port_{0};
    std::mutex directMutex_;
    std::unique_ptr<InsightService> direct_; // for liftDirect, on the caller's thread
};

} // namespace dredge
