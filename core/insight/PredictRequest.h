#pragma once
// The body of POST /predict (docs/reference.md §5), read in two steps: the
// fields that name the model (before it is loaded), then the points, whose
// width the model decides. Every failure is the 400 or 413 that names the
// field. Qt only: the fuzzer runs it without a store or LibTorch.

#include "InsightService.h"

#include <QJsonArray>
#include <QJsonValue>
#include <optional>
#include <vector>

namespace dredge {

struct PredictRequest {
    QString run;       // an id or a unique prefix
    qint64 epoch = -1; // epochs done; -1: the model the run ended with
    bool int8 = false;
    QJsonArray points; // [[x…], …], read by readPredictPoints
    QJsonValue time;   // [t…] or undefined (t = 0)
};

std::optional<PredictRequest> parsePredictRequest(const QByteArray& body, int maxPoints,
                                                  InsightReply* failure);

struct PredictPoints {
    std::vector<float> coords; // [N·D], row-major
    std::vector<float> time;   // [N], or empty
};

// `dims` coordinates per point, every one a finite float32; `runName` names
// the run in the message.
std::optional<PredictPoints> readPredictPoints(const PredictRequest& request, int dims,
                                               const QString& runName, InsightReply* failure);

} // namespace dredge
