#include "FieldEvaluator.h"

#include "FieldModel.h"
#include "InterferenceBasis.h"
#include "ModelFactory.h"
#include "ModelInit.h"
#include "WaveEnsemble.h"

#include <stdexcept>

namespace dredge {

struct FieldEvaluator::Impl {
    int dims = 1;
    int outputs = 1;
    ModelConfig config;
    std::shared_ptr<FieldModel> model;
    std::vector<at::Tensor> parameters; // in parameters() order: FlatAdam's
    std::vector<ParameterSlot> layout;
    int64_t count = 0;
};

FieldEvaluator::FieldEvaluator(const ModelConfig& model, int dims, uint64_t seed, int outputs)
    : impl_(std::make_unique<Impl>()) {
    auto& d = *impl_;
    d.dims = dims;
    d.config = model;
    d.model = makeModel(model, dims, seed, outputs);
    for (const auto& named : d.model->named_parameters()) {
        const auto& p = named.value();
        d.parameters.push_back(p);
        d.layout.push_back(ParameterSlot{named.key(), d.count, p.sizes().vec(), p.numel()});
        d.count += p.numel();
    }
    at::NoGradGuard noGrad;
    const auto probe = at::zeros({1, dims});
    d.outputs = int(d.model->forward(probe, at::zeros({1})).numel());
}

FieldEvaluator::~FieldEvaluator() = default;

int FieldEvaluator::dims() const {
    return impl_->dims;
}
const ModelConfig& FieldEvaluator::config() const {
    return impl_->config;
}
const FieldModel& FieldEvaluator::model() const {
    return *impl_->model;
}
int64_t FieldEvaluator::parameterCount() const {
    return impl_->count;
}
int FieldEvaluator::outputs() const {
    return impl_->outputs;
}
const std::vector<ParameterSlot>& FieldEvaluator::layout() const {
    return impl_->layout;
}

void FieldEvaluator::setParameters(const float* flat, int64_t count) {
    auto& d = *impl_;
    if (count != d.count) {
        throw std::invalid_argument("kept parameters hold " + std::to_string(count) +
                                    " values where the model has " + std::to_string(d.count));
    }
    at::NoGradGuard noGrad;
    for (size_t i = 0; i < d.parameters.size(); ++i) {
        const auto& slot = d.layout[i];
        auto& p = d.parameters[i];
        p.copy_(at::from_blob(const_cast<float*>(flat + slot.offset), p.sizes(), at::kFloat));
    }
}

namespace {

std::vector<float> toVector(const at::Tensor& tensor) {
    const auto flat = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
    return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

} // namespace

std::vector<float> FieldEvaluator::predict(const std::vector<float>& coords,
                                           const std::vector<float>& time) const {
    at::NoGradGuard noGrad;
    const auto [x, t] = pointTensors(coords, time, impl_->dims);
    return toVector(impl_->model->forward(x, t));
}

UnitContributions FieldEvaluator::contributions(const std::vector<float>& coords,
                                                const std::vector<float>& time) const {
    at::NoGradGuard noGrad;
    const auto [x, t] = pointTensors(coords, time, impl_->dims);
    UnitContributions out;
    if (auto* ensemble = dynamic_cast<WaveEnsemble*>(impl_->model.get())) {
        const auto& head = ensemble->head;
        out.values = toVector(ensemble->waveValues(x, t) * head->weight[0]);
        out.units = ensemble->waves();
        out.offset = head->bias[0].item<float>();
    } else if (auto* basis = dynamic_cast<InterferenceBasis*>(impl_->model.get())) {
        const auto parts = basis->basis(x, t); // [N, 2F]: Re ψ, then Im ψ
        const auto fields = parts.size(1) / 2;
        const auto weights = basis->superposition->weight[0]; // the first output's
        out.values = toVector(parts.narrow(1, 0, fields) * weights.narrow(0, 0, fields) +
                              parts.narrow(1, fields, fields) * weights.narrow(0, fields, fields));
        out.units = fields;
    }
    return out;
}

std::vector<float> FieldEvaluator::buffer(const std::string& name) const {
    for (const auto& named : impl_->model->named_buffers()) {
        if (named.key() == name) {
            return toVector(named.value());
        }
    }
    return {};
}

int outputsFitting(const ModelConfig& model, int dims, int64_t parameters) {
    const auto count = [&](int64_t outputs) {
        return makeModel(model, dims, uint64_t(0), outputs)->parameterCount();
    };
    const int64_t one = count(1), perOutput = count(2) - one;
    if (parameters < one || perOutput <= 0 || (parameters - one) % perOutput != 0) {
        return 0;
    }
    return int(1 + (parameters - one) / perOutput);
}

} // namespace dredge
