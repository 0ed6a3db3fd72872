#pragma once
// The insight server's behaviour (docs/reference.md §5) as a plain function from a request
// to a reply, independent of sockets: the HTTP server calls it, tests and the
// fuzzer call it directly. Every error is JSON {"error": ...} with its status.

#include "LruCache.h"
#include "ServerMetrics.h"
#include "Sha256.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <memory>
#include <string>

namespace dredge {

// text (UTF-8) -> lower-case hex SHA-256
// Text -> hex digest. Plain std::strings, copied in and out under the cache's
// lock: the server thread and the window both use it, and no value's storage
// is shared between threads.
using InsightCache = LruCache<std::string, std::string>;
std::shared_ptr<InsightCache> makeInsightCache(size_t entries = 1024, size_t byteBudget = size_t(64)
                                                                                          << 20);

struct InsightRequest {
    QByteArray method; // "GET", "POST", ...
    QByteArray path;   // without query
    QByteArray query;  // after '?', percent-encoded
    QByteArray contentType;
    QByteArray authorization;
    QByteArray body;
};

struct InsightReply {
    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
};

// Replies every endpoint shares: JSON with a status, {"error": message}, a
// body parsed as a JSON object (or the 400 that says why not), and whether a
// Content-Type is JSON's.
InsightReply jsonReply(int status, const QJsonObject& object);
InsightReply errorReply(int status, const QString& message);
bool parseJsonObject(const QByteArray& body, QJsonObject* object, InsightReply* failure);
bool isJsonContentType(const QByteArray& contentType);

// Endpoints beyond the lift service's own, answered by another class (the
// lab's /predict and /runs: LabService), so that this one needs no store.
class ExtraEndpoints {
public:
    virtual ~ExtraEndpoints() = default;
    virtual bool handles(const QByteArray& path) const = 0;
    // Answers a request to one of its paths (the token was checked already).
    virtual InsightReply handle(const InsightRequest& request) = 0;
    // Appends its Prometheus lines to GET /metrics.
    virtual void writeMetrics(QByteArray& out) const = 0;
};

struct InsightServiceOptions {
    qint64 maxBodyBytes = 1 << 20;
    int maxBatchItems = 1000;
    QByteArray token; // non-empty: every request needs "Authorization: Bearer <token>"
    std::shared_ptr<ExtraEndpoints> extra; // used from the thread that calls handle()
};

class InsightService {
public:
    InsightService(std::shared_ptr<InsightCache> cache, std::shared_ptr<ServerMetrics> metrics,
                   InsightServiceOptions options);

    InsightReply handle(const InsightRequest& request);
    // The lift result object for one text, through the cache.
    QJsonObject lift(const QString& text);

private:
    InsightReply route(const InsightRequest& request);
    InsightReply liftOne(const QByteArray& body);
    InsightReply liftBatch(const QByteArray& body);
    InsightReply metricsText() const;
    static InsightReply describe();
    static InsightReply health();
    QByteArray digestOf(const QByteArray& utf8);

    std::shared_ptr<InsightCache> cache_;
    std::shared_ptr<ServerMetrics> metrics_;
    InsightServiceOptions options_;
    InsightReply describeReply_;
    InsightReply healthReply_;
    Sha256 sha_;
};

} // namespace dredge
