#include "ModelFactory.h"

#include "InterferenceBasis.h"
#include "RandomFourierFeatures.h"
#include "Siren.h"
#include "WaveEnsemble.h"

#include <ATen/CPUGeneratorImpl.h>
#include <stdexcept>

namespace dredge {

int64_t modelOutputs(const ModelConfig& config, int64_t channels) {
    if (config.kind != ModelKind::Interference || (channels > 1 && config.outFeatures == 1)) {
        return channels;
    }
    if (channels > 1 && config.outFeatures != channels) {
        throw std::invalid_argument("the interference basis's out_features " +
                                    std::to_string(config.outFeatures) +
                                    " contradicts the data's " + std::to_string(channels) +
                                    " values per point: leave it at 1 to fit each of them");
    }
    return config.outFeatures;
}

std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, at::Generator& gen,
                                      int64_t outputs) {
    if (const auto problem = validate(config); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    if (dims < 1) {
        throw std::invalid_argument("a model needs at least one spatial dimension");
    }
    if (outputs == 0) {
        outputs = modelOutputs(config, 1);
    }
    if (outputs < 1) {
        throw std::invalid_argument("a model needs at least one output");
    }
    switch (config.kind) {
    case ModelKind::WaveEnsemble: {
        auto model = std::make_shared<WaveEnsemble>(dims, config.waves, gen, outputs);
        model->useFusedKernel = config.kernel == WaveKernel::Fused;
        return model;
    }
    case ModelKind::Interference: {
        auto model = std::make_shared<InterferenceBasis>(dims, config.fields, outputs, gen);
        model->useFusedKernel = config.kernel == WaveKernel::Fused;
        return model;
    }
    case ModelKind::Siren: {
        auto model = std::make_shared<Siren>(dims, config.hidden, config.w0, gen, outputs,
                                             config.sirenLayers, config.firstLayerW0());
        model->useFusedKernel = config.kernel == WaveKernel::Fused;
        return model;
    }
    case ModelKind::RandomFourier:
        return std::make_shared<RandomFourierFeatures>(dims, config.features, config.rffScale, gen,
                                                       config.kernel == WaveKernel::Fused, outputs,
                                                       config.rffLayers, config.hidden);
    }
    throw std::invalid_argument("unknown model kind");
}

std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, uint64_t seed,
                                      int64_t outputs) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return makeModel(config, dims, gen, outputs);
}

} // namespace dredge
