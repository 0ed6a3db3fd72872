#pragma once
// A model rebuilt from its config and seed (which alone fix its fixed buffers,
// such as RFF's frequencies), given kept flat parameters (ParameterFrames), to
// predict anywhere: at the training points, on any slice, at points of the
// user's. The same model class and kernel as training used, so on the CPU its
// output is bit for bit that of the model that had those parameters. No
// LibTorch in the header.

#include "ModelConfig.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dredge {

class FieldModel;

// One parameter tensor's place in the flat parameters.
struct ParameterSlot {
    std::string name; // the module's name for it ("amplitude", "layers.0.weight", ...)
    int64_t offset = 0;
    std::vector<int64_t> shape;
    int64_t count = 0;
};

// The units of a wave model (waves of an ensemble, fields of the interference
// basis) and each one's share of the first output at N points: [N × units],
// row-major; a row's sum plus `offset` (the head's bias) is the prediction.
struct UnitContributions {
    int64_t units = 0;
    std::vector<float> values;
    float offset = 0.0f;
};

class FieldEvaluator {
public:
    // Throws std::invalid_argument for a config that builds no model.
    // `outputs`: modelOutputs' value for the data trained on (outputsFitting
    // finds it from kept parameters).
    FieldEvaluator(const ModelConfig& model, int dims, uint64_t seed, int outputs = 0);
    ~FieldEvaluator();
    FieldEvaluator(const FieldEvaluator&) = delete;
    FieldEvaluator& operator=(const FieldEvaluator&) = delete;

    int dims() const;
    const ModelConfig& config() const;
    // The model itself, holding the parameters last set (ScriptedField reads it).
    const FieldModel& model() const;
    int64_t parameterCount() const;
    int outputs() const; // values per point
    const std::vector<ParameterSlot>& layout() const;
    // Throws std::invalid_argument when the count is not parameterCount().
    void setParameters(const float* flat, int64_t count);
    // Float32 predictions [N × outputs()] at coords [N·D] row-major and times
    // [N] (empty: t = 0). Throws std::invalid_argument for sizes that do not fit.
    std::vector<float> predict(const std::vector<float>& coords,
                               const std::vector<float>& time = {}) const;

    // Wave ensemble: wave i's head weight × ψᵢ; interference basis: field f's
    // two weights × (Re ψ_f, Im ψ_f). Empty (no units) for SIREN and RFF.
    UnitContributions contributions(const std::vector<float>& coords,
                                    const std::vector<float>& time = {}) const;
    // A fixed buffer's values, flat (RFF's "frequencies" B [D, M]); empty
    // when the model has none of that name.
    std::vector<float> buffer(const std::string& name) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The outputs a model of this config has when it holds `parameters` scalars:
// the head's width is what kept parameters leave open (an image's channels
// are not in its config). 0 when no width fits.
int outputsFitting(const ModelConfig& model, int dims, int64_t parameters);

} // namespace dredge
