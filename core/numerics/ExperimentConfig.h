#pragma once
// One experiment: data, model and training settings together.

#include "DataConfig.h"
#include "ModelConfig.h"
#include "TrainConfig.h"

namespace dredge {

struct ExperimentConfig {
    DataConfig data;
    ModelConfig model;
    TrainConfig train;
};

// The first problem found in any part, or an empty string.
std::string validate(const ExperimentConfig& config);

} // namespace dredge
