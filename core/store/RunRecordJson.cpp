#include "RunRecordJson.h"

#include "ExperimentJson.h"

#include <QJsonArray>

namespace dredge {
namespace {

QJsonValue number(double value) {
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}
QJsonValue time(const QDateTime& value) {
    return value.isValid() ? QJsonValue(value.toString(Qt::ISODateWithMs)) : QJsonValue();
}
QJsonValue text(const QString& value) {
    return value.isEmpty() ? QJsonValue() : QJsonValue(value);
}

QJsonArray spansJson(const std::vector<EpochSpan>& spans) {
    QJsonArray array;
    for (const auto& span : spans) {
        array.append(QJsonObject{{"from_epoch", double(span.firstEpoch)},
                                 {"count", double(span.epochs)},
                                 {"path", QString::fromStdString(span.path)},
                                 {"precision", QString::fromStdString(span.precision)},
                                 {"seconds", span.seconds},
                                 {"epochs_per_second", span.epochsPerSecond()}});
    }
    return array;
}

} // namespace

QJsonObject toJson(const RunRecord& r) {
    return QJsonObject{
        {"id", r.id},
        {"name", r.name},
        {"status", recordStatusName(r.status)},
        {"created", time(r.created)},
        {"started", time(r.started)},
        {"ended", time(r.ended)},
        {"config", toJson(r.config)},
        {"data_fingerprint", text(r.dataFingerprint)},
        {"app_version", r.appVersion},
        {"torch_version", r.torchVersion},
        {"host", r.host},
        {"device", r.device},
        {"parameters", r.parameters},
        {"points", r.points},
        {"zero_predictor_mse", number(r.zeroPredictorMse)},
        {"epochs_done", r.epochsDone},
        {"final_loss", number(r.finalLoss)},
        {"best_loss", number(r.bestLoss)},
        {"ms_per_epoch", number(r.msPerEpoch)},
        {"psnr_db", number(r.psnrDb)},
        {"error", text(r.error)},
        {"notes", r.notes},
        {"tags", QJsonArray::fromStringList(r.tags)},
        {"starred", r.starred},
        {"archived", r.archived},
        {"parent_id", text(r.parentId)},
        {"fork_epoch", r.forkEpoch},
        {"sweep_id", text(r.sweepId)},
        {"sweep_task", r.sweepTask >= 0 ? QJsonValue(r.sweepTask) : QJsonValue()},
        {"clipped_epochs", r.clippedEpochs},
        {"clipped", QStringLiteral("clipped %1 of %2").arg(r.clippedEpochs).arg(r.epochsDone)},
        {"spans", spansJson(r.spans)},
        {"replay_of", text(r.replayOf)},
    };
}

QJsonObject toJson(const RunRecord& record, const std::vector<double>& losses) {
    QJsonObject json = toJson(record);
    QJsonArray history;
    for (double loss : losses) {
        history.append(number(loss));
    }
    json.insert(QStringLiteral("loss_history"), history);
    return json;
}

} // namespace dredge
