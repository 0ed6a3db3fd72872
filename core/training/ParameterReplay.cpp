#include "ParameterReplay.h"

#include <stdexcept>

namespace dredge {

double meanSquaredError(const std::vector<float>& values, const std::vector<float>& targets) {
    const size_t n = std::min(values.size(), targets.size());
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double d = double(values[i]) - double(targets[i]);
        sum += d * d;
    }
    return n ? sum / double(n) : 0.0;
}

ParameterReplay::ParameterReplay(const ExperimentConfig& config, int dims, int outputs)
    : evaluator_(config.model, dims, config.train.seed, outputs) {}

const PredictionSnapshot* ParameterReplay::at(const RunData& data, const ParameterFrames& frames,
                                              size_t index) {
    if (index >= frames.size() || frames.width != evaluator_.parameterCount()) {
        return nullptr;
    }
    const float* frame = frames.frame(index);
    if (frame == lastFrame_ && last_.epoch == frames.epochs[index] &&
        lastPoints_ == data.targets.size()) {
        return &last_;
    }
    evaluator_.setParameters(frame, frames.width);
    last_ = PredictionSnapshot{};
    last_.epoch = frames.epochs[index];
    last_.values = evaluator_.predict(data.coords, data.time);
    last_.mse = meanSquaredError(last_.values, data.targets);
    lastFrame_ = frame;
    lastPoints_ = data.targets.size();
    return &last_;
}

const UnitContributions&
ParameterReplay::contributions(const RunData& data, const ParameterFrames& frames, size_t index) {
    if (index >= frames.size() || frames.width != evaluator_.parameterCount()) {
        units_ = UnitContributions{};
        unitsEpoch_ = -1;
        return units_;
    }
    if (unitsEpoch_ == frames.epochs[index] && unitsPoints_ == data.targets.size()) {
        return units_;
    }
    evaluator_.setParameters(frames.frame(index), frames.width);
    units_ = evaluator_.contributions(data.coords, data.time);
    unitsEpoch_ = frames.epochs[index];
    unitsPoints_ = data.targets.size();
    return units_;
}

} // namespace dredge
