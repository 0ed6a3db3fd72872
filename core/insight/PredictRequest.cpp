#include "PredictRequest.h"

#include <QJsonObject>
#include <cmath>

namespace dredge {

namespace {

// A whole number ≥ 0 from JSON (which has only doubles), or -1.
qint64 wholeNumber(const QJsonValue& value) {
    const double d = value.toDouble(-1);
    return value.isDouble() && d >= 0 && d <= 9.0e15 && std::floor(d) == d ? qint64(d) : -1;
}

// Why a coordinate cannot be taken, or nothing when *out holds it. (The
// field's name is only spelt out on failure: building it for each of 10⁵
// coordinates would cost more than the prediction.)
std::optional<QString> readNumber(QJsonValueConstRef value, float* out) {
    if (!value.isDouble()) {
        return QStringLiteral("must be a number");
    }
    const double d = value.toDouble();
    if (!std::isfinite(d) || std::abs(d) > 3.0e38) {
        return QStringLiteral("is not a finite float32 number");
    }
    *out = float(d);
    return std::nullopt;
}

QString widthError(qsizetype index, int dims, const QString& runName) {
    if (dims == 1) {
        return QStringLiteral("points[%1] must be an array of 1 coordinate (run %2 has 1 spatial "
                              "dimension)")
            .arg(index)
            .arg(runName);
    }
    return QStringLiteral("points[%1] must be an array of %2 coordinates (run %3 has %2 spatial "
                          "dimensions)")
        .arg(index)
        .arg(dims)
        .arg(runName);
}

} // namespace

std::optional<PredictRequest> parsePredictRequest(const QByteArray& body, int maxPoints,
                                                  InsightReply* failure) {
    QJsonObject object;
    if (!parseJsonObject(body, &object, failure)) {
        return std::nullopt;
    }
    const auto refuse = [failure](int status, const QString& message) {
        *failure = errorReply(status, message);
        return std::nullopt;
    };
    PredictRequest request;
    const auto run = object.value(QStringLiteral("run"));
    if (!run.isString()) {
        return refuse(400, run.isUndefined() ? QStringLiteral("Missing required field: run")
                                             : QStringLiteral("run must be a string"));
    }
    request.run = run.toString();
    const auto epoch = object.value(QStringLiteral("epoch"));
    request.epoch = epoch.isUndefined() ? -1 : wholeNumber(epoch);
    if (!epoch.isUndefined() && request.epoch < 0) {
        return refuse(400, QStringLiteral("epoch must be a whole number of epochs done (≥ 0)"));
    }
    const auto int8 = object.value(QStringLiteral("int8"));
    if (!int8.isUndefined() && !int8.isBool()) {
        return refuse(400, QStringLiteral("int8 must be true or false"));
    }
    request.int8 = int8.toBool();
    const auto points = object.value(QStringLiteral("points"));
    if (!points.isArray()) {
        return refuse(400, points.isUndefined() ? QStringLiteral("Missing required field: points")
                                                : QStringLiteral("points must be an array of "
                                                                 "points"));
    }
    request.points = points.toArray();
    if (request.points.size() > maxPoints) {
        return refuse(413, QStringLiteral("A request holds at most %1 points, not %2")
                               .arg(maxPoints)
                               .arg(request.points.size()));
    }
    request.time = object.value(QStringLiteral("t"));
    if (!request.time.isUndefined() && !request.time.isNull() &&
        (!request.time.isArray() || request.time.toArray().size() != request.points.size())) {
        return refuse(400, QStringLiteral("t must be an array of %1 numbers, one per point")
                               .arg(request.points.size()));
    }
    return request;
}

std::optional<PredictPoints> readPredictPoints(const PredictRequest& request, int dims,
                                               const QString& runName, InsightReply* failure) {
    // Iterators read the values in place (at() copies each one out).
    PredictPoints out;
    out.coords.resize(size_t(request.points.size()) * size_t(dims));
    float* coordinate = out.coords.data();
    qsizetype i = 0;
    for (const auto point : request.points) {
        const auto row = point.toArray();
        if (!point.isArray() || row.size() != dims) {
            *failure = errorReply(400, widthError(i, dims, runName));
            return std::nullopt;
        }
        int d = 0;
        for (const auto value : row) {
            if (const auto why = readNumber(value, coordinate++)) {
                *failure =
                    errorReply(400, QStringLiteral("points[%1][%2] %3").arg(i).arg(d).arg(*why));
                return std::nullopt;
            }
            ++d;
        }
        ++i;
    }
    const auto times = request.time.toArray();
    out.time.resize(size_t(times.size()));
    i = 0;
    for (const auto value : times) {
        if (const auto why = readNumber(value, &out.time[size_t(i)])) {
            *failure = errorReply(400, QStringLiteral("t[%1] %2").arg(i).arg(*why));
            return std::nullopt;
        }
        ++i;
    }
    return out;
}

} // namespace dredge
