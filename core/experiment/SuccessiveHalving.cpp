#include "SuccessiveHalving.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace dredge {

std::vector<int64_t> rungEpochs(const SuccessiveHalving& halving, int64_t epochs) {
    std::vector<int64_t> rungs;
    if (halving.minEpochs < 1 || !(halving.reduction > 1.0)) {
        return rungs;
    }
    for (double rung = double(halving.minEpochs); rung < double(epochs);
         rung *= halving.reduction) {
        const auto at = int64_t(std::llround(rung));
        if (rungs.empty() || at > rungs.back()) {
            rungs.push_back(at);
        }
    }
    while (!rungs.empty() && rungs.back() >= epochs) {
        rungs.pop_back();
    }
    return rungs;
}

int hyperbandBrackets(const SuccessiveHalving& halving, int64_t epochs) {
    int brackets = 1;
    for (double first = double(halving.minEpochs) * halving.reduction;
         halving.reduction > 1.0 && first <= double(epochs) * (1.0 + 1e-12);
         first *= halving.reduction) {
        ++brackets;
    }
    return brackets;
}

SuccessiveHalving bracketHalving(const SuccessiveHalving& halving, int bracket) {
    auto h = halving;
    h.minEpochs = std::llround(double(halving.minEpochs) * std::pow(halving.reduction, bracket));
    return h;
}

int hyperbandBracketOf(int setting, int settings, int brackets, double reduction) {
    std::vector<double> weights;
    double total = 0.0;
    for (int b = 0; b < brackets; ++b) {
        const int s = brackets - 1 - b; // how aggressive: the most at b = 0
        weights.push_back(std::pow(reduction, s) / double(s + 1));
        total += weights.back();
    }
    const double at = (double(setting) + 0.5) / double(std::max(1, settings)) * total;
    double reached = 0.0;
    for (int b = 0; b < brackets; ++b) {
        reached += weights[size_t(b)];
        if (at < reached) {
            return b;
        }
    }
    return brackets - 1;
}

double seedObjective(std::vector<double> losses, SeedObjective objective) {
    if (losses.empty()) {
        return std::numeric_limits<double>::infinity();
    }
    for (auto& loss : losses) {
        if (!std::isfinite(loss)) {
            loss = std::numeric_limits<double>::infinity();
        }
    }
    if (objective == SeedObjective::Median) {
        std::sort(losses.begin(), losses.end());
        const size_t n = losses.size();
        return n % 2 == 1 ? losses[n / 2] : 0.5 * (losses[n / 2 - 1] + losses[n / 2]);
    }
    double sum = 0.0;
    for (const double loss : losses) {
        sum += loss;
    }
    return sum / double(losses.size());
}

bool promotedAtRung(const std::vector<RungEntry>& entries, const QString& group,
                    const SuccessiveHalving& halving) {
    std::map<QString, std::vector<double>> byGroup;
    for (const auto& entry : entries) {
        if (entry.group == group && entry.promoted) {
            return *entry.promoted; // an earlier seed decided for the group
        }
        byGroup[entry.group].push_back(entry.loss);
    }
    const double mine = seedObjective(byGroup[group], halving.objective);
    std::vector<double> values;
    for (const auto& [name, losses] : byGroup) {
        values.push_back(seedObjective(losses, halving.objective));
    }
    std::sort(values.begin(), values.end());
    const auto kept = std::max<size_t>(1, size_t(double(values.size()) / halving.reduction));
    // Worst of all (a diverged setting) never goes on, even alone.
    return std::isfinite(mine) && mine <= values[kept - 1];
}

} // namespace dredge
