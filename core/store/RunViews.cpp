#include "RunViews.h"

#include "RunRecordJson.h"
#include "RunStore.h"

#include <cmath>

namespace dredge {

namespace {

QJsonArray seriesJson(const std::vector<double>& values, size_t from = 0, size_t to = size_t(-1)) {
    QJsonArray array;
    for (size_t i = from; i < std::min(to, values.size()); ++i) {
        array.append(std::isfinite(values[i]) ? QJsonValue(values[i]) : QJsonValue());
    }
    return array;
}

// Per-epoch series besides the training loss, by their JSON names.
constexpr std::pair<const char*, LossSeries> kSideSeries[] = {
    {"validation_history", LossSeries::Validation},
    {"averaged_history", LossSeries::Averaged},          // null before the first average
    {"gradient_norm_history", LossSeries::GradientNorm}, // before clipping
};

} // namespace

std::optional<std::vector<RunRecord>> listedRuns(RunStore& store, const QString& filter,
                                                 bool archived, QString* error) {
    auto runs = store.listRuns(error);
    if (!runs) {
        return std::nullopt;
    }
    std::vector<RunRecord> shown;
    for (auto& r : *runs) {
        if ((archived || !r.archived) && matchesFilter(r, filter)) {
            shown.push_back(std::move(r));
        }
    }
    return shown;
}

QJsonArray runListJson(const std::vector<RunRecord>& runs) {
    QJsonArray array;
    for (const auto& r : runs) {
        array.append(toJson(r));
    }
    return array;
}

QJsonArray journalJson(const RunJournal& journal, const RunRecord& run) {
    QJsonArray changes;
    for (const auto& change : journal) {
        QJsonObject json = changeToJson(change);
        if (change.state == ChangeState::Requested && isEnded(run.status)) {
            json.insert(QStringLiteral("state"), QStringLiteral("not applied"));
            json.insert(QStringLiteral("message"),
                        QStringLiteral("the run's process ended before it met the request"));
        }
        changes.append(json);
    }
    return changes;
}

std::optional<QJsonObject> runDetailJson(RunStore& store, const QString& id, RunDetail detail,
                                         QString* error) {
    const auto record = store.loadRun(id, error);
    const auto losses = record ? store.lossHistory(id, error) : std::nullopt;
    const auto snapshots = losses ? store.snapshots(id, error) : std::nullopt;
    const auto frames = snapshots ? store.parameterFrames(id, error) : std::nullopt;
    const auto journal = frames ? store.journal(id, error) : std::nullopt;
    if (!journal) {
        return std::nullopt;
    }
    const bool series = detail == RunDetail::WithSeries;
    QJsonObject json = series ? toJson(*record, *losses) : toJson(*record);
    json.insert(QStringLiteral("changes"), journalJson(*journal, *record));
    for (const auto& [key, kind] : kSideSeries) {
        const auto values = series ? store.lossHistory(id, error, kind) : std::nullopt;
        if (series && !values) {
            return std::nullopt;
        }
        if (values && !values->empty()) {
            json.insert(QLatin1String(key), seriesJson(*values));
        }
    }
    if (series && !snapshots->empty()) { // a store's kept predictions from before version 6
        QJsonArray epochs;
        for (const auto& s : *snapshots) {
            epochs.append(s.epoch);
        }
        json.insert(QStringLiteral("snapshot_epochs"), epochs);
    }
    if (!frames->empty()) {
        json.insert(QStringLiteral("kept_parameters"),
                    QJsonObject{{QStringLiteral("frames"), qint64(frames->size())},
                                {QStringLiteral("first_epoch"), qint64(frames->epochs.front())},
                                {QStringLiteral("last_epoch"), qint64(frames->epochs.back())},
                                {QStringLiteral("bytes"), qint64(frames->bytes())}});
    }
    return json;
}

std::optional<QJsonObject> lossesJson(RunStore& store, const QString& id, qint64 from, qint64 to,
                                      QString* error) {
    const auto losses = store.lossHistory(id, error);
    if (!losses) {
        return std::nullopt;
    }
    const auto end = qint64(losses->size());
    const auto first = size_t(std::clamp<qint64>(from, 0, end));
    const auto last = size_t(std::clamp<qint64>(to < 0 ? end : to, qint64(first), end));
    QJsonObject json{{QStringLiteral("run"), id},
                     {QStringLiteral("from"), qint64(first)},
                     {QStringLiteral("to"), qint64(last)},
                     {QStringLiteral("epochs_done"), end},
                     {QStringLiteral("loss"), seriesJson(*losses, first, last)}};
    for (const auto& [key, kind] : kSideSeries) {
        const auto values = store.lossHistory(id, error, kind);
        if (!values) {
            return std::nullopt;
        }
        if (!values->empty()) {
            QString name = QLatin1String(key);
            json.insert(name.remove(QStringLiteral("_history")), seriesJson(*values, first, last));
        }
    }
    return json;
}

} // namespace dredge
