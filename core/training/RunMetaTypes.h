#pragma once
// The plain values a run sends across threads in queued signals. Tensors
// never cross: everything here is copied data.

#include "ParameterFrames.h"
#include "ProgressThrottle.h"
#include "SettingChange.h"
#include "Trainer.h"

#include <QMetaType>
#include <vector>

namespace dredge {

// What a listener needs to draw a run's data: the training points themselves.
struct RunData {
    RunSetup setup;
    std::vector<float> coords;  // [N·D] row-major
    std::vector<float> targets; // [N]
    std::vector<float> time;    // [N]; empty where t is 0 throughout
};

// The model's output at the probe points (the training points unless
// the listener set others, e.g. a 50×50 slice of a 6-D field).
struct PredictionSnapshot {
    int64_t epoch = 0;
    std::vector<float> values;
    bool onTrainingPoints = true;
    double mse = -1.0;       // against the targets when onTrainingPoints
    int stride = 1;          // values are every stride-th point (a store's old snapshots)
    bool averaged = false;   // the run's end model with weight averaging's averaged weights
    bool endWeights = false; // the weights the run ended with, after its last update
};

} // namespace dredge

Q_DECLARE_METATYPE(dredge::ProgressBatch)
Q_DECLARE_METATYPE(dredge::TrainResult)
Q_DECLARE_METATYPE(dredge::RunData)
Q_DECLARE_METATYPE(dredge::PredictionSnapshot)
Q_DECLARE_METATYPE(dredge::TrainingCheckpoint)
Q_DECLARE_METATYPE(dredge::ParameterFrames)
Q_DECLARE_METATYPE(dredge::SettingChange)
