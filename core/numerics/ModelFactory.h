#pragma once
// Builds the model a ModelConfig names, for data with `dims` spatial dimensions.

#include "FieldModel.h"
#include "ModelConfig.h"

#include <ATen/ATen.h>
#include <memory>

namespace dredge {

// Throws std::invalid_argument when the config is not valid.
std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, at::Generator& gen);

// Same, seeded: the initial parameters depend only on (config, dims, seed).
std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, uint64_t seed);

} // namespace dredge
