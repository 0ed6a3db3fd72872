#include "RunDataRegeneration.h"

#include "Trainer.h"

#include <exception>

namespace dredge {

std::optional<RunData> regenerateRunData(const ExperimentConfig& config, std::string* error) {
    try {
        const Trainer trainer(config); // builds the model too: small beside the data
        return RunData{trainer.setup(), trainer.trainingCoordinates(), trainer.trainingTargets(),
                       trainer.trainingTimes()};
    } catch (const std::exception& e) {
        *error = e.what();
        return std::nullopt;
    }
}

} // namespace dredge
