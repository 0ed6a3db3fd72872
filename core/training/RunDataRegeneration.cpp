#include "RunDataRegeneration.h"

#include "SignalFiles.h"
#include "Trainer.h"

#include <exception>

namespace dredge {

std::optional<RunData> regenerateRunData(const ExperimentConfig& config, std::string* error) {
    try {
        auto withSamples = config;
        if (QString problem; !readDataFiles(withSamples.data, &problem)) {
            *error = problem.toStdString();
            return std::nullopt;
        }
        const Trainer trainer(withSamples); // builds the model too: small beside the data
        return RunData{trainer.setup(), trainer.trainingCoordinates(), trainer.trainingTargets(),
                       trainer.trainingTimes()};
    } catch (const std::exception& e) {
        *error = e.what();
        return std::nullopt;
    }
}

} // namespace dredge
