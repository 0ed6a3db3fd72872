#include "ModelFactory.h"

#include "InterferenceBasis.h"
#include "RandomFourierFeatures.h"
#include "Siren.h"
#include "WaveEnsemble.h"

#include <ATen/CPUGeneratorImpl.h>
#include <stdexcept>

namespace dredge {

std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, at::Generator& gen) {
    if (const auto problem = validate(config); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    if (dims < 1) {
        throw std::invalid_argument("a model needs at least one spatial dimension");
    }
    switch (config.kind) {
    case ModelKind::WaveEnsemble: {
        auto model = std::make_shared<WaveEnsemble>(dims, config.waves, gen);
        model->useFusedKernel = config.kernel == WaveKernel::Fused;
        return model;
    }
    case ModelKind::Interference: {
        auto model =
            std::make_shared<InterferenceBasis>(dims, config.fields, config.outFeatures, gen);
        model->useFusedKernel = config.kernel == WaveKernel::Fused;
        return model;
    }
    case ModelKind::Siren: {
        auto model = std::make_shared<Siren>(dims, config.hidden, config.w0, gen);
        model->useFusedKernel = config.kernel == WaveKernel::Fused;
        return model;
    }
    case ModelKind::RandomFourier:
        return std::make_shared<RandomFourierFeatures>(dims, config.features, config.rffScale, gen,
                                                       config.kernel == WaveKernel::Fused);
    }
    throw std::invalid_argument("unknown model kind");
}

std::shared_ptr<FieldModel> makeModel(const ModelConfig& config, int64_t dims, uint64_t seed) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return makeModel(config, dims, gen);
}

} // namespace dredge
