#include "ScriptedField.h"

#include "FieldEvaluator.h"
#include "FieldModel.h"
#include "ModelInit.h"

#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/jit.h>
#include <torch/script.h>

#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>

namespace dredge {

namespace {

// The linear layers a model's forward reads, by the module's name for them
// ("head", "first"...): their weight and bias become one packed INT8 layer.
using LinearNames = std::vector<std::string>;

struct ScriptPlan {
    std::string body;     // forward's statements; LINEAR(NAME, INPUT) and the like mark a layer
    LinearNames linears;  // every layer the body names
    LinearNames quantize; // those an INT8 module quantises
};

// How one linear layer is written into the source.
struct LayerForm {
    bool bias = true;
    bool int8 = false;
};

// The forward of each model kind as docs/reference.md §1 writes it, in the
// composed ops' order (tests compare it with the fused kernels the app uses).
// Parameter names are the module's, with '.' → '_' and lambda → lambda_ (a
// keyword in TorchScript).
struct KindPlan {
    ModelKind kind;
    ScriptPlan plan;
};

const KindPlan kPlans[] = {
    {ModelKind::WaveEnsemble,
     {R"(
        tc = t.unsqueeze(1)
        offset = x.unsqueeze(1) - tc.unsqueeze(2) * self.velocity
        dist2 = (offset * offset).sum(2)
        phase = torch.matmul(x, self.k.t()) - tc * self.omega
        envelope = torch.exp(dist2 * (-0.5 * torch.exp(-2.0 * self.log_sigma)))
        modulation = torch.sin(self.phi + self.epsilon * torch.cos(torch.matmul(x, self.lambda_.t())))
        waves = self.amplitude * torch.cos(phase) * envelope * modulation
        return LINEAR(head, waves)
)",
      {"head"},
      {"head"}}},
    {ModelKind::Interference,
     {R"(
        tc = t.unsqueeze(1)
        sigma = torch.clamp(torch.exp(self.log_sigma), min=0.001)
        z = (x - tc * self.velocity) / sigma
        norm = torch.prod(sigma) * self.norm_constant
        envelope = torch.exp(-0.5 * (z * z).sum(1, keepdim=True)) / norm
        argument = torch.matmul(x, self.k.t()) - tc * self.omega
        modulation = torch.sin(self.phi + self.epsilon * torch.cos(torch.matmul(x, self.lambda_.t())))
        common = self.amplitude * envelope * modulation
        parts = torch.cat([common * torch.cos(argument), common * torch.sin(argument)], 1)
        return LINEAR(superposition, parts)
)",
      {"superposition"},
      {"superposition"}}},
    // SIREN's first sine layer's argument reaches w0·|W x + b| ≈ 300 on the
    // chirp: INT8 steps of x there move the field by its whole scale
    // (measured: 124 % relative error). It stays float32.
    {ModelKind::Siren,
     {R"(
        h = torch.sin(self.w0_first * SUM(first, x))
        h = torch.sin(self.w0 * SUM(second, h))
        return VECTOR(output, h)
)",
      {"first", "second", "output"},
      {"second", "output"}}},
    {ModelKind::RandomFourier,
     {R"(
        projected = torch.matmul(x, self.frequencies)
        features = torch.cat([torch.sin(projected), torch.cos(projected)], 1)
        return LINEAR(output, features)
)",
      {"output"},
      {"output"}}},
};

const ScriptPlan& planFor(ModelKind kind) {
    for (const auto& entry : kPlans) {
        if (entry.kind == kind) {
            return entry.plan;
        }
    }
    throw std::invalid_argument("no TorchScript source for this model kind");
}

// RFF's plan with its hidden ReLU layers ("relu1", …) before the output.
ScriptPlan withReluLayers(ScriptPlan plan, int layers) {
    const std::string head = "        return LINEAR(output, features)\n";
    std::string body = "        h = features\n";
    for (int layer = 1; layer <= layers; ++layer) {
        const auto name = "relu" + std::to_string(layer);
        body += "        h = torch.relu(LINEAR(" + name + ", h))\n";
        plan.linears.insert(plan.linears.end() - 1, name);
        plan.quantize.insert(plan.quantize.end() - 1, name);
    }
    if (layers > 0) {
        plan.body.replace(plan.body.find(head), head.size(),
                          body + "        return LINEAR(output, h)\n");
    }
    return plan;
}

// The table's plan, with SIREN's sine layers past the second (Siren.h's
// "sine3", …) and a head of several outputs as a matrix product.
ScriptPlan planFor(const FieldEvaluator& evaluator) {
    auto plan = planFor(evaluator.config().kind);
    if (evaluator.config().kind == ModelKind::RandomFourier) {
        return withReluLayers(plan, evaluator.config().rffLayers);
    }
    if (evaluator.config().kind != ModelKind::Siren) {
        return plan;
    }
    const std::string head = "        return VECTOR(output, h)\n";
    std::string deeper;
    for (int layer = 2; layer <= evaluator.config().sirenLayers; ++layer) {
        const auto name = "sine" + std::to_string(layer + 1); // Siren.h's third, …
        deeper += "        h = torch.sin(self.w0 * SUM(" + name + ", h))\n";
        plan.linears.insert(plan.linears.end() - 1, name);
        plan.quantize.insert(plan.quantize.end() - 1, name);
    }
    const auto at = plan.body.find(head);
    plan.body.replace(at, head.size(),
                      deeper +
                          (evaluator.outputs() > 1 ? "        return LINEAR(output, h)\n" : head));
    return plan;
}

std::string attributeName(std::string name) {
    for (auto& c : name) {
        c = c == '.' ? '_' : c;
    }
    return name == "lambda" ? "lambda_" : name;
}

// LINEAR(name, input) → the layer as a float32 product or a packed INT8 one;
// SUM(name, input) the same as (x Wᵀ) + b, summed in the order SIREN's fused
// sine layers sum it (their argument is then scaled by w0 = 30, which makes
// rounding show).
std::string linearCall(const std::string& mark, const std::string& name, const std::string& input,
                       LayerForm form) {
    const std::string self = "self." + name;
    if (form.int8) {
        return "quantized.linear_dynamic(" + input + ", " + self + "_packed)";
    }
    if (!form.bias) {
        return "torch.matmul(" + input + ", " + self + "_weight.t())";
    }
    if (mark == "VECTOR") { // one output row: a matrix-vector product, as SIREN's head
        return "torch.addmv(" + self + "_bias, " + input + ", " + self + "_weight[0]).unsqueeze(1)";
    }
    if (mark == "SUM") {
        return "(torch.matmul(" + input + ", " + self + "_weight.t()) + " + self + "_bias)";
    }
    return "torch.addmm(" + self + "_bias, " + input + ", " + self + "_weight.t())";
}

std::string expandLinears(std::string body, const std::map<std::string, LayerForm>& forms) {
    for (const std::string mark : {"LINEAR", "SUM", "VECTOR"}) {
        for (size_t at = body.find(mark + "("); at != std::string::npos;
             at = body.find(mark + "(", at)) {
            const size_t open = at + mark.size() + 1;
            const size_t comma = body.find(',', open);
            const size_t close = body.find(')', comma);
            const std::string name = body.substr(open, comma - open);
            std::string input = body.substr(comma + 1, close - comma - 1);
            input.erase(0, input.find_first_not_of(' '));
            const auto call = linearCall(mark, name, input, forms.at(name));
            body.replace(at, close + 1 - at, call);
            at += call.size();
        }
    }
    return body;
}

// Names the forward's source may use beyond TorchScript's own: `quantized`,
// the quantised operators' namespace (torch.ops.quantized in Python).
struct FieldResolver : torch::jit::Resolver {
    std::shared_ptr<torch::jit::SugaredValue>
    resolveValue(const std::string& name, torch::jit::GraphFunction& function,
                 const torch::jit::SourceRange& loc) override {
        if (name == "quantized") {
            return std::make_shared<torch::jit::BuiltinModule>("quantized");
        }
        return torch::jit::nativeResolver()->resolveValue(name, function, loc);
    }
    c10::TypePtr resolveType(const std::string& name, const torch::jit::SourceRange& loc) override {
        return torch::jit::nativeResolver()->resolveType(name, loc);
    }
};

// The best quantised engine this LibTorch has for dynamic INT8 linear layers.
std::optional<at::QEngine> int8Engine() {
    const auto& supported = at::globalContext().supportedQEngines();
    for (const auto engine : {at::kFBGEMM, at::kX86, at::kONEDNN, at::kQNNPACK}) {
        if (std::find(supported.begin(), supported.end(), engine) != supported.end()) {
            return engine;
        }
    }
    return std::nullopt;
}

// Per output row symmetric scales, as PyTorch's dynamic quantisation of a
// linear layer with per-channel weights. linear_prepack is a TorchScript
// builtin: calling it through a compiled function needs no internal header
// for the packed type.
c10::IValue packInt8(const at::Tensor& weight, const c10::optional<at::Tensor>& bias) {
    static const auto unit = [] {
        auto compiled = std::make_shared<torch::jit::CompilationUnit>();
        compiled->define(c10::nullopt, R"(
def pack(q: Tensor, bias: Optional[Tensor]):
    return quantized.linear_prepack(q, bias)
)",
                         std::make_shared<FieldResolver>(), nullptr);
        return compiled;
    }();
    const auto w = weight.detach().contiguous();
    const auto scales = (w.abs().amax(1).clamp_min(1e-8) / 127.0).to(at::kDouble);
    const auto zeros = at::zeros({w.size(0)}, at::kLong);
    const auto q = at::quantize_per_channel(w, scales, zeros, 0, at::kQInt8);
    c10::IValue biasValue = bias ? c10::IValue(*bias) : c10::IValue();
    return unit->run_method("pack", q, biasValue);
}

std::string kindName(const ModelConfig& config) {
    return std::string(modelKindName(config.kind));
}

} // namespace

struct ScriptedField::Impl {
    torch::jit::Module module{"DredgeField"};
    std::string source;
    int dims = 1;
    int outputs = 1;
    bool int8 = false;

    // The module's output at rows [begin, begin + rows) of x and t.
    at::Tensor forwardRows(const at::Tensor& x, const at::Tensor& t, int64_t begin,
                           int64_t rows) const;

    std::map<std::string, LayerForm> registerTensors(const FieldEvaluator& evaluator,
                                                     ScriptPrecision precision,
                                                     const ScriptPlan& plan);
    void registerMetadata(const FieldEvaluator& evaluator, const ScriptMetadata& metadata,
                          ScriptPrecision precision);
};

std::map<std::string, LayerForm>
ScriptedField::Impl::registerTensors(const FieldEvaluator& evaluator, ScriptPrecision precision,
                                     const ScriptPlan& plan) {
    const auto& model = evaluator.model();
    std::map<std::string, at::Tensor> values;
    for (const auto& named : model.named_parameters()) {
        values[named.key()] = named.value().detach().clone();
    }
    std::map<std::string, LayerForm> forms;
    for (const auto& linear : plan.linears) {
        forms[linear].bias = values.count(linear + ".bias") > 0;
    }
    for (const auto& linear : plan.quantize) {
        if (precision != ScriptPrecision::Int8) {
            break;
        }
        forms[linear].int8 = true;
        const auto bias =
            forms[linear].bias ? c10::optional<at::Tensor>(values[linear + ".bias"]) : c10::nullopt;
        const auto packed = packInt8(values[linear + ".weight"], bias);
        module.register_attribute(linear + "_packed", packed.type(), packed);
        values.erase(linear + ".weight");
        values.erase(linear + ".bias");
    }
    for (const auto& [name, value] : values) {
        module.register_parameter(attributeName(name), value, /*is_buffer=*/false);
    }
    for (const auto& named : model.named_buffers()) {
        module.register_buffer(attributeName(named.key()), named.value().detach().clone());
    }
    return forms;
}

void ScriptedField::Impl::registerMetadata(const FieldEvaluator& evaluator,
                                           const ScriptMetadata& metadata,
                                           ScriptPrecision precision) {
    const auto& config = evaluator.config();
    const auto text = [this](const char* name, const std::string& value) {
        module.register_attribute(name, c10::StringType::get(), value);
    };
    text("model_kind", kindName(config));
    text("data_set", metadata.data);
    text("run_id", metadata.runId);
    text("app_version", metadata.appVersion);
    text("precision", precision == ScriptPrecision::Int8 ? "int8" : "float32");
    module.register_attribute("epoch", c10::IntType::get(), metadata.epoch);
    module.register_attribute("end_model", c10::BoolType::get(), metadata.endModel);
    module.register_attribute("input_dims", c10::IntType::get(), int64_t(dims));
    module.register_attribute("outputs", c10::IntType::get(), int64_t(outputs));
    // Constants of the forward, kept as attributes so the source stays one
    // text per model kind.
    module.register_attribute("w0", c10::FloatType::get(), config.w0);
    module.register_attribute("w0_first", c10::FloatType::get(), config.firstLayerW0());
    module.register_attribute("norm_constant", c10::FloatType::get(),
                              std::pow(2.0 * M_PI, 0.5 * double(dims)));
}

ScriptedField::ScriptedField(const FieldEvaluator& evaluator, const ScriptMetadata& metadata,
                             ScriptPrecision precision)
    : impl_(std::make_unique<Impl>()) {
    auto& d = *impl_;
    d.dims = evaluator.dims();
    d.outputs = evaluator.outputs();
    d.int8 = precision == ScriptPrecision::Int8;
    if (precision == ScriptPrecision::Int8) {
        std::string why;
        if (!int8Available(&why)) {
            throw std::runtime_error(why);
        }
        at::globalContext().setQEngine(*int8Engine());
    }
    const auto plan = planFor(evaluator);
    const auto forms = d.registerTensors(evaluator, precision, plan);
    d.registerMetadata(evaluator, metadata, precision);
    d.source =
        "def forward(self, x: Tensor, t: Tensor) -> Tensor:" + expandLinears(plan.body, forms);
    // The source's lines are indented for reading here; TorchScript takes
    // them as the method's body.
    d.module.define(d.source, std::make_shared<FieldResolver>());
    d.module.eval();
}

ScriptedField::ScriptedField(const std::string& path)
    : impl_(std::make_unique<Impl>()) {
    auto& d = *impl_;
    try {
        d.module = torch::jit::load(path);
        d.dims = int(d.module.attr("input_dims").toInt());
        d.outputs = int(d.module.attr("outputs").toInt());
        d.int8 = d.module.attr("precision").toStringRef() == "int8";
    } catch (const c10::Error& e) {
        throw std::runtime_error("cannot load '" + path + "': " + e.what_without_backtrace());
    }
    d.module.eval();
}

ScriptedField::~ScriptedField() = default;

void ScriptedField::save(const std::string& path) const {
    try {
        impl_->module.save(path);
    } catch (const c10::Error& e) {
        throw std::runtime_error("cannot write '" + path + "': " + e.what_without_backtrace());
    }
}

std::string ScriptedField::serialized() const {
    std::ostringstream out;
    impl_->module.save(out);
    return out.str();
}

// INT8 products run through the quantised engine (onednn in Debian's
// LibTorch), which builds and caches a kernel for each batch shape: a server
// answering batches of every size from 1 to 1,000 would fill that cache with
// a thousand kernels (100 MB measured). So INT8 batches run in blocks of at
// most 4,096 rows, each padded to a power of two: at most 13 shapes.
at::Tensor ScriptedField::Impl::forwardRows(const at::Tensor& x, const at::Tensor& t, int64_t begin,
                                            int64_t rows) const {
    auto module = this->module; // forward is not const; the copy shares the module's state
    if (!int8) {
        return module.forward({x.narrow(0, begin, rows), t.narrow(0, begin, rows)}).toTensor();
    }
    const int64_t padded = std::max<int64_t>(
        16, int64_t(1) << (64 - __builtin_clzll(uint64_t(std::max<int64_t>(rows - 1, 1)))));
    // Padded with copies of the last row: dynamic INT8 scales each product's
    // input by the batch's range, which copies leave as it was.
    const auto pad = [&](const at::Tensor& values) {
        const auto block = values.narrow(0, begin, rows);
        const auto last = block.narrow(0, rows - 1, 1);
        const auto shape = block.dim() == 1 ? std::vector<int64_t>{padded - rows}
                                            : std::vector<int64_t>{padded - rows, block.size(1)};
        return at::cat({block, last.expand(shape)});
    };
    const auto xs = pad(x);
    const auto ts = pad(t);
    return module.forward({xs, ts}).toTensor().narrow(0, 0, rows);
}

std::vector<float> ScriptedField::predict(const std::vector<float>& coords,
                                          const std::vector<float>& time) const {
    const auto& d = *impl_;
    c10::InferenceMode inference;
    const auto [x, t] = pointTensors(coords, time, d.dims);
    const int64_t n = x.size(0);
    const int64_t block = d.int8 ? 4096 : std::max<int64_t>(n, 1);
    std::vector<float> values;
    values.reserve(size_t(n) * size_t(d.outputs));
    for (int64_t begin = 0; begin < n; begin += block) {
        const auto out = d.forwardRows(x, t, begin, std::min(block, n - begin)).contiguous();
        values.insert(values.end(), out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
    }
    return values;
}

int ScriptedField::dims() const {
    return impl_->dims;
}
int ScriptedField::outputs() const {
    return impl_->outputs;
}
const std::string& ScriptedField::source() const {
    return impl_->source;
}

bool ScriptedField::int8Available(std::string* why) {
    if (int8Engine()) {
        return true;
    }
    if (why) {
        *why = "this LibTorch has no quantised engine (fbgemm, onednn or qnnpack) for INT8 "
               "linear layers";
    }
    return false;
}

} // namespace dredge
