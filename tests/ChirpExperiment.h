#pragma once
// The reference experiment (chirp, wave ensemble n = 16, defaults) cut to a
// number of epochs: what most training tests run.

#include "ExperimentConfig.h"

#include <cstdint>

inline dredge::ExperimentConfig chirpExperiment(int64_t epochs) {
    dredge::ExperimentConfig c;
    c.train.epochs = epochs;
    return c;
}
