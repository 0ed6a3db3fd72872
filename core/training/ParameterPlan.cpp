#include "ParameterPlan.h"

#include <algorithm>

namespace dredge {

ParameterPlan::ParameterPlan(int64_t epochs, int64_t parameters, int64_t checkpointEvery,
                             double budgetMib)
    : every_(1)
    , checkpointEvery_(checkpointEvery) {
    // Epochs plus the end model's frame, at four bytes a parameter and four
    // its gradient. Past the budget, as many evenly spaced epochs as it
    // holds, but never fewer than kEvenEpochs.
    const double frameBytes = double(std::max<int64_t>(1, parameters)) * 8.0;
    const auto frames = std::max<int64_t>(1, epochs) + 1;
    const auto fit = std::max<int64_t>(1, int64_t(budgetMib * 1024.0 * 1024.0 / frameBytes));
    if (frames > fit) {
        const int64_t spread = (frames + fit - 1) / fit; // the budget's spacing
        every_ = std::max<int64_t>(1, std::min(spread, epochs / kEvenEpochs));
    }
}

} // namespace dredge
