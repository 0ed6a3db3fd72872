#pragma once
// Adam (PyTorch's defaults and update order) over all parameters at once.
//
// A small model has a dozen parameter tensors of a few values each; stepping
// them one by one costs more in op dispatch than in arithmetic. Here the
// parameters become views into one flat buffer, their gradients are gathered
// into one flat tensor per step, and clipping, loss-scale unscaling and the
// Adam update each run as a handful of ops over that tensor. The arithmetic is
// the same as torch::optim::Adam's, element by element.

#include "TrainingCheckpoint.h"

#include <ATen/ATen.h>
#include <vector>

namespace dredge {

struct AdamSettings {
    double learningRate = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
};

class FlatAdam {
public:
    // Rebinds every parameter's data to a view of one flat buffer; the
    // parameters must share one dtype and device.
    FlatAdam(std::vector<at::Tensor> parameters, AdamSettings settings);

    // Copies the current gradients into the flat gradient. A parameter whose
    // gradient is none (it took no part in the loss) contributes zeros there
    // and is left untouched by step(), as PyTorch skips it.
    at::Tensor& gatherGradients();
    // For a caller that computes the whole gradient itself (a fused epoch):
    // the flat gradient to fill, every parameter counted as having one.
    at::Tensor& gradientToWrite();

    // The global L2 norm of the gathered gradient.
    double gradientNorm() const;
    // Scales the gathered gradient so its global L2 norm is at most maxNorm
    // (torch.nn.utils.clip_grad_norm_ semantics), given its norm. Returns
    // whether it scaled.
    bool clipGradientNorm(double maxNorm, double norm);
    double clipGradientNorm(double maxNorm) { // returns the norm before
        const double norm = gradientNorm();
        clipGradientNorm(maxNorm, norm);
        return norm;
    }
    // The factor the last clip scaled the gradient by (1: none since the
    // gradient was gathered or written).
    double clipCoefficient() const { return clipCoefficient_; }

    // One Adam update from the gathered gradient.
    void step();
    // The rate of the following steps (a schedule moves it between epochs).
    void setLearningRate(double rate) { settings_.learningRate = rate; }

    // The parameters and moments into a checkpoint, and back (same model).
    void saveTo(TrainingCheckpoint& checkpoint) const;
    void restoreFrom(const TrainingCheckpoint& checkpoint);

    const at::Tensor& flatParameters() const { return flat_; }
    const at::Tensor& flatGradient() const { return grad_; }
    int64_t stepCount() const { return steps_; }

private:
    // The update of every element with one bias correction: plain loops on
    // the CPU, where a small model's dozen tensor ops cost more in dispatch
    // than in arithmetic; tensor ops elsewhere.
    void stepAll(double bias1, double bias2);

    struct Slot {
        at::Tensor parameter;
        int64_t offset;
        int64_t numel;
        bool hasGradient = true;
    };
    std::vector<Slot> slots_;
    AdamSettings settings_;
    at::Tensor flat_, grad_, expAvg_, expAvgSq_;
    std::vector<int64_t> slotSteps_; // per-parameter step counts (bias correction)
    int64_t steps_ = 0;
    double clipCoefficient_ = 1.0;
    bool allHaveGradients_ = true;
    bool stepsUniform_ = true; // no parameter was ever skipped
};

} // namespace dredge
