#pragma once
// Tree-structured Parzen Estimator proposals (Bergstra et al., "Algorithms
// for Hyper-Parameter Optimization", NeurIPS 2011), as a sweep's "mode":
// "tpe" asks for its next setting. Finished settings are split at a
// quantile into good and bad; each axis gets a Parzen density over the good
// values, l(x), and one over the bad, g(x) (a Gaussian per value in the
// axis's own space, log for log axes, plus a broad prior; choices as
// categorical counts plus a uniform prior). Candidates drawn from l are
// scored by Σ log l − log g over the axes and the best not tried yet wins.
// Before `startup` results, settings are drawn uniformly (log-uniformly on
// log axes), as random search would. Plain numbers, no Qt: every draw
// comes from one seeded generator, so the same history and seed give the
// same proposal on every machine.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dredge {

struct ParzenAxis {
    enum class Kind { Continuous, Integer, Choice };
    Kind kind = Kind::Continuous;
    double low = 0.0, high = 1.0; // Continuous and Integer: the range
    bool logScale = false;        // Continuous and Integer: densities in log space
    int choices = 0;              // Choice: how many (a point holds the index)
};

// A setting tried and how it did. `reach` orders first: a setting that
// trained further (a higher rung, or to the end) ranks above one pruned
// earlier whatever their losses, as Optuna's TPE ranks pruned trials; among
// equal reach the lower `value` is better (non-finite: worst).
struct ParzenResult {
    std::vector<double> point; // per axis: the value, or the choice's index
    double reach = 0.0;
    double value = 0.0;
};

struct ParzenOptions {
    int startup = 10;    // results before proposals are modelled
    int candidates = 24; // draws from l(x) scored per proposal
    double gamma = 0.25; // the good share: the best ⌈γ·n⌉ results
};

// The next point to try. `tried`: every point proposed so far (finished or
// not), avoided while an untried point can be found. `seed` fixes every draw.
std::vector<double> proposeParzen(const std::vector<ParzenAxis>& axes,
                                  const std::vector<ParzenResult>& results,
                                  const std::vector<std::vector<double>>& tried, uint64_t seed,
                                  const ParzenOptions& options);

// The results `proposeParzen` counts as good (indices into `results`, best
// first): the best max(1, ⌈γ·n⌉) by reach, then value, then order.
std::vector<std::size_t> goodResults(const std::vector<ParzenResult>& results, double gamma);

// One axis's Parzen density over `values` (log density at `x`), as the
// proposals use it: exposed for tests.
double parzenLogDensity(const ParzenAxis& axis, const std::vector<double>& values, double x);

} // namespace dredge
