#include "FlatAdam.h"

#include <ATen/Dispatch.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace dredge {

FlatAdam::FlatAdam(std::vector<at::Tensor> parameters, AdamSettings settings)
    : settings_(settings) {
    if (parameters.empty()) {
        throw std::invalid_argument("FlatAdam needs at least one parameter");
    }
    int64_t total = 0;
    for (auto& p : parameters) {
        slots_.push_back({p, total, p.numel()});
        total += p.numel();
    }
    const auto options = parameters.front().options();
    flat_ = at::empty({total}, options);
    at::NoGradGuard noGrad;
    for (auto& slot : slots_) {
        auto view = flat_.narrow(0, slot.offset, slot.numel);
        view.copy_(slot.parameter.detach().reshape({-1}));
        // The parameter keeps its identity (autograd, module registration) but
        // its storage is now a slice of flat_.
        slot.parameter.set_data(view.view(slot.parameter.sizes()));
    }
    grad_ = at::zeros_like(flat_);
    expAvg_ = at::zeros_like(flat_);
    expAvgSq_ = at::zeros_like(flat_);
    slotSteps_.assign(slots_.size(), 0);
}

at::Tensor& FlatAdam::gatherGradients() {
    allHaveGradients_ = true;
    clipCoefficient_ = 1.0;
    bool plainCopy = grad_.is_cpu();
    for (auto& slot : slots_) {
        const auto& g = slot.parameter.grad();
        slot.hasGradient = g.defined();
        allHaveGradients_ = allHaveGradients_ && slot.hasGradient;
        plainCopy = plainCopy && (!slot.hasGradient || (g.is_cpu() && g.is_contiguous() &&
                                                        g.scalar_type() == grad_.scalar_type()));
    }
    if (plainCopy) {
        // The common case, without a dispatched op per parameter (at these
        // sizes dispatch costs more than the copy).
        const auto itemSize = grad_.element_size();
        auto* base = static_cast<char*>(grad_.data_ptr());
        for (const auto& slot : slots_) {
            auto* to = base + slot.offset * itemSize;
            const auto bytes = size_t(slot.numel * itemSize);
            if (slot.hasGradient) {
                std::memcpy(to, slot.parameter.grad().data_ptr(), bytes);
            } else {
                std::memset(to, 0, bytes);
            }
        }
        return grad_;
    }
    std::vector<at::Tensor> pieces;
    pieces.reserve(slots_.size());
    for (auto& slot : slots_) {
        pieces.push_back(slot.hasGradient ? slot.parameter.grad().reshape({-1})
                                          : at::zeros({slot.numel}, flat_.options()));
    }
    at::cat_out(grad_, pieces);
    return grad_;
}

at::Tensor& FlatAdam::gradientToWrite() {
    allHaveGradients_ = true;
    clipCoefficient_ = 1.0;
    for (auto& slot : slots_) {
        slot.hasGradient = true;
    }
    return grad_;
}

double FlatAdam::gradientNorm() const {
    // Every epoch asks (the run records it): on the CPU a plain loop in double
    // costs a tenth of the tensor op's dispatch for a model of a few hundred
    // parameters.
    if (grad_.device().is_cpu() && grad_.scalar_type() == at::kFloat && grad_.is_contiguous()) {
        const float* g = grad_.data_ptr<float>();
        double sum = 0.0;
        for (int64_t i = 0, n = grad_.numel(); i < n; ++i) {
            sum += double(g[i]) * double(g[i]);
        }
        return std::sqrt(sum);
    }
    at::NoGradGuard noGrad;
    return grad_.norm().item<double>();
}

bool FlatAdam::clipGradientNorm(double maxNorm, double norm) {
    at::NoGradGuard noGrad;
    const double coefficient = maxNorm / (norm + 1e-6);
    if (coefficient < 1.0) {
        grad_.mul_(coefficient);
        clipCoefficient_ = coefficient;
        return true;
    }
    return false;
}

void FlatAdam::step() {
    at::NoGradGuard noGrad;
    const auto& s = settings_;
    ++steps_;
    stepsUniform_ = stepsUniform_ && allHaveGradients_;
    if (stepsUniform_) {
        // The common case: every parameter has always had a gradient, so all
        // share one step count and one bias correction.
        stepAll(1.0 - std::pow(s.beta1, double(steps_)), 1.0 - std::pow(s.beta2, double(steps_)));
        for (auto& count : slotSteps_) {
            ++count;
        }
        return;
    }
    // Some parameter had no gradient: update the others slice by slice, each
    // with its own step count, exactly as PyTorch's per-tensor Adam does.
    for (size_t i = 0; i < slots_.size(); ++i) {
        const auto& slot = slots_[i];
        if (!slot.hasGradient) {
            continue;
        }
        const double n = double(++slotSteps_[i]);
        const double bias1 = 1.0 - std::pow(s.beta1, n);
        const double bias2 = 1.0 - std::pow(s.beta2, n);
        auto g = grad_.narrow(0, slot.offset, slot.numel);
        auto m = expAvg_.narrow(0, slot.offset, slot.numel);
        auto v = expAvgSq_.narrow(0, slot.offset, slot.numel);
        m.mul_(s.beta1).add_(g, 1.0 - s.beta1);
        v.mul_(s.beta2).addcmul_(g, g, 1.0 - s.beta2);
        const auto denom = (v.sqrt() / std::sqrt(bias2)).add_(s.eps);
        flat_.narrow(0, slot.offset, slot.numel).addcdiv_(m, denom, -s.learningRate / bias1);
    }
}

namespace {

// Adam's update element by element, in the order and precision of the tensor
// ops of stepAll's other branch, so that both give the same bits: each scalar
// in the tensors' type, and the two moment updates fused multiply-adds, as
// ATen's vectorised add (with alpha) and addcmul compute them on CPUs with
// FMA (test_training checks it against torch::optim::Adam).
template <typename Scalar>
void adamLoop(Scalar* param, const Scalar* grad, Scalar* m, Scalar* v, int64_t count,
              const AdamSettings& s, double bias1, double bias2) {
    const auto beta1 = Scalar(s.beta1), oneMinusBeta1 = Scalar(1.0 - s.beta1);
    const auto beta2 = Scalar(s.beta2), oneMinusBeta2 = Scalar(1.0 - s.beta2);
    const auto bias2Root = Scalar(std::sqrt(bias2)), eps = Scalar(s.eps);
    const auto stepSize = Scalar(-s.learningRate / bias1);
    for (int64_t i = 0; i < count; ++i) {
        const Scalar g = grad[i];
        m[i] = std::fma(g, oneMinusBeta1, m[i] * beta1);
        v[i] = std::fma(oneMinusBeta2 * g, g, v[i] * beta2);
        const Scalar denom = std::sqrt(v[i]) / bias2Root + eps;
        const Scalar update = stepSize * m[i];
        param[i] = param[i] + update / denom;
    }
}

std::vector<double> valuesOf(const at::Tensor& t) {
    const auto d = t.detach().to(at::kCPU, at::kDouble).contiguous();
    return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

void copyInto(at::Tensor& t, const std::vector<double>& values) {
    if (int64_t(values.size()) != t.numel()) {
        throw std::invalid_argument("the checkpoint belongs to a model of another size");
    }
    auto source = at::from_blob(const_cast<double*>(values.data()), {t.numel()}, at::kDouble);
    t.copy_(source.to(t.options()));
}

} // namespace

void FlatAdam::stepAll(double bias1, double bias2) {
    const auto& s = settings_;
    const bool plain =
        flat_.is_cpu() && (flat_.scalar_type() == at::kFloat || flat_.scalar_type() == at::kDouble);
    if (plain) {
        AT_DISPATCH_FLOATING_TYPES(flat_.scalar_type(), "adamLoop", [&] {
            adamLoop(flat_.data_ptr<scalar_t>(), grad_.data_ptr<scalar_t>(),
                     expAvg_.data_ptr<scalar_t>(), expAvgSq_.data_ptr<scalar_t>(), flat_.numel(), s,
                     bias1, bias2);
        });
        return;
    }
    expAvg_.mul_(s.beta1).add_(grad_, 1.0 - s.beta1);
    expAvgSq_.mul_(s.beta2).addcmul_(grad_, grad_, 1.0 - s.beta2);
    const auto denom = (expAvgSq_.sqrt() / std::sqrt(bias2)).add_(s.eps);
    flat_.addcdiv_(expAvg_, denom, -s.learningRate / bias1);
}

void FlatAdam::saveTo(TrainingCheckpoint& c) const {
    c.parameters = valuesOf(flat_);
    c.expAvg = valuesOf(expAvg_);
    c.expAvgSq = valuesOf(expAvgSq_);
    c.slotSteps = slotSteps_;
    c.steps = steps_;
    c.stepsUniform = stepsUniform_;
}

void FlatAdam::restoreFrom(const TrainingCheckpoint& c) {
    if (c.slotSteps.size() != slotSteps_.size()) {
        throw std::invalid_argument("the checkpoint belongs to another model");
    }
    at::NoGradGuard noGrad;
    copyInto(flat_, c.parameters);
    copyInto(expAvg_, c.expAvg);
    copyInto(expAvgSq_, c.expAvgSq);
    slotSteps_ = c.slotSteps;
    steps_ = c.steps;
    stepsUniform_ = c.stepsUniform;
}

} // namespace dredge
