#include "InsightServer.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <sys/socket.h>

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

char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c + ('a' - 'A')) : c;
}

qsizetype indexOfIgnoringCase(QByteArrayView haystack, QByteArrayView lowerNeedle) {
    for (qsizetype i = 0; i + lowerNeedle.size() <= haystack.size(); ++i) {
        qsizetype j = 0;
        while (j < lowerNeedle.size() && asciiLower(haystack[i + j]) == lowerNeedle[j]) {
            ++j;
        }
        if (j == lowerNeedle.size()) {
            return i;
        }
    }
    return -1;
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

// Refuses a request whose declared Content-Length exceeds the limit before its
// body is read: Qt HTTP Server 6.4 buffers whole bodies, so without this a
// client could make the server hold gigabytes. Connected to each socket before
// the HTTP server's own handler, so it sees the bytes first.
class BodyLimitTcpServer : public QTcpServer {
public:
    BodyLimitTcpServer(const InsightServerOptions& options, std::shared_ptr<ServerMetrics> metrics,
                       QObject* parent)
        : QTcpServer(parent)
        , maxBody_(options.maxBodyBytes)
        , lingerMs_(options.lingerMs)
        , lingerBytes_(options.lingerBytes)
        , metrics_(std::move(metrics)) {}

protected:
    void incomingConnection(qintptr descriptor) override {
        auto* socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { inspect(socket); });
        addPendingConnection(socket);
    }

private:
    void inspect(QTcpSocket* socket) {
        if (auto* lingering = socket->property(kLingering).value<QObject*>()) {
            // The rest of a refused body: the HTTP server never sees it.
            static_cast<LingeringClose*>(lingering)->discard();
            return;
        }
        // Runs on every read, so it peeks into a stack buffer (no allocation)
        // and only parses when a declared length is present.
        char buffer[4096];
        const qint64 got = socket->peek(buffer, sizeof buffer);
        if (got <= 0) {
            return;
        }
        const QByteArrayView head(buffer, got);
        const auto headerEnd = head.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
            return;
        }
        const auto lengthAt = indexOfIgnoringCase(head.first(headerEnd), "\r\ncontent-length:");
        if (lengthAt < 0) {
            return;
        }
        const auto valueStart = lengthAt + 17;
        auto valueEnd = head.indexOf('\r', valueStart);
        bool ok = false;
        const qint64 length =
            head.sliced(valueStart, valueEnd - valueStart).trimmed().toLongLong(&ok);
        if (ok && length <= maxBody_) {
            return;
        }
        const QByteArray body = "{\"error\":\"Body of " + QByteArray::number(length) +
                                " bytes exceeds the limit of " + QByteArray::number(maxBody_) +
                                " bytes\"}";
        auto* lingering = new LingeringClose(
            socket,
            "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: " +
                QByteArray::number(body.size()) + "\r\n\r\n" + body,
            lingerMs_, lingerBytes_);
        socket->setProperty(kLingering, QVariant::fromValue<QObject*>(lingering));
        // Count it under its endpoint: the path is the request line's second word.
        const auto requestLine = head.first(head.indexOf("\r\n")).toByteArray().split(' ');
        metrics_->countRequest(ServerMetrics::endpointIndex(requestLine.value(1)), 413);
    }

    qint64 maxBody_;
    int lingerMs_;
    qint64 lingerBytes_;
    std::shared_ptr<ServerMetrics> metrics_;
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
    auto service = std::make_unique<InsightService>(cache_, metrics_, serviceOptions);
    QMetaObject::invokeMethod(
        host_,
        [this, options, metrics = metrics_, service = service.release()]() mutable {
            std::unique_ptr<InsightService> owned(service);
            host_->http.reset();
            auto http = std::make_unique<InsightHttpServer>(std::move(owned), options.logRequests);
            auto* tcp = new BodyLimitTcpServer(options, metrics, http.get());
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
