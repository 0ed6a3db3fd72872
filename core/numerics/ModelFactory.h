#pragma once
// Builds the model a ModelConfig names, for data with `dims` spatial dimensions.

#include "FieldModel.h"
#include "ModelConfig.h"

#include <ATen/ATen.h>
#include <memory>

namespace dredge {

// Values per point of the model for data of `channels` values per point: the
// data's, but for the interference basis on one-channel data, whose
// out_features the reference compares with the one target by broadcasting.
// Throws std::invalid_argument where out_features contradicts the data.
int64_t modelOutputs(const ModelConfig& config, int64_t channels);

// Throws std::invalid_argument when the config is not valid. `outputs`:
// modelOutputs' value; 0 is one-channel data's.
std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, at::Generator& gen,
                                      int64_t outputs = 0);

// Same, seeded: the initial parameters depend only on (config, dims, seed, outputs).
std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, uint64_t seed,
                                      int64_t outputs = 0);

} // namespace dredge
