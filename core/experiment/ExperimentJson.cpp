#include "ExperimentJson.h"

#include "Settings.h"

#include <QJsonArray>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

QJsonValue number(double value) {
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

QString enumName(std::string_view name) {
    return QString::fromUtf8(name.data(), int(name.size()));
}

// Reads optional fields of one JSON object, collecting the first error.
class FieldReader {
public:
    FieldReader(const QJsonObject& object, QString section)
        : object_(object)
        , section_(std::move(section)) {}

    template <typename Int>
    void integer(const char* key, Int& out) {
        read(key, out, QStringLiteral("an integer"), [](const QJsonValue& v, Int& value) {
            const double d = v.toDouble(std::nan(""));
            if (!v.isDouble() || d != std::floor(d) ||
                d < double(std::numeric_limits<Int>::min()) ||
                d > double(std::numeric_limits<Int>::max())) {
                return false;
            }
            value = Int(d);
            return true;
        });
    }
    void real(const char* key, double& out) {
        read(key, out, QStringLiteral("a number"), [](const QJsonValue& v, double& value) {
            value = v.toDouble();
            return v.isDouble();
        });
    }
    void boolean(const char* key, bool& out) {
        read(key, out, QStringLiteral("true or false"), [](const QJsonValue& v, bool& value) {
            value = v.toBool();
            return v.isBool();
        });
    }
    void string(const char* key, std::string& out) {
        read(key, out, QStringLiteral("a string"), [](const QJsonValue& v, std::string& value) {
            value = v.toString().toStdString();
            return v.isString();
        });
    }
    template <typename Enum, typename Parse>
    void name(const char* key, Enum& out, Parse parse) {
        std::string text;
        const bool present = object_.contains(QLatin1String(key));
        string(key, text);
        if (!present || !error.isEmpty()) {
            return;
        }
        if (const auto parsed = parse(text)) {
            out = *parsed;
        } else {
            fail(key, QStringLiteral("a known name, not '%1'").arg(QString::fromStdString(text)));
        }
    }

    QString error;

private:
    // An absent field keeps its default; a present one must convert, or the
    // error names it and what it must be.
    template <typename T, typename Convert>
    void read(const char* key, T& out, const QString& expected, Convert convert) {
        const auto v = object_.value(QLatin1String(key));
        if (v.isUndefined()) {
            return;
        }
        T value{};
        if (convert(v, value)) {
            out = std::move(value);
        } else {
            fail(key, expected);
        }
    }
    void fail(const char* key, const QString& expected) {
        if (error.isEmpty()) {
            error = QStringLiteral("%1.%2 must be %3").arg(section_, QLatin1String(key), expected);
        }
    }
    const QJsonObject& object_;
    QString section_;
};

} // namespace

QJsonObject toJson(const ExperimentConfig& c) {
    return settingsToJson(c);
}

std::optional<ExperimentConfig> experimentFromJson(const QJsonObject& json, QString* error) {
    auto c = settingsFromJson(json, error);
    if (c) {
        if (const auto problem = validate(*c); !problem.empty()) {
            *error = QString::fromStdString(problem);
            return std::nullopt;
        }
    }
    return c;
}

QStringList hostNames(const RunSetup& s) {
    QStringList hosts;
    for (const auto& host : s.hosts) {
        hosts.append(QString::fromStdString(host));
    }
    return hosts;
}

QJsonObject toJson(const RunSetup& s) {
    QJsonArray grid;
    for (auto g : s.gridShape) {
        grid.append(qint64(g));
    }
    return {{"points", qint64(s.points)},
            {"dims", s.dims},
            {"parameters", qint64(s.parameters)},
            {"grid_shape", grid},
            {"data", QString::fromStdString(s.dataDescription)},
            {"validation_points", qint64(s.validationPoints)},
            {"zero_predictor_mse", s.zeroPredictorMse},
            {"target_peak", s.targetPeak},
            {"world_size", s.ranks},
            {"hosts", QJsonArray::fromStringList(hostNames(s))}};
}

QJsonObject toJson(const TrainResult& r, bool withHistory) {
    QJsonObject json{{"status", enumName(runStatusName(r.status))},
                     {"final_loss", number(r.finalLoss)},
                     {"best_loss", number(r.bestLoss)},
                     {"epochs_done", qint64(r.epochsDone)},
                     {"wall_seconds", r.wallSeconds},
                     {"ms_per_epoch", r.msPerEpoch},
                     {"skipped_steps", qint64(r.skippedSteps)}};
    if (r.status == RunStatus::Diverged) {
        json.insert(QStringLiteral("diverged_at_epoch"), qint64(r.divergedAtEpoch));
    }
    if (!r.error.empty()) {
        json.insert(QStringLiteral("error"), QString::fromStdString(r.error));
    }
    if (!r.stopReason.empty()) {
        json.insert(QStringLiteral("stop_reason"), QString::fromStdString(r.stopReason));
    }
    if (r.bestEpoch >= 0) {
        json.insert(QStringLiteral("best_epoch"), qint64(r.bestEpoch));
    }
    if (r.restoredBest) {
        json.insert(QStringLiteral("restored_best"), true);
    }
    if (r.averagedModels > 0) { // weight averaging: the average's size and last loss
        json.insert(QStringLiteral("averaged_models"), qint64(r.averagedModels));
        if (!r.averagedHistory.empty()) {
            json.insert(QStringLiteral("averaged_loss"), number(r.averagedHistory.back()));
        }
        json.insert(QStringLiteral("ended_averaged"), r.endedAveraged);
    }
    const auto series = [](const std::vector<double>& losses) {
        QJsonArray array;
        for (double loss : losses) {
            array.append(number(loss));
        }
        return array;
    };
    if (withHistory) {
        json.insert(QStringLiteral("loss_history"), series(r.lossHistory));
        if (!r.validationHistory.empty()) {
            json.insert(QStringLiteral("validation_history"), series(r.validationHistory));
        }
        if (!r.averagedHistory.empty()) {
            json.insert(QStringLiteral("averaged_history"), series(r.averagedHistory));
        }
    }
    return json;
}

std::optional<TrainResult> resultFromJson(const QJsonObject& json, QString* error) {
    TrainResult r;
    FieldReader reader(json, QStringLiteral("result"));
    reader.name("status", r.status, runStatusFromName);
    reader.integer("epochs_done", r.epochsDone);
    reader.integer("diverged_at_epoch", r.divergedAtEpoch);
    reader.integer("skipped_steps", r.skippedSteps);
    reader.real("wall_seconds", r.wallSeconds);
    reader.real("ms_per_epoch", r.msPerEpoch);
    std::string message;
    reader.string("error", message);
    r.error = message;
    reader.string("stop_reason", r.stopReason);
    reader.integer("best_epoch", r.bestEpoch);
    reader.boolean("restored_best", r.restoredBest);
    reader.integer("averaged_models", r.averagedModels);
    reader.boolean("ended_averaged", r.endedAveraged);
    if (!reader.error.isEmpty()) {
        *error = reader.error;
        return std::nullopt;
    }
    const auto lossOf = [](const QJsonValue& v) {
        return v.isDouble() ? v.toDouble() : std::numeric_limits<double>::quiet_NaN();
    };
    r.finalLoss = lossOf(json.value(QStringLiteral("final_loss")));
    r.bestLoss = lossOf(json.value(QStringLiteral("best_loss")));
    const auto history = json.value(QStringLiteral("loss_history"));
    if (!history.isUndefined() && !history.isArray()) {
        *error = QStringLiteral("result.loss_history must be an array");
        return std::nullopt;
    }
    for (const auto& v : history.toArray()) {
        if (!v.isDouble() && !v.isNull()) {
            *error = QStringLiteral("result.loss_history must hold numbers");
            return std::nullopt;
        }
        r.lossHistory.push_back(lossOf(v));
    }
    return r;
}

} // namespace dredge
