#pragma once
// A field model as a TorchScript module that needs no DREDGE code to run:
// forward(x: Tensor[N, D], t: Tensor[N]) -> Tensor[N, C], compiled in C++ from
// TorchScript source written for the model's kind, holding the evaluator's
// parameters (as parameters: a Python user may train on) and fixed buffers,
// and the run's metadata as attributes. Loadable by Python's torch.jit.load and
// LibTorch's torch::jit::load. With Int8 the linear layers (SIREN's, the heads,
// the superposition) run as dynamically quantised INT8 matrix products; the
// wave terms stay float32 (their cost is transcendental, not matmul).
// No LibTorch in the header.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dredge {

class FieldEvaluator;

enum class ScriptPrecision { Float32, Int8 };

// What the module says of itself, as attributes of the same names.
struct ScriptMetadata {
    std::string runId;      // run_id
    std::string data;       // data_set: the data set's name
    int64_t epoch = 0;      // epoch: epochs done when these parameters held
    bool endModel = false;  // end_model: the weights the run ended with
    std::string appVersion; // app_version
};

class ScriptedField {
public:
    // Throws std::runtime_error naming the problem (no INT8 engine in this
    // LibTorch, a source that does not compile).
    ScriptedField(const FieldEvaluator& evaluator, const ScriptMetadata& metadata,
                  ScriptPrecision precision);
    // Loads a module saved by save() (or any with that forward). Throws
    // std::runtime_error with the loader's reason.
    explicit ScriptedField(const std::string& path);
    ~ScriptedField();
    ScriptedField(const ScriptedField&) = delete;
    ScriptedField& operator=(const ScriptedField&) = delete;

    // Throws std::runtime_error when the file cannot be written.
    void save(const std::string& path) const;
    // The saved module's bytes (a zip archive, as torch.jit.save writes).
    std::string serialized() const;
    // As FieldEvaluator::predict: [N × outputs] float32 at coords [N·D] and
    // times [N] (empty: t = 0). Throws std::invalid_argument for sizes that do
    // not fit.
    std::vector<float> predict(const std::vector<float>& coords,
                               const std::vector<float>& time = {}) const;
    int dims() const;
    int outputs() const;
    // The TorchScript source of forward (docs and tests show it).
    const std::string& source() const;

    // Whether this LibTorch has a quantised engine for dynamic INT8 linear
    // layers; when not, why.
    static bool int8Available(std::string* why = nullptr);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dredge
