#pragma once
// A run's predictions made again from its kept parameters (ParameterFrames)
// on its own points: exact at every kept epoch, at full resolution, for live
// and stored runs alike. Its MSE is summed in double over every point, so at
// epoch k it is the run's loss at k (to float rounding: the loss is the
// training step's own reduction). Holds the rebuilt model and the last
// prediction made; use it from one thread.

#include "ExperimentConfig.h"
#include "FieldEvaluator.h"
#include "RunMetaTypes.h"

#include <memory>
#include <vector>

namespace dredge {

class ParameterReplay {
public:
    // Throws std::invalid_argument for a config that builds no model.
    // `outputs`: the trained model's values per point (RunSetup::outputs).
    ParameterReplay(const ExperimentConfig& config, int dims, int outputs);

    // The prediction of frame `index` on `data`'s points. Null when the frame
    // does not fit the model (a damaged store). Valid until the next call.
    const PredictionSnapshot* at(const RunData& data, const ParameterFrames& frames, size_t index);
    // Each unit's share of frame `index`'s prediction on `data`'s points (no
    // units: SIREN, RFF, or a frame that does not fit). Valid until the next call.
    const UnitContributions& contributions(const RunData& data, const ParameterFrames& frames,
                                           size_t index);
    FieldEvaluator& evaluator() { return evaluator_; }

private:
    FieldEvaluator evaluator_;
    PredictionSnapshot last_;
    const float* lastFrame_ = nullptr; // the frame last_ was made from
    size_t lastPoints_ = 0;
    UnitContributions units_;
    int64_t unitsEpoch_ = -1; // the frame units_ was made from
    size_t unitsPoints_ = 0;
};

// MSE of `values` against `targets`, summed in double (0 for none).
double meanSquaredError(const std::vector<float>& values, const std::vector<float>& targets);

} // namespace dredge
