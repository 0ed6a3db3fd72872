#pragma once
// What the model inspector shows, computed from a run's kept frames
// (ParameterFrames) and its model's parameter layout: the per-unit table of a
// wave model (each wave's or field's A, k, ω, v, σ, φ, ε, λ and head
// weights), tensor norms and gradient distributions over the kept epochs, and
// the fit with some units muted. Plain C++ on plain data: no Qt, no LibTorch.

#include "FieldEvaluator.h"
#include "ModelConfig.h"
#include "ParameterFrames.h"

#include <array>
#include <set>
#include <string>
#include <vector>

namespace dredge {

// One column of the per-unit table: where unit u's values lie in a frame.
struct UnitColumn {
    std::string label;        // "A", "k", "σ", "head weight", ...
    std::string tensor;       // the parameter's name in the layout
    int64_t offset = 0;       // unit 0's first value in the flat parameters
    int64_t unitStride = 1;   // from one unit's first value to the next's
    int64_t width = 1;        // values per unit (D for k, v, λ)
    bool exponential = false; // shown as exp(value): σ from log σ
    // Unit u's values in `frame` (exp applied where the column says so).
    std::vector<double> of(const float* frame, int64_t unit) const;
};

struct ModelAnatomy {
    std::string unitName; // "wave", "field"; empty: a model without units
    int64_t units = 0;
    std::vector<UnitColumn> columns; // one value set per unit
    std::vector<UnitColumn> shared;  // one set for the whole model (units = 1)
};

// Nothing (no unit name) for SIREN and RFF.
ModelAnatomy modelAnatomy(ModelKind kind, const std::vector<ParameterSlot>& layout);

// The L2 norm of each parameter tensor (or of its gradient) at every kept
// frame: [tensor][frame]; NaN where a frame has no gradient.
std::vector<std::vector<double>> tensorNorms(const ParameterFrames& frames,
                                             const std::vector<ParameterSlot>& layout,
                                             bool gradients);
// The global gradient norm at every kept frame (NaN where none).
std::vector<double> globalGradientNorms(const ParameterFrames& frames);

// The percentiles of one tensor's gradient values at every kept frame, as
// TensorBoard's distributions draw them (NaN where a frame has none).
constexpr std::array<double, 7> kBandPercentiles{0, 16, 31, 50, 69, 84, 100};
std::vector<std::array<double, 7>> gradientBands(const ParameterFrames& frames,
                                                 const ParameterSlot& tensor);

// The prediction with some units left out, and its MSE against `targets`
// (summed in double, as ParameterReplay's).
std::vector<float> withoutUnits(const std::vector<float>& prediction,
                                const UnitContributions& contributions,
                                const std::set<int64_t>& muted);

} // namespace dredge
