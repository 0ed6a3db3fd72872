#include "ModelInspection.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

// What each parameter of a wave model is, by the name its module gives it.
struct NamedColumn {
    const char* tensor;
    const char* label;
    bool exponential;
};
constexpr NamedColumn kUnitColumns[] = {
    {"amplitude", "A", false}, {"k", "k", false},        {"omega", "ω", false},
    {"velocity", "v", false},  {"log_sigma", "σ", true}, {"phi", "φ", false},
    {"epsilon", "ε", false},   {"lambda", "λ", false},
};
// The interference basis shares one envelope between its fields.
constexpr NamedColumn kSharedColumns[] = {{"log_sigma", "σ", true}, {"velocity", "v", false}};

const ParameterSlot* slotNamed(const std::vector<ParameterSlot>& layout, const std::string& name) {
    const auto it = std::find_if(layout.begin(), layout.end(),
                                 [&](const ParameterSlot& s) { return s.name == name; });
    return it == layout.end() ? nullptr : &*it;
}

// A [units] or [units, D] tensor as a column.
UnitColumn unitColumn(const ParameterSlot& slot, const NamedColumn& named) {
    const int64_t width = slot.shape.size() > 1 ? slot.shape[1] : 1;
    return {named.label, slot.name, slot.offset, width, width, named.exponential};
}

double percentile(std::vector<float>& values, double p) {
    const auto rank = size_t(std::llround(p / 100.0 * double(values.size() - 1)));
    std::nth_element(values.begin(), values.begin() + long(rank), values.end());
    return values[rank];
}

} // namespace

std::vector<double> UnitColumn::of(const float* frame, int64_t unit) const {
    std::vector<double> values;
    for (int64_t i = 0; i < width; ++i) {
        const double v = frame[offset + unit * unitStride + i];
        values.push_back(exponential ? std::exp(v) : v);
    }
    return values;
}

ModelAnatomy modelAnatomy(ModelKind kind, const std::vector<ParameterSlot>& layout) {
    ModelAnatomy anatomy;
    const bool ensemble = kind == ModelKind::WaveEnsemble;
    if (!ensemble && kind != ModelKind::Interference) {
        return anatomy;
    }
    const auto* amplitude = slotNamed(layout, "amplitude");
    if (!amplitude) {
        return anatomy;
    }
    anatomy.unitName = ensemble ? "wave" : "field";
    anatomy.units = amplitude->count;
    for (const auto& named : kUnitColumns) {
        const bool isShared =
            !ensemble &&
            std::any_of(std::begin(kSharedColumns), std::end(kSharedColumns),
                        [&](auto& s) { return std::string(s.tensor) == named.tensor; });
        if (const auto* slot = slotNamed(layout, named.tensor); slot && !isShared) {
            anatomy.columns.push_back(unitColumn(*slot, named));
        }
    }
    if (ensemble) {
        if (const auto* head = slotNamed(layout, "head.weight")) { // [1, n]
            anatomy.columns.push_back({"head weight", head->name, head->offset, 1, 1, false});
        }
        return anatomy;
    }
    for (const auto& named : kSharedColumns) {
        if (const auto* slot = slotNamed(layout, named.tensor)) { // [D]
            anatomy.shared.push_back(
                {named.label, slot->name, slot->offset, 0, slot->count, named.exponential});
        }
    }
    if (const auto* weights = slotNamed(layout, "superposition.weight")) { // [C, 2F]
        anatomy.columns.push_back({"weight Re", weights->name, weights->offset, 1, 1, false});
        anatomy.columns.push_back(
            {"weight Im", weights->name, weights->offset + anatomy.units, 1, 1, false});
    }
    return anatomy;
}

std::vector<std::vector<double>> tensorNorms(const ParameterFrames& frames,
                                             const std::vector<ParameterSlot>& layout,
                                             bool gradients) {
    std::vector<std::vector<double>> norms(layout.size());
    for (size_t t = 0; t < layout.size(); ++t) {
        const auto& slot = layout[t];
        for (size_t f = 0; f < frames.size(); ++f) {
            const float* v = (gradients ? frames.gradient(f) : frames.frame(f)) + slot.offset;
            double squares = 0.0;
            for (int64_t i = 0; i < slot.count; ++i) {
                squares += double(v[i]) * double(v[i]);
            }
            norms[t].push_back(std::sqrt(squares));
        }
    }
    return norms;
}

std::vector<double> globalGradientNorms(const ParameterFrames& frames) {
    std::vector<double> norms;
    for (size_t f = 0; f < frames.size(); ++f) {
        double squares = 0.0;
        for (int64_t i = 0; i < frames.width; ++i) {
            squares += double(frames.gradient(f)[i]) * double(frames.gradient(f)[i]);
        }
        norms.push_back(std::sqrt(squares));
    }
    return norms;
}

std::vector<std::array<double, 7>> gradientBands(const ParameterFrames& frames,
                                                 const ParameterSlot& tensor) {
    std::vector<std::array<double, 7>> bands;
    std::vector<float> values;
    for (size_t f = 0; f < frames.size(); ++f) {
        const float* g = frames.gradient(f) + tensor.offset;
        values.assign(g, g + tensor.count);
        std::array<double, 7> band{};
        const bool none = values.empty() || !std::isfinite(values.front());
        for (size_t i = 0; i < band.size(); ++i) {
            band[i] = none ? std::numeric_limits<double>::quiet_NaN()
                           : percentile(values, kBandPercentiles[i]);
        }
        bands.push_back(band);
    }
    return bands;
}

std::vector<float> withoutUnits(const std::vector<float>& prediction,
                                const UnitContributions& contributions,
                                const std::set<int64_t>& muted) {
    auto out = prediction;
    const auto units = size_t(contributions.units);
    if (units == 0 || contributions.values.size() != prediction.size() * units) {
        return out; // several outputs: the contributions are the first output's
    }
    for (size_t i = 0; i < out.size(); ++i) {
        for (const auto u : muted) {
            out[i] -= contributions.values[i * units + size_t(u)];
        }
    }
    return out;
}

} // namespace dredge
