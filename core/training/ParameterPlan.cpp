#include "ParameterPlan.h"

#include <algorithm>

namespace dredge {

ParameterPlan::ParameterPlan(int64_t epochs, int64_t parameters, int64_t checkpointEvery,
                             double budgetMib)
    : every_(1)
    , checkpointEvery_(checkpointEvery) {
    // Epochs plus the end model's frame, at four bytes a parameter and four
    // its gradient.
    const double bytes = double(std::max<int64_t>(1, epochs) + 1) * double(parameters) * 8.0;
    if (bytes > budgetMib * 1024.0 * 1024.0) {
        every_ = std::max<int64_t>(1, epochs / kEvenEpochs);
    }
}

} // namespace dredge
