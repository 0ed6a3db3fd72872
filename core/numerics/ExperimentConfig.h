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
// What a run that asks for several ranks does in the window, which trains
// each run in its own process (TrainingRun): one rank, the same losses bit
// for bit; empty for one rank.
std::string ranksInWindowNote(const ExperimentConfig& config);

} // namespace dredge
