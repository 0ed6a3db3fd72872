#include "InsightServer.h"

#include "LabService.h"
#include "RequestFraming.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <algorithm>
#include <limits>
#include <sys/socket.h>
#include <unordered_set>

Q_LOGGING_CATEGORY(lcInsightRequests, "dredge.insight.requests", QtInfoMsg)

namespace dredge {
namespace {

QByteArray methodName(QHttpServerRequest::Method method) {
    using M = QHttpServerRequest::Method;
    static constexpr std::pair<M, const char*> kNames[] = {
        {M::Get, "GET"},     {M::Put, "PUT"},         {M::Delete, "DELETE"},
        {M::Post, "POST"},   {M::Head, "HEAD"},       {M::Options, "OPTIONS"},
        {M::Patch, "PATCH"}, {M::Connect, "CONNECT"}, {M::Trace, "TRACE"},
    };
    for (const auto& [value, name] : kNames) {
        if (value == method) {
            return name;
        }
    }
    return "UNKNOWN";
}

// The end of a connection whose request was refused with a 413: sends the
// answer, half-closes (FIN) once it is out, then reads and drops whatever the
// client still sends, within a time and byte bound, before closing. Closing at
// once would make the kernel answer the unread body with a reset, and a client
// still sending (no "Expect: 100-continue") would never read the 413.
constexpr char kLingering[] = "dredgeLingeringClose"; // the socket's LingeringClose, once refused

class LingeringClose : public QObject {
public:
    LingeringClose(QTcpSocket* socket, const QByteArray& answer, int lingerMs, qint64 lingerBytes)
        : QObject(socket)
        , socket_(socket)
        , bytesLeft_(lingerBytes) {
        connect(socket, &QTcpSocket::bytesWritten, this, [this] {
            if (socket_->bytesToWrite() == 0) {
                halfClose();
            }
        });
        QTimer::singleShot(lingerMs, this, [this] { socket_->abort(); });
        socket->write(answer);
        discard();
    }

    void discard() {
        // Qt HTTP Server reads a request inside a socket transaction, which
        // keeps every byte read (skipped ones too) for a rollback: end it,
        // so that the dropped bytes are freed as they go.
        if (socket_->isTransactionStarted()) {
            socket_->commitTransaction();
        }
        bytesLeft_ -= socket_->skip(socket_->bytesAvailable());
        if (bytesLeft_ < 0) {
            // Past the bound: a reset is the client's own doing now. Queued, as
            // the HTTP server's own handler still reads in this signal emission.
            QMetaObject::invokeMethod(socket_, &QTcpSocket::abort, Qt::QueuedConnection);
        }
    }

private:
    void halfClose() {
        if (!halfClosed_) {
            halfClosed_ = true;
            ::shutdown(int(socket_->socketDescriptor()), SHUT_WR);
        }
    }

    QTcpSocket* socket_;
    qint64 bytesLeft_;
    bool halfClosed_ = false;
};

// A connection's framing (RequestFraming) and times, as the guard sees them.
class ConnectionGuard : public QObject {
public:
    ConnectionGuard(QTcpSocket* socket, const FramingLimits& limits, qint64 now)
        : QObject(socket)
        , framer(limits)
        , lastActivityNs(now) {}

    RequestFramer framer;
    qint64 lastActivityNs;     // (nanoseconds, so that connections made in one millisecond differ)
    qint64 headStartedNs = -1; // when the head being read began
};

// The socket's guard (a property, as a class without Q_OBJECT cannot be
// found by type among the socket's children).
constexpr char kGuard[] = "dredgeConnectionGuard";

ConnectionGuard* guardOf(QTcpSocket* socket) {
    return static_cast<ConnectionGuard*>(socket->property(kGuard).value<QObject*>());
}

QByteArray statusText(int status) {
    static const std::pair<int, const char*> kTexts[] = {
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {408, "Request Timeout"},
        {413, "Payload Too Large"},
        {431, "Request Header Fields Too Large"},
        {501, "Not Implemented"},
        {505, "HTTP Version Not Supported"},
    };
    for (const auto& [code, text] : kTexts) {
        if (code == status) {
            return text;
        }
    }
    return "Error";
}

// Sees every byte of every connection before the HTTP server does (its
// handler is connected first) and holds the insight server's limits there:
// the framing of each request as it arrives (RequestFraming), a head that
// takes too long, a connection silent too long, and how many connections are
// open at once (past the cap the one silent longest is dropped).
class GuardedTcpServer : public QTcpServer {
public:
    GuardedTcpServer(const InsightServerOptions& options, std::shared_ptr<ServerMetrics> metrics,
                     QObject* parent)
        : QTcpServer(parent)
        , options_(options)
        , limits_{options.maxHeadBytes, options.maxHeaders, options.maxBodyBytes, options.token}
        , metrics_(std::move(metrics)) {
        clock_.start();
        const int shortest = std::min(options.idleTimeoutMs, options.headTimeoutMs);
        sweep_.setInterval(std::clamp(shortest / 4, 10, 1000));
        connect(&sweep_, &QTimer::timeout, this, &GuardedTcpServer::sweep);
        sweep_.start();
    }

protected:
    void incomingConnection(qintptr descriptor) override {
        auto* socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        if (int(connections_.size()) >= options_.maxConnections) {
            dropLongestSilent();
        }
        auto* guard = new ConnectionGuard(socket, limits_, now());
        socket->setProperty(kGuard, QVariant::fromValue<QObject*>(guard));
        connections_.insert(socket);
        connect(socket, &QObject::destroyed, this, [this, socket] { connections_.erase(socket); });
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { inspect(socket); });
        connect(socket, &QTcpSocket::bytesWritten, socket, [this, socket] {
            if (auto* guard = guardOf(socket)) {
                guard->lastActivityNs = now();
            }
        });
        addPendingConnection(socket);
    }

private:
    void inspect(QTcpSocket* socket) {
        if (auto* lingering = socket->property(kLingering).value<QObject*>()) {
            // The rest of a refused request: the HTTP server never sees it.
            static_cast<LingeringClose*>(lingering)->discard();
            return;
        }
        auto* guard = guardOf(socket);
        if (!guard) {
            return;
        }
        // The bytes the HTTP server has not read yet: each is seen once.
        const QByteArray bytes = socket->peek(socket->bytesAvailable());
        const qint64 at = now();
        guard->lastActivityNs = at;
        const bool wasReadingHead = guard->framer.readingHead();
        if (const auto refusal = guard->framer.feed(bytes)) {
            refuse(socket, *refusal);
            return;
        }
        if (!guard->framer.readingHead()) {
            guard->headStartedNs = -1;
        } else if (!wasReadingHead || guard->headStartedNs < 0) {
            guard->headStartedNs = at;
        }
    }

    void refuse(QTcpSocket* socket, const FramingRefusal& refusal) {
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("error"), QString::fromUtf8(refusal.reason)}})
                .toJson(QJsonDocument::Compact);
        QByteArray answer = "HTTP/1.1 " + QByteArray::number(refusal.status) + ' ' +
                            statusText(refusal.status) +
                            "\r\nContent-Type: application/json\r\nConnection: close\r\n";
        if (refusal.status == 401) {
            answer += "WWW-Authenticate: Bearer\r\n";
        }
        answer += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        auto* lingering =
            new LingeringClose(socket, answer, options_.lingerMs, options_.lingerBytes);
        socket->setProperty(kLingering, QVariant::fromValue<QObject*>(lingering));
        metrics_->countRequest(ServerMetrics::endpointIndex(refusal.path), refusal.status);
    }

    // Heads that take too long (a slow-loris client), requests that stall,
    // and connections idle between requests past their time.
    void sweep() {
        const qint64 at = now();
        const std::vector<QTcpSocket*> sockets(connections_.begin(), connections_.end());
        for (auto* socket : sockets) {
            auto* guard = guardOf(socket);
            if (!guard || socket->property(kLingering).isValid()) {
                continue;
            }
            const bool slowHead = guard->framer.readingHead() && guard->headStartedNs >= 0 &&
                                  at - guard->headStartedNs > qint64(options_.headTimeoutMs) * kMs;
            const bool silent = at - guard->lastActivityNs > qint64(options_.idleTimeoutMs) * kMs;
            if (slowHead || (silent && !guard->framer.betweenRequests())) {
                refuse(socket, FramingRefusal{408,
                                              slowHead ? "Request head not complete in time"
                                                       : "Request stalled",
                                              {}});
            } else if (silent && socket->bytesToWrite() == 0) {
                socket->disconnectFromHost(); // idle between requests
            }
        }
    }

    void dropLongestSilent() {
        QTcpSocket* oldest = nullptr;
        qint64 oldestNs = std::numeric_limits<qint64>::max();
        for (auto* socket : connections_) {
            if (auto* guard = guardOf(socket); guard && guard->lastActivityNs < oldestNs) {
                oldest = socket;
                oldestNs = guard->lastActivityNs;
            }
        }
        if (oldest) {
            connections_.erase(oldest);
            oldest->abort();
        }
    }

    static constexpr qint64 kMs = 1'000'000; // nanoseconds
    qint64 now() const { return clock_.nsecsElapsed(); }

    InsightServerOptions options_;
    FramingLimits limits_;
    std::shared_ptr<ServerMetrics> metrics_;
    QElapsedTimer clock_;
    QTimer sweep_;
    std::unordered_set<QTcpSocket*> connections_;
};

class InsightHttpServer : public QAbstractHttpServer {
public:
    InsightHttpServer(std::unique_ptr<InsightService> service, bool logRequests)
        : service_(std::move(service))
        , log_(logRequests) {}

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override {
        QElapsedTimer timer;
        timer.start();
        InsightRequest in;
        in.method = methodName(request.method());
        in.path = request.url().path(QUrl::FullyEncoded).toUtf8();
        in.query = request.url().query(QUrl::FullyEncoded).toUtf8();
        in.contentType = request.value("content-type");
        in.authorization = request.value("authorization");
        in.body = request.body();
        const InsightReply reply = service_->handle(in);

        auto responder = makeResponder(request, socket);
        responder.writeStatusLine(QHttpServerResponder::StatusCode(reply.status));
        responder.writeHeader("Content-Type", reply.contentType);
        for (const auto& [name, value] : reply.headers) {
            responder.writeHeader(name, value);
        }
        responder.writeHeader("Content-Length", QByteArray::number(reply.body.size()));
        responder.writeBody(reply.body);
        // HTTP/1.0 without keep-alive, or "Connection: close": the
        // connection ends once the answer is out.
        if (auto* guard = guardOf(socket);
            guard && guard->framer.takeCloseAfter().value_or(false)) {
            socket->disconnectFromHost();
        }
        if (log_) {
            qCInfo(lcInsightRequests, "%s %s %d %lld us", in.method.constData(),
                   in.path.left(200).constData(), reply.status, timer.nsecsElapsed() / 1000);
        }
        return true;
    }
    void missingHandler(const QHttpServerRequest&, QTcpSocket*) override {} // never: we take all

private:
    std::unique_ptr<InsightService> service_;
    bool log_;
};

} // namespace

// Owns the HTTP server inside the server thread.
class InsightServerHost : public QObject {
public:
    std::unique_ptr<InsightHttpServer> http;
};

InsightServer::InsightServer(QObject* parent)
    : QObject(parent)
    , host_(new InsightServerHost)
    , cache_(makeInsightCache())
    , metrics_(std::make_shared<ServerMetrics>())
    , direct_(std::make_unique<InsightService>(cache_, metrics_, InsightServiceOptions{})) {
    thread_.setObjectName(QStringLiteral("insight-server"));
    host_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, host_, &QObject::deleteLater);
    thread_.start();
}

InsightServer::~InsightServer() {
    // The HTTP server and its sockets must die in their own thread.
    QMetaObject::invokeMethod(
        host_, [host = host_] { host->http.reset(); }, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

void InsightServer::start(const InsightServerOptions& options) {
    if (!options.address.isLoopback() && options.token.isEmpty()) {
        // Reported from the event loop like every other outcome of start().
        const QString reason = tr("Listening on %1 (beyond this machine) needs an access token")
                                   .arg(options.address.toString());
        QMetaObject::invokeMethod(
            this, [this, reason] { Q_EMIT startFailed(reason); }, Qt::QueuedConnection);
        return;
    }
    cache_ = makeInsightCache(options.cacheEntries, options.cacheBytes);
    metrics_ = std::make_shared<ServerMetrics>();
    InsightServiceOptions serviceOptions;
    serviceOptions.maxBodyBytes = options.maxBodyBytes;
    serviceOptions.token = options.token;
    {
        std::lock_guard lock(directMutex_);
        direct_ = std::make_unique<InsightService>(cache_, metrics_, serviceOptions);
    }
    // Only the server thread's service reads the store (opened at its first
    // request there: a database connection belongs to the thread that opened it).
    LabServiceOptions lab;
    lab.store = options.store;
    lab.maxPredictPoints = options.maxPredictPoints;
    lab.modelCacheEntries = options.modelCacheEntries;
    lab.modelCacheBytes = options.modelCacheBytes;
    serviceOptions.extra = std::make_shared<LabService>(lab, metrics_);
    auto service = std::make_unique<InsightService>(cache_, metrics_, serviceOptions);
    QMetaObject::invokeMethod(
        host_,
        [this, options, metrics = metrics_, service = service.release()]() mutable {
            std::unique_ptr<InsightService> owned(service);
            host_->http.reset();
            auto http = std::make_unique<InsightHttpServer>(std::move(owned), options.logRequests);
            auto* tcp = new GuardedTcpServer(options, metrics, http.get());
            if (!tcp->listen(options.address, options.port)) {
                const QString reason = tr("Cannot listen on %1:%2: %3")
                                           .arg(options.address.toString())
                                           .arg(options.port)
                                           .arg(tcp->errorString());
                port_ = 0;
                Q_EMIT startFailed(reason);
                return;
            }
            http->bind(tcp);
            host_->http = std::move(http);
            port_ = tcp->serverPort();
            Q_EMIT listening(options.address.toString(), tcp->serverPort());
        },
        Qt::QueuedConnection);
}

void InsightServer::stop() {
    QMetaObject::invokeMethod(
        host_,
        [this] {
            host_->http.reset();
            port_ = 0;
            Q_EMIT stopped();
        },
        Qt::QueuedConnection);
}

MetricsSnapshot InsightServer::metrics() const {
    return metrics_ ? metrics_->snapshot() : MetricsSnapshot{};
}

CacheStats InsightServer::cacheStats() const {
    return cache_ ? cache_->stats() : CacheStats{};
}

QJsonObject InsightServer::liftDirect(const QString& text) {
    std::lock_guard lock(directMutex_);
    if (!direct_) {
        direct_ = std::make_unique<InsightService>(
            makeInsightCache(), std::make_shared<ServerMetrics>(), InsightServiceOptions{});
    }
    return direct_->lift(text);
}

} // namespace dredge
