#include "StoredConfig.h"

#include "ExperimentJson.h"

#include <QJsonDocument>

namespace dredge {

QByteArray configColumn(const ExperimentConfig& config) {
    return QJsonDocument(toJson(config)).toJson(QJsonDocument::Compact);
}

ExperimentConfig configFromColumn(const QByteArray& text, QString* problem) {
    QJsonParseError parseError;
    const auto json = QJsonDocument::fromJson(text, &parseError);
    QString configError;
    const auto config =
        json.isObject() ? experimentFromJson(json.object(), &configError) : std::nullopt;
    if (config) {
        problem->clear();
        return *config;
    }
    *problem = json.isObject()                                ? configError
               : parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                              : QStringLiteral("not a JSON object");
    return {};
}

} // namespace dredge
