// libFuzzer target: the insight server's request handling from raw body bytes
// to response, for both POST endpoints (the first input byte picks one) and a
// token-protected service. Every reply must be well-formed: a known status,
// and JSON with "error" for every 4xx.

#include "InsightService.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <cstdint>
#include <cstdlib>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static auto cache = makeInsightCache(64, 1 << 20);
    static auto metrics = std::make_shared<ServerMetrics>();
    static InsightService service(cache, metrics, InsightServiceOptions{4096, 1000, {}});
    if (size == 0) {
        return 0;
    }
    InsightRequest request;
    const uint8_t selector = data[0];
    request.method = (selector & 1) ? "POST" : "GET";
    request.path = (selector & 2) ? "/lift/batch" : "/lift";
    request.contentType = (selector & 4) ? "application/json" : "";
    request.body = QByteArray(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    const auto reply = service.handle(request);
    const int status = reply.status;
    if (status != 200 && status != 400 && status != 405 && status != 413 && status != 415) {
        std::abort();
    }
    if (status != 200 || reply.contentType == "application/json") {
        const auto json = QJsonDocument::fromJson(reply.body);
        if (!json.isObject() ||
            (status >= 400 && !json.object().contains(QStringLiteral("error")))) {
            std::abort();
        }
    }
    return 0;
}
