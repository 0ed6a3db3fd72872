#pragma once
// A run's config as the store's `config` column holds it: compact experiment
// JSON (docs/run-store.md). Written by this version; read back from whatever
// another version, a hand edit or a damaged file left there.

#include "ExperimentConfig.h"

#include <QByteArray>
#include <QString>

namespace dredge {

QByteArray configColumn(const ExperimentConfig& config);

// Never fails: what cannot be read leaves defaults and says why in `problem`
// (empty when the whole config was read), so that a damaged row stays listable.
ExperimentConfig configFromColumn(const QByteArray& text, QString* problem);

} // namespace dredge
