#pragma once
// docs/reference.md §1.5: random Fourier features baseline. Fixed frequencies B [D, M]
// (a buffer, not trained), features [sin(xB), cos(xB)], a linear output.
// Ignores t. Optionally hidden ReLU layers between the features and the
// output (Fourier Features' MLP), which train through autograd. The features of fixed points never
// change, so with cacheFeatures (the "fused" kernel setting) they are computed once for the
// training points and reused every epoch; only the linear layer trains. Without it (composed) they
// are computed every call, as the reference does.

#include "FieldModel.h"
#include "LinearReadout.h"

#include <ATen/ATen.h>
#include <optional>
#include <torch/nn/modules/linear.h>

namespace dredge {

class RandomFourierFeatures : public FieldModel {
public:
    RandomFourierFeatures(int64_t dims, int64_t features, double scale, at::Generator& gen,
                          bool cacheFeatures = true, int64_t outputs = 1, int64_t hiddenLayers = 0,
                          int64_t hiddenWidth = 256);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t) override;
    // With cacheFeatures: the output layer on the cached features, its MSE
    // and gradient from the readout's quadratic form (LinearReadout.h); the
    // epoch's prediction is made only when asked for.
    std::optional<EpochOutcome> fusedEpoch(const EpochData& data, at::Tensor& gradient) override;

    torch::Tensor frequencies;             // B [D, M]
    std::vector<torch::nn::Linear> hidden; // "relu1", …: hidden ReLU layers
    torch::nn::Linear output{nullptr};

private:
    torch::Tensor features(const torch::Tensor& x);
    // The features of x from the cache, computed first when x is new.
    const torch::Tensor& cachedFeaturesOf(const torch::Tensor& x);

    // The readout's sums for the training (and held-out) points, and the
    // tensors they were made from.
    struct Grams {
        at::Tensor features, target, trainWeight;
        std::optional<ReadoutGram> train, validation;
    };
    const Grams& gramsFor(const at::Tensor& features, const EpochData& data);
    // The cached features rounded to bfloat16 (mixed precision), made once.
    const at::Tensor& roundedFeaturesOf(const at::Tensor& features);

    bool cacheFeatures_;
    Grams grams_;
    // The last input the features were computed for, its version, whether
    // autocast was on, and the features (no autograd history: B is fixed).
    torch::Tensor cachedInput_, cachedFeatures_;
    int64_t cachedVersion_ = -1;
    bool cachedAutocast_ = false;
    torch::Tensor roundedSource_, roundedFeatures_;
};

} // namespace dredge
