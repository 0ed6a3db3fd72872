#include "KeptModel.h"

#include "RunStore.h"
#include "VersionReport.h"

#include <QSaveFile>

namespace dredge {

std::optional<KeptModel> loadKeptModel(RunStore& store, const QString& spec, QString* error,
                                       KeptFailure* kind) {
    auto kept = loadKeptParameters(store, spec, error, kind);
    if (!kept) {
        return std::nullopt;
    }
    try {
        const auto& config = kept->record.config;
        const int dims = spatialDims(config.data);
        const int outputs = outputsFitting(config.model, dims, kept->frames.width);
        if (outputs < 1) {
            throw std::invalid_argument(std::to_string(kept->frames.width) +
                                        " parameters are no width of its head");
        }
        auto evaluator =
            std::make_shared<FieldEvaluator>(config.model, dims, config.train.seed, outputs);
        evaluator->setParameters(kept->values(), kept->frames.width);
        return KeptModel{std::move(*kept), std::move(evaluator)};
    } catch (const std::exception& e) {
        *error = QStringLiteral("run %1's kept parameters fit no model of its config: %2")
                     .arg(kept->record.id.left(8), QString::fromUtf8(e.what()));
        if (kind) {
            *kind = KeptFailure::FitsNoModel;
        }
        return std::nullopt;
    }
}

ScriptMetadata scriptMetadata(const KeptParameters& kept) {
    ScriptMetadata metadata;
    metadata.runId = kept.record.id.toStdString();
    metadata.data = std::string(dataKindName(kept.record.config.data.kind));
    metadata.epoch = kept.epoch();
    metadata.endModel = kept.isEnd();
    metadata.appVersion = versionInfo().app.toStdString();
    return metadata;
}

std::optional<QByteArray> torchScriptBytes(const KeptModel& model, ScriptPrecision precision,
                                           QString* error) {
    try {
        const ScriptedField field(*model.evaluator, scriptMetadata(model.kept), precision);
        const auto bytes = field.serialized();
        return QByteArray(bytes.data(), qsizetype(bytes.size()));
    } catch (const std::exception& e) {
        *error = QStringLiteral("cannot build run %1's TorchScript module: %2")
                     .arg(model.kept.record.id.left(8), QString::fromUtf8(e.what()));
        return std::nullopt;
    }
}

std::optional<QString> exportTorchScript(RunStore& store, const QString& spec, const QString& path,
                                         ScriptPrecision precision, QString* error) {
    const auto model = loadKeptModel(store, spec, error);
    const auto bytes = model ? torchScriptBytes(*model, precision, error) : std::nullopt;
    if (!bytes) {
        return std::nullopt;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(*bytes) != bytes->size() || !file.commit()) {
        *error = QStringLiteral("cannot write '%1': %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return exportSummary(model->kept, path, precision, bytes->size());
}

QString exportSummary(const KeptParameters& kept, const QString& path, ScriptPrecision precision,
                      qsizetype bytes) {
    QString what =
        QStringLiteral("run %1 at %2 written to %3 (TorchScript, %4, %5 bytes)")
            .arg(kept.record.id.left(8), kept.frameName(), path,
                 precision == ScriptPrecision::Int8 ? QStringLiteral("INT8 linear layers")
                                                    : QStringLiteral("float32"))
            .arg(bytes);
    if (const auto note = kept.substitution(); !note.isEmpty()) {
        what += QStringLiteral("; ") + note;
    }
    return what;
}

} // namespace dredge
