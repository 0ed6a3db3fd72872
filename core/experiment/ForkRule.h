#pragma once
// What a fork (a run resumed from another's checkpoint, docs/reference.md §8)
// may change: how it trains, not what. The CLI's --resume and the window's
// fork dialog ask the same rule.

#include "ExperimentConfig.h"

#include <QString>

namespace dredge {

// Why `fork` cannot go on from a checkpoint of a run of `parent`; empty when
// it can (same data, model and seed).
QString forkProblem(const ExperimentConfig& parent, const ExperimentConfig& fork);

} // namespace dredge
