#pragma once
// A fork: a new run that goes on from a checkpoint of a stored run with its
// training settings changed (docs/reference.md §8). `train --resume` and the
// window's fork dialog both build its record here.

#include "RunRecord.h"
#include "Trainer.h"

#include <QString>
#include <optional>

namespace dredge {

// The record of a run that goes on from `point`, a checkpoint of `parent`,
// with `config`: linked to its parent and named "PARENT, from epoch E" unless
// `name` says otherwise. Nothing, with why, when the config changes what the
// run trains (forkProblem) or leaves no epoch after the checkpoint.
std::optional<RunRecord> forkRecord(const RunRecord& parent, const ResumePoint& point,
                                    const ExperimentConfig& config, const QString& name,
                                    QString* error);

} // namespace dredge
