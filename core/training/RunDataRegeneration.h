#pragma once
// The data of a stored run, made again from its config: the data sets are
// deterministic (a CSV signal is read from its file again), so a run shown
// from the store can have its kept predictions drawn against its truth.

#include "ExperimentConfig.h"
#include "RunMetaTypes.h"

#include <optional>
#include <string>

namespace dredge {

// Empty, with the reason, when the config is invalid or its CSV file is gone.
std::optional<RunData> regenerateRunData(const ExperimentConfig& config, std::string* error);

} // namespace dredge
