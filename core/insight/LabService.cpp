#include "LabService.h"

#include "KeptModel.h"
#include "PredictRequest.h"
#include "RunStore.h"
#include "RunViews.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

#include <charconv>
#include <cmath>

namespace dredge {

// A kept model ready to answer: the float32 evaluator (the app's own
// prediction, fused kernels) or the INT8 TorchScript module that
// `runs export --int8` writes.
struct ServedModel {
    QString runId;
    QString model;
    qint64 epoch = 0;
    bool endModel = false;
    QString note; // where the epoch asked was not kept: what was taken instead
    std::shared_ptr<FieldEvaluator> evaluator;
    std::shared_ptr<ScriptedField> int8;
    QByteArray replyHead; // every answer's fields before "values", made once (replyHeadOf)

    int dims() const { return evaluator->dims(); }
    std::vector<float> predict(const std::vector<float>& coords,
                               const std::vector<float>& time) const {
        return int8 ? int8->predict(coords, time) : evaluator->predict(coords, time);
    }
};

namespace {

const QByteArray kRuns = "/runs";
const QByteArray kRunsSlash = "/runs/";
const QByteArray kPredict = "/predict";

InsightReply methodNotAllowed(const QByteArray& method, const QByteArray& path,
                              const QByteArray& allowed) {
    auto reply =
        errorReply(405, QStringLiteral("Method %1 not allowed on %2; use %3")
                            .arg(QString::fromUtf8(method.left(20)),
                                 QString::fromUtf8(path.left(200)), QString::fromUtf8(allowed)));
    reply.headers.append(qMakePair(QByteArray("Allow"), allowed));
    return reply;
}

// A query parameter as a whole number ≥ 0; `fallback` when absent; -2 when bad.
qint64 queryNumber(const QUrlQuery& query, const QString& key, qint64 fallback) {
    if (!query.hasQueryItem(key)) {
        return fallback;
    }
    bool ok = false;
    const qint64 value = query.queryItemValue(key).toLongLong(&ok);
    return ok && value >= 0 ? value : -2;
}

bool queryFlag(const QUrlQuery& query, const QString& key) {
    const auto value = query.queryItemValue(key).toLower();
    return query.hasQueryItem(key) && value != QLatin1String("0") &&
           value != QLatin1String("false") && value != QLatin1String("no");
}

void appendNumber(QByteArray& out, float value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end - buffer);
}

QByteArray jsonString(const QString& text) {
    // QJsonDocument escapes it; the array's brackets are dropped.
    const auto array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray replyHeadOf(const ServedModel& model) {
    QByteArray head = "{\"run\":" + jsonString(model.runId) +
                      ",\"epoch\":" + QByteArray::number(model.epoch) +
                      ",\"end_model\":" + (model.endModel ? "true" : "false") +
                      ",\"model\":" + jsonString(model.model) + ",\"precision\":\"" +
                      (model.int8 ? "int8" : "float32") +
                      "\",\"outputs\":" + QByteArray::number(model.evaluator->outputs());
    if (!model.note.isEmpty()) {
        head += ",\"note\":" + jsonString(model.note);
    }
    return head + ",\"values\":[";
}

QByteArray predictionBody(const ServedModel& model, const std::vector<float>& values,
                          size_t points) {
    const size_t outputs = points ? values.size() / points : 0;
    QByteArray out;
    out.reserve(qsizetype(values.size() * 14) + model.replyHead.size() + 8);
    out += model.replyHead;
    for (size_t i = 0; i < points; ++i) {
        out += i ? ",[" : "[";
        for (size_t c = 0; c < outputs; ++c) {
            if (c) {
                out += ',';
            }
            appendNumber(out, values[i * outputs + c]);
        }
        out += ']';
    }
    out += "]}";
    return out;
}

size_t servedModelBytes(const std::string& key, const std::shared_ptr<const ServedModel>& model) {
    // Parameters as float32, twice for an INT8 module (its packed weights and
    // the evaluator it was built from), and the key.
    const auto parameters = size_t(model->evaluator->parameterCount()) * sizeof(float);
    return key.size() + parameters * (model->int8 ? 2 : 1) + 4096;
}

} // namespace

LabService::LabService(LabServiceOptions options, std::shared_ptr<ServerMetrics> metrics)
    : options_(std::move(options))
    , metrics_(std::move(metrics))
    , models_(options_.modelCacheEntries, options_.modelCacheBytes, servedModelBytes) {}

LabService::~LabService() = default;

bool LabService::handles(const QByteArray& path) const {
    return path == kPredict || path == kRuns || path.startsWith(kRunsSlash);
}

void LabService::writeMetrics(QByteArray& out) const {
    const auto models = models_.stats();
    const auto line = [&out](const char* name, const char* type, const char* help,
                             qulonglong value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n' +
               name + ' ' + QByteArray::number(value) + '\n';
    };
    line("dredge_insight_model_cache_hits_total", "counter", "Models served from the cache.",
         models.hits);
    line("dredge_insight_model_cache_misses_total", "counter",
         "Models looked up and not in the cache.", models.misses);
    line("dredge_insight_model_cache_entries", "gauge", "Models held.", models.entries);
    line("dredge_insight_model_cache_bytes", "gauge", "Bytes the models held are charged.",
         models.bytes);
}

InsightReply LabService::handle(const InsightRequest& request) {
    const auto& path = request.path;
    const QByteArray allowed = path == kPredict ? "POST" : "GET";
    if (request.method != allowed) {
        return methodNotAllowed(request.method, path, allowed);
    }
    if (path == kPredict) {
        if (!isJsonContentType(request.contentType)) {
            return errorReply(415, QStringLiteral("Content-Type must be application/json, not %1")
                                       .arg(QString::fromUtf8(request.contentType.left(100))));
        }
        return predict(request.body);
    }
    if (path == kRuns) {
        return listRuns(request.query);
    }
    // /runs/ID or /runs/ID/losses
    const auto parts = QString::fromUtf8(path.mid(kRunsSlash.size())).split(u'/');
    if (parts.size() == 1 && !parts[0].isEmpty()) {
        return showRun(parts[0], request.query);
    }
    if (parts.size() == 2 && parts[1] == QLatin1String("losses")) {
        return runLosses(parts[0], request.query);
    }
    return errorReply(404, QStringLiteral("Not found: %1").arg(QString::fromUtf8(path.left(200))));
}

RunStore* LabService::store(InsightReply* failure) {
    if (!options_.store) {
        *failure = errorReply(404, QStringLiteral("This server reads no run store (serve --store "
                                                  "URL, or the window's server)"));
        return nullptr;
    }
    if (!store_) {
        auto store = std::make_unique<RunStore>();
        QString error;
        if (!store->open(*options_.store, &error)) {
            *failure =
                errorReply(503, QStringLiteral("The run store cannot be opened: %1").arg(error));
            return nullptr;
        }
        store_ = std::move(store);
    }
    return store_.get();
}

std::optional<QString> LabService::resolve(const QString& prefix, InsightReply* failure) {
    auto* runs = store(failure);
    if (!runs) {
        return std::nullopt;
    }
    QString error;
    RunStore::IdFailure why{};
    auto id = runs->resolveId(prefix, &error, &why);
    if (!id) {
        const bool missing = why == RunStore::IdFailure::NoMatch;
        *failure = errorReply(missing ? 404 : (why == RunStore::IdFailure::Store ? 500 : 400),
                              missing ? QStringLiteral("Unknown run: %1").arg(error) : error);
    }
    return id;
}

std::shared_ptr<const ServedModel> LabService::model(const QString& id, qint64 epoch, bool int8,
                                                     InsightReply* failure) {
    const auto key = (id + u'@' + QString::number(epoch) + (int8 ? u'q' : u'f')).toStdString();
    if (auto cached = models_.get(key)) {
        return *cached;
    }
    QString error;
    KeptFailure why{};
    const auto spec = epoch < 0 ? id : id + u'@' + QString::number(epoch);
    auto kept = loadKeptModel(*store_, spec, &error, &why); // resolve() opened the store
    if (!kept) {
        // Nothing kept there is "not found", like a run that is not there.
        const bool absent = why == KeptFailure::PastEnd || why == KeptFailure::NothingKept ||
                            why == KeptFailure::NoRun;
        *failure = errorReply(absent ? 404 : 500, error);
        return nullptr;
    }
    auto served = std::make_shared<ServedModel>();
    served->runId = kept->kept.record.id;
    served->model = QString::fromUtf8(modelKindName(kept->kept.record.config.model.kind).data());
    served->epoch = kept->kept.epoch();
    served->endModel = kept->kept.isEnd();
    served->note = kept->kept.substitution();
    served->evaluator = kept->evaluator;
    if (int8) {
        try {
            served->int8 = std::make_shared<ScriptedField>(
                *kept->evaluator, scriptMetadata(kept->kept), ScriptPrecision::Int8);
        } catch (const std::exception& e) {
            *failure = errorReply(501, QStringLiteral("INT8: %1").arg(QString::fromUtf8(e.what())));
            return nullptr;
        }
    }
    served->replyHead = replyHeadOf(*served);
    // A run still training keeps more frames and ends with other weights:
    // only an ended run's model stays the same.
    if (isEnded(kept->kept.record.status)) {
        models_.put(key, served);
    }
    return served;
}

InsightReply LabService::predict(const QByteArray& body) {
    InsightReply failure;
    const auto request = parsePredictRequest(body, options_.maxPredictPoints, &failure);
    const auto id = request ? resolve(request->run, &failure) : std::nullopt;
    const auto served = id ? model(*id, request->epoch, request->int8, &failure) : nullptr;
    const auto points =
        served ? readPredictPoints(*request, served->dims(), id->left(8), &failure) : std::nullopt;
    if (!points) {
        return failure;
    }
    const auto count = size_t(request->points.size());
    InsightReply reply;
    reply.body = predictionBody(*served, served->predict(points->coords, points->time), count);
    metrics_->countPredictions(uint64_t(count));
    return reply;
}

InsightReply LabService::listRuns(const QByteArray& query) {
    InsightReply failure;
    auto* runs = store(&failure);
    if (!runs) {
        return failure;
    }
    const QUrlQuery q(QString::fromUtf8(query));
    QString error;
    const auto listed =
        listedRuns(*runs, q.queryItemValue(QStringLiteral("filter"), QUrl::FullyDecoded),
                   queryFlag(q, QStringLiteral("archived")), &error);
    if (!listed) {
        return errorReply(500, error);
    }
    InsightReply reply;
    reply.body = QJsonDocument(runListJson(*listed)).toJson(QJsonDocument::Compact);
    return reply;
}

InsightReply LabService::showRun(const QString& prefix, const QByteArray& query) {
    InsightReply failure;
    const auto id = resolve(prefix, &failure);
    if (!id) {
        return failure;
    }
    const QUrlQuery q(QString::fromUtf8(query));
    const auto detail =
        queryFlag(q, QStringLiteral("series")) ? RunDetail::WithSeries : RunDetail::Summary;
    QString error;
    const auto json = runDetailJson(*store_, *id, detail, &error);
    return json ? jsonReply(200, *json) : errorReply(500, error);
}

InsightReply LabService::runLosses(const QString& prefix, const QByteArray& query) {
    const QUrlQuery q(QString::fromUtf8(query));
    const qint64 from = queryNumber(q, QStringLiteral("from"), 0);
    const qint64 to = queryNumber(q, QStringLiteral("to"), -1);
    if (from == -2 || to == -2) {
        return errorReply(400, QStringLiteral("from and to must be whole numbers of epochs (≥ 0)"));
    }
    InsightReply failure;
    const auto id = resolve(prefix, &failure);
    if (!id) {
        return failure;
    }
    QString error;
    const auto json = lossesJson(*store_, *id, from, to, &error);
    return json ? jsonReply(200, *json) : errorReply(500, error);
}

} // namespace dredge
