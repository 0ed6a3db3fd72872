// libFuzzer target: the body of POST /predict, parsed and read for a model of
// 1 to 7 spatial dimensions (the first input byte picks D). Every refusal must
// be a 400 or 413 with JSON {"error": ...}; every acceptance must hold D
// finite coordinates per point and one finite t per point or none.

#include "PredictRequest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <cstdint>
#include <cstdlib>

using namespace dredge;

namespace {

void checkRefusal(const InsightReply& reply) {
    const auto json = QJsonDocument::fromJson(reply.body);
    if ((reply.status != 400 && reply.status != 413) || !json.isObject() ||
        !json.object().value(QStringLiteral("error")).isString()) {
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const int dims = 1 + data[0] % 7;
    const QByteArray body(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    InsightReply failure;
    const auto request = parsePredictRequest(body, 1000, &failure);
    if (!request) {
        checkRefusal(failure);
        return 0;
    }
    if (request->points.size() > 1000 || request->epoch < -1) {
        std::abort();
    }
    const auto points = readPredictPoints(*request, dims, QStringLiteral("run"), &failure);
    if (!points) {
        checkRefusal(failure);
        return 0;
    }
    const auto n = size_t(request->points.size());
    if (points->coords.size() != n * size_t(dims) ||
        (!points->time.empty() && points->time.size() != n)) {
        std::abort();
    }
    for (const float v : points->coords) {
        if (!std::isfinite(v)) {
            std::abort();
        }
    }
    for (const float v : points->time) {
        if (!std::isfinite(v)) {
            std::abort();
        }
    }
    return 0;
}
