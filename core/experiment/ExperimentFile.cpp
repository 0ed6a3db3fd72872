#include "ExperimentFile.h"

#include "InputFile.h"

#include "ExperimentJson.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace dredge {
namespace {

const QString kFormat = QStringLiteral("dredge-studio-experiment");
constexpr qint64 kMaxFileBytes = qint64(512) << 20;

} // namespace

QString saveExperiment(const QString& path, const ExperimentDocument& document) {
    QJsonArray runs;
    for (const auto& run : document.runs) {
        QJsonObject json{{"name", run.name},
                         {"config", toJson(run.config)},
                         {"result", toJson(run.result, true)}};
        QJsonArray changes;
        for (const auto& change : appliedChanges(run.journal)) {
            changes.append(changeToJson(change));
        }
        if (!changes.isEmpty()) {
            json.insert(QStringLiteral("changes"), changes);
        }
        runs.append(json);
    }
    const QJsonObject root{{"format", kFormat},
                           {"version", kExperimentFileVersion},
                           {"experiment", toJson(document.experiment)},
                           {"runs", runs}};
    const QByteArray bytes = QJsonDocument(root).toJson(QJsonDocument::Indented);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        return QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    }
    if (file.write(bytes) != bytes.size() || !file.commit()) {
        return QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    }
    return {};
}

std::optional<ExperimentDocument> parseExperiment(const QByteArray& bytes, QString* error) {
    QJsonParseError parseError;
    const auto json = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QObject::tr("not valid JSON (%1 at byte %2): the file may be truncated or damaged")
                     .arg(parseError.errorString())
                     .arg(parseError.offset);
        return std::nullopt;
    }
    if (!json.isObject()) {
        *error = QObject::tr("not an experiment file: the top level is not a JSON object");
        return std::nullopt;
    }
    const auto root = json.object();
    if (root.value(QStringLiteral("format")).toString() != kFormat) {
        *error = QObject::tr("not an experiment file: \"format\" is not \"%1\"").arg(kFormat);
        return std::nullopt;
    }
    const auto version = root.value(QStringLiteral("version"));
    if (!version.isDouble() || version.toInt() != kExperimentFileVersion) {
        *error =
            QObject::tr("unsupported version %1 (this DREDGE Studio reads version %2)")
                .arg(version.isDouble() ? QString::number(version.toDouble()) : QStringLiteral("?"))
                .arg(kExperimentFileVersion);
        return std::nullopt;
    }
    ExperimentDocument document;
    QString problem;
    const auto experiment =
        experimentFromJson(root.value(QStringLiteral("experiment")).toObject(), &problem);
    if (!experiment) {
        *error = QObject::tr("experiment: %1").arg(problem);
        return std::nullopt;
    }
    document.experiment = *experiment;
    const auto runs = root.value(QStringLiteral("runs"));
    if (!runs.isUndefined() && !runs.isArray()) {
        *error = QObject::tr("\"runs\" must be an array");
        return std::nullopt;
    }
    const auto runArray = runs.toArray();
    for (qsizetype i = 0; i < runArray.size(); ++i) {
        const auto item = runArray.at(i).toObject();
        SavedRun run;
        run.name = item.value(QStringLiteral("name")).toString();
        const auto config =
            experimentFromJson(item.value(QStringLiteral("config")).toObject(), &problem);
        const auto result =
            config ? resultFromJson(item.value(QStringLiteral("result")).toObject(), &problem)
                   : std::nullopt;
        if (!config || !result) {
            *error = QObject::tr("run %1: %2").arg(i + 1).arg(problem);
            return std::nullopt;
        }
        run.config = *config;
        run.result = *result;
        const auto changes = item.value(QStringLiteral("changes")).toArray();
        for (qsizetype k = 0; k < changes.size(); ++k) {
            auto change = changeFromJson(changes.at(k).toObject(), &problem);
            if (!change) {
                *error = QObject::tr("run %1, change %2: %3").arg(i + 1).arg(k + 1).arg(problem);
                return std::nullopt;
            }
            run.journal.push_back(std::move(*change));
        }
        document.runs.push_back(std::move(run));
    }
    return document;
}

std::optional<ExperimentDocument> openExperiment(const QString& path, QString* error) {
    const auto bytes = readInputFile(path, kMaxFileBytes, QObject::tr("experiment file"), error);
    if (!bytes) {
        return std::nullopt;
    }
    QString problem;
    auto document = parseExperiment(*bytes, &problem);
    if (!document) {
        *error = QObject::tr("%1: %2").arg(path, problem);
    }
    return document;
}

} // namespace dredge
