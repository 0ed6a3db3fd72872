#include "InsightService.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <openssl/crypto.h>

namespace dredge {
namespace {

const QByteArray kGet = "GET";
const QByteArray kPost = "POST";

QByteArray version() {
    const auto v = QCoreApplication::applicationVersion();
    return v.isEmpty() ? QByteArray(DREDGE_VERSION) : v.toUtf8();
}

InsightReply json(int status, const QJsonObject& object) {
    return jsonReply(status, object);
}

InsightReply error(int status, const QString& message) {
    return errorReply(status, message);
}

bool parseObject(const QByteArray& body, QJsonObject* object, InsightReply* failure) {
    return parseJsonObject(body, object, failure);
}

// The body object's field `name` when it has `type`; else the 400 that says
// what is wrong (`expected` in words: "a string").
bool requiredField(const QByteArray& body, const QString& name, QJsonValue::Type type,
                   const char* expected, QJsonValue* value, InsightReply* failure) {
    QJsonObject object;
    if (!parseObject(body, &object, failure)) {
        return false;
    }
    *value = object.value(name);
    if (value->isUndefined()) {
        *failure = error(400, QStringLiteral("Missing required field: ") + name);
        return false;
    }
    if (value->type() != type) {
        *failure = error(400, QStringLiteral("%1 must be %2").arg(name, QLatin1String(expected)));
        return false;
    }
    return true;
}

// Where a text holds half of a UTF-16 surrogate pair, or -1. JSON's "\\ud800"
// escapes pass Qt's parser, and such a text has no UTF-8 form: hashing it would
// hash some other text (its replacement characters), so it is refused instead.
qsizetype loneSurrogateAt(const QString& text) {
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            ++i; // a whole pair
        } else if (c.isSurrogate()) {
            return i;
        }
    }
    return -1;
}

// A 400 naming the field and the position of a lone surrogate, if there is one.
bool refuseLoneSurrogate(const QString& field, const QString& text, InsightReply* failure) {
    const qsizetype at = loneSurrogateAt(text);
    if (at < 0) {
        return false;
    }
    *failure = error(400, QStringLiteral("%1 is not Unicode text: lone surrogate \\u%2 at "
                                         "character %3 (a pair needs a high then a low half)")
                              .arg(field)
                              .arg(text.at(at).unicode(), 4, 16, QLatin1Char('0'))
                              .arg(at));
    return true;
}

} // namespace

InsightReply jsonReply(int status, const QJsonObject& object) {
    InsightReply reply;
    reply.status = status;
    reply.body = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return reply;
}

InsightReply errorReply(int status, const QString& message) {
    return jsonReply(status, QJsonObject{{QStringLiteral("error"), message}});
}

bool parseJsonObject(const QByteArray& body, QJsonObject* object, InsightReply* failure) {
    QJsonParseError parseError;
    const auto document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *failure = errorReply(400, QStringLiteral("Malformed JSON at offset %1: %2")
                                       .arg(parseError.offset)
                                       .arg(parseError.errorString()));
        return false;
    }
    if (!document.isObject()) {
        *failure = errorReply(400, QStringLiteral("Request body must be a JSON object"));
        return false;
    }
    *object = document.object();
    return true;
}

bool isJsonContentType(const QByteArray& contentType) {
    const auto mime = contentType.split(';').first().trimmed().toLower();
    return mime.isEmpty() || mime == "application/json" || mime.endsWith("+json");
}

std::shared_ptr<InsightCache> makeInsightCache(size_t entries, size_t byteBudget) {
    return std::make_shared<InsightCache>(entries, byteBudget,
                                          [](const std::string& text, const std::string& digest) {
                                              return text.size() + digest.size();
                                          });
}

InsightService::InsightService(std::shared_ptr<InsightCache> cache,
                               std::shared_ptr<ServerMetrics> metrics,
                               InsightServiceOptions options)
    : cache_(std::move(cache))
    , metrics_(std::move(metrics))
    , options_(std::move(options))
    , describeReply_(describe())
    , healthReply_(health()) {}

InsightReply InsightService::handle(const InsightRequest& request) {
    InsightReply reply = route(request);
    metrics_->countRequest(ServerMetrics::endpointIndex(request.path), reply.status);
    return reply;
}

InsightReply InsightService::route(const InsightRequest& request) {
    if (!options_.token.isEmpty()) {
        const QByteArray expected = "Bearer " + options_.token;
        const auto& given = request.authorization;
        // Constant-time comparison: the token must not leak through timing.
        if (given.size() != expected.size() ||
            CRYPTO_memcmp(given.constData(), expected.constData(), size_t(given.size())) != 0) {
            auto reply = error(401, QStringLiteral("Missing or wrong bearer token"));
            reply.headers.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
            return reply;
        }
    }
    const auto& path = request.path;
    if (options_.extra && options_.extra->handles(path)) {
        return options_.extra->handle(request);
    }
    const bool readOnly = path == "/" || path == "/health" || path == "/metrics";
    const bool lifting = path == "/lift" || path == "/lift/batch";
    if (!readOnly && !lifting) {
        return error(404, QStringLiteral("Not found: %1").arg(QString::fromUtf8(path.left(200))));
    }
    const QByteArray& allowed = readOnly ? kGet : kPost;
    if (request.method != allowed) {
        auto reply = error(405, QStringLiteral("Method %1 not allowed on %2; use %3")
                                    .arg(QString::fromUtf8(request.method.left(20)),
                                         QString::fromUtf8(path), QString::fromUtf8(allowed)));
        reply.headers.append(qMakePair(QByteArray("Allow"), allowed));
        return reply;
    }
    if (path == "/") {
        return describeReply_;
    }
    if (path == "/health") {
        return healthReply_;
    }
    if (path == "/metrics") {
        return metricsText();
    }
    if (request.body.size() > options_.maxBodyBytes) {
        return error(413, QStringLiteral("Body of %1 bytes exceeds the limit of %2 bytes")
                              .arg(request.body.size())
                              .arg(options_.maxBodyBytes));
    }
    if (!isJsonContentType(request.contentType)) {
        return error(415, QStringLiteral("Content-Type must be application/json, not %1")
                              .arg(QString::fromUtf8(request.contentType.left(100))));
    }
    return path == "/lift" ? liftOne(request.body) : liftBatch(request.body);
}

// The replies that never change, built once per service.
InsightReply InsightService::describe() {
    return json(
        200, QJsonObject{{"name", "DREDGE Studio insight server"},
                         {"version", QString::fromUtf8(version())},
                         {"description", "Lifts insights: each text gets a stable SHA-256 id."},
                         {"endpoints",
                          QJsonObject{
                              {"GET /", "this description"},
                              {"GET /health", "liveness and version"},
                              {"POST /lift", "{\"insight_text\": ...} -> lifted insight"},
                              {"POST /lift/batch", "{\"insights\": [...]} -> {\"results\": [...]}"},
                              {"GET /metrics", "Prometheus text metrics"},
                              {"POST /predict",
                               "{\"run\": ID, \"epoch\": k, \"points\": [[x...]...], \"t\": "
                               "[...], \"int8\": false} -> {\"values\": [[...]...], ...}"},
                              {"GET /runs", "stored runs (?filter=WORDS&archived=1)"},
                              {"GET /runs/ID", "one run (?series=1 adds per-epoch arrays)"},
                              {"GET /runs/ID/losses", "per-epoch losses (?from=A&to=B)"},
                          }}});
}

InsightReply InsightService::health() {
    return json(200, QJsonObject{{"status", "healthy"}, {"version", QString::fromUtf8(version())}});
}

QByteArray InsightService::digestOf(const QByteArray& utf8) {
    std::string key(utf8.constData(), size_t(utf8.size()));
    if (auto cached = cache_->get(key)) {
        return QByteArray::fromStdString(*cached);
    }
    QElapsedTimer timer;
    timer.start();
    QByteArray digest = sha_.hexDigest(utf8);
    metrics_->countHash(double(timer.nsecsElapsed()) * 1e-9);
    cache_->put(std::move(key), digest.toStdString());
    return digest;
}

QJsonObject InsightService::lift(const QString& text) {
    const QString id = QString::fromLatin1(digestOf(text.toUtf8()));
    metrics_->recordLift(id, text);
    return {{"id", id}, {"text", text}, {"lifted", true}, {"message", "Insight lifted"}};
}

InsightReply InsightService::liftOne(const QByteArray& body) {
    QJsonValue text;
    InsightReply failure;
    if (!requiredField(body, QStringLiteral("insight_text"), QJsonValue::String, "a string", &text,
                       &failure)) {
        return failure;
    }
    if (refuseLoneSurrogate(QStringLiteral("insight_text"), text.toString(), &failure)) {
        return failure;
    }
    return json(200, lift(text.toString()));
}

InsightReply InsightService::liftBatch(const QByteArray& body) {
    QJsonValue insights;
    InsightReply failure;
    if (!requiredField(body, QStringLiteral("insights"), QJsonValue::Array, "an array of strings",
                       &insights, &failure)) {
        return failure;
    }
    const auto items = insights.toArray();
    if (items.size() > options_.maxBatchItems) {
        return error(413, QStringLiteral("A batch holds at most %1 insights, not %2")
                              .arg(options_.maxBatchItems)
                              .arg(items.size()));
    }
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (!items.at(i).isString()) {
            return error(400, QStringLiteral("insights[%1] must be a string").arg(i));
        }
        if (refuseLoneSurrogate(QStringLiteral("insights[%1]").arg(i), items.at(i).toString(),
                                &failure)) {
            return failure;
        }
    }
    QJsonArray results;
    for (const auto& item : items) {
        results.append(lift(item.toString()));
    }
    return json(200, QJsonObject{{"results", results}});
}

InsightReply InsightService::metricsText() const {
    const auto m = metrics_->snapshot();
    const auto c = cache_->stats();
    QByteArray out;
    out.reserve(2048);
    const auto metric = [&out](const char* name, const char* type, const char* help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };
    metric("dredge_insight_requests_total", "counter",
           "Requests answered, by endpoint and status.");
    for (const auto& [key, count] : m.requests) {
        const QByteArray status = key.second ? QByteArray::number(key.second) : "other";
        out += "dredge_insight_requests_total{endpoint=\"" + key.first.toUtf8() + "\",status=\"" +
               status + "\"} " + QByteArray::number(count) + '\n';
    }
    const auto line = [&](const char* name, const char* type, const char* help, auto value) {
        metric(name, type, help);
        out += QByteArray(name) + ' ' + QByteArray::number(value) + '\n';
    };
    line("dredge_insight_cache_hits_total", "counter", "Lifts answered from the cache.", c.hits);
    line("dredge_insight_cache_misses_total", "counter", "Lifts that had to hash.", c.misses);
    line("dredge_insight_cache_evictions_total", "counter", "Entries evicted.", c.evictions);
    line("dredge_insight_cache_entries", "gauge", "Entries held.", qulonglong(c.entries));
    line("dredge_insight_cache_bytes", "gauge", "Bytes held (texts, digests, overhead).",
         qulonglong(c.bytes));
    line("dredge_insight_cache_capacity_entries", "gauge", "Entry limit.", qulonglong(c.capacity));
    line("dredge_insight_cache_capacity_bytes", "gauge", "Byte budget.", qulonglong(c.byteBudget));
    line("dredge_insight_hashes_total", "counter", "SHA-256 computations.", m.hashes);
    line("dredge_insight_hash_seconds_total", "counter", "Time spent hashing.", m.hashSeconds);
    line("dredge_insight_predicted_points_total", "counter", "Points evaluated by /predict.",
         m.predictedPoints);
    if (options_.extra) {
        options_.extra->writeMetrics(out);
    }
    InsightReply reply;
    reply.contentType = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = std::move(out);
    return reply;
}

} // namespace dredge
