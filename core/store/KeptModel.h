#pragma once
// A stored run's model at one epoch, rebuilt and holding the parameters it
// kept (KeptParameters), and what leaves the lab from it: a TorchScript module
// (ScriptedField). One place for `runs predict`, `runs params`, `runs export
// --torchscript`, File → Export model… and the insight server's /predict.

#include "FieldEvaluator.h"
#include "KeptParameters.h"
#include "ScriptedField.h"

#include <QByteArray>
#include <QString>
#include <memory>
#include <optional>

namespace dredge {

struct KeptModel {
    KeptParameters kept;
    std::shared_ptr<FieldEvaluator> evaluator;
};

// Nothing, with why, for a spec loadKeptParameters refuses or parameters that
// fit no model of the run's config (*kind: which, when given).
std::optional<KeptModel> loadKeptModel(RunStore& store, const QString& spec, QString* error,
                                       KeptFailure* kind = nullptr);

// The module's attributes for this frame (run, data, epoch, app version).
ScriptMetadata scriptMetadata(const KeptParameters& kept);

// The model as a saved TorchScript module; nothing, with why, where it cannot
// be built (no INT8 engine).
std::optional<QByteArray> torchScriptBytes(const KeptModel& model, ScriptPrecision precision,
                                           QString* error);

// Writes RUN[@EPOCH]'s module to `path` (whole or not at all); on success a
// line saying what was written, and the substitution when the epoch asked
// was not kept.
std::optional<QString> exportTorchScript(RunStore& store, const QString& spec, const QString& path,
                                         ScriptPrecision precision, QString* error);

// What was written, in words: the run, its frame, the file, the precision and
// size, and the substitution when the epoch asked was not kept.
QString exportSummary(const KeptParameters& kept, const QString& path, ScriptPrecision precision,
                      qsizetype bytes);

} // namespace dredge
