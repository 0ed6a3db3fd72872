#include "FieldEvaluator.h"

#include "FieldModel.h"
#include "ModelFactory.h"

#include <stdexcept>

namespace dredge {

struct FieldEvaluator::Impl {
    int dims = 1;
    int outputs = 1;
    std::shared_ptr<FieldModel> model;
    std::vector<at::Tensor> parameters; // in parameters() order: FlatAdam's
    std::vector<ParameterSlot> layout;
    int64_t count = 0;
};

FieldEvaluator::FieldEvaluator(const ModelConfig& model, int dims, uint64_t seed)
    : impl_(std::make_unique<Impl>()) {
    auto& d = *impl_;
    d.dims = dims;
    d.model = makeModel(model, dims, seed);
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

std::vector<float> FieldEvaluator::predict(const std::vector<float>& coords,
                                           const std::vector<float>& time) const {
    const auto& d = *impl_;
    if (coords.size() % size_t(d.dims) != 0) {
        throw std::invalid_argument("coordinate count is not a multiple of the dimension");
    }
    const int64_t n = int64_t(coords.size()) / d.dims;
    if (!time.empty() && int64_t(time.size()) != n) {
        throw std::invalid_argument("one time per point is needed");
    }
    at::NoGradGuard noGrad;
    const auto x = at::from_blob(const_cast<float*>(coords.data()), {n, d.dims}, at::kFloat);
    const auto t = time.empty() ? at::zeros({n})
                                : at::from_blob(const_cast<float*>(time.data()), {n}, at::kFloat);
    const auto out = d.model->forward(x, t).to(at::kFloat).contiguous();
    return {out.data_ptr<float>(), out.data_ptr<float>() + out.numel()};
}

} // namespace dredge
