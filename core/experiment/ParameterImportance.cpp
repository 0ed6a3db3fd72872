#include "ParameterImportance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace dredge {
namespace {

constexpr int kBins = 5;

// Each setting's level on `axis`: its value, or for a numeric axis with more
// than kBins values, its bin of equal count by rank.
std::vector<double> levelsOf(const ImportanceAxis& axis, const std::vector<TriedSetting>& settings,
                             size_t a) {
    std::vector<double> levels;
    for (const auto& s : settings) {
        levels.push_back(s.point[a]);
    }
    const std::set<double> distinct(levels.begin(), levels.end());
    if (!axis.numeric || int(distinct.size()) <= kBins) {
        return levels;
    }
    std::vector<size_t> order(levels.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return levels[x] < levels[y]; });
    std::vector<double> bins(levels.size());
    for (size_t rank = 0; rank < order.size(); ++rank) {
        bins[order[rank]] = double(rank * kBins / order.size());
    }
    return bins;
}

// The share of the variance of `y` (over the indices in `used`) that the
// means of y within each level explain.
double explainedShare(const std::vector<double>& levels, const std::vector<double>& y,
                      const std::vector<size_t>& used) {
    double mean = 0.0;
    for (auto i : used) {
        mean += y[i];
    }
    mean /= double(used.size());
    double total = 0.0;
    std::map<double, std::pair<double, int>> byLevel; // sum, count
    for (auto i : used) {
        total += (y[i] - mean) * (y[i] - mean);
        auto& [sum, count] = byLevel[levels[i]];
        sum += y[i];
        ++count;
    }
    double between = 0.0;
    for (const auto& [level, sc] : byLevel) {
        const double levelMean = sc.first / sc.second;
        between += sc.second * (levelMean - mean) * (levelMean - mean);
    }
    return total > 0.0 ? between / total : std::nan("");
}

} // namespace

std::vector<AxisImportance> parameterImportance(const std::vector<ImportanceAxis>& axes,
                                                const std::vector<TriedSetting>& settings) {
    size_t seeds = 0;
    for (const auto& s : settings) {
        seeds = std::max(seeds, s.lossBySeed.size());
    }
    std::vector<AxisImportance> result;
    for (size_t a = 0; a < axes.size(); ++a) {
        const auto levels = levelsOf(axes[a], settings, a);
        std::vector<double> shares;
        for (size_t seed = 0; seed < seeds; ++seed) {
            std::vector<double> y(settings.size(), 0.0);
            std::vector<size_t> used;
            for (size_t i = 0; i < settings.size(); ++i) {
                const auto& losses = settings[i].lossBySeed;
                if (seed < losses.size() && std::isfinite(losses[seed]) && losses[seed] > 0.0) {
                    y[i] = std::log10(losses[seed]);
                    used.push_back(i);
                }
            }
            const double share = used.size() >= 3 ? explainedShare(levels, y, used) : std::nan("");
            if (std::isfinite(share)) {
                shares.push_back(share);
            }
        }
        AxisImportance importance{axes[a].name, std::nan(""), 0.0, int(shares.size())};
        if (!shares.empty()) {
            const double mean = std::accumulate(shares.begin(), shares.end(), 0.0) / shares.size();
            double squares = 0.0;
            for (double s : shares) {
                squares += (s - mean) * (s - mean);
            }
            importance.share = mean;
            importance.spread = shares.size() > 1 ? std::sqrt(squares / (shares.size() - 1)) : 0.0;
        }
        result.push_back(importance);
    }
    return result;
}

} // namespace dredge
