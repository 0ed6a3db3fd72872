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

// Whether this CPU has bfloat16 dot products (avx512_bf16 or AMX), which
// oneDNN's bfloat16 GEMMs need to be faster than float32 ones.
bool cpuHasBFloat16Dot();

// What a user should know before running this config on a CPU with or
// without bfloat16 dot products, or an empty string: SIREN's mixed
// precision is its bfloat16 GEMMs, slower than float32 without them.
std::string mixedPrecisionNote(const ExperimentConfig& config, bool bfloat16Dot);

} // namespace dredge
