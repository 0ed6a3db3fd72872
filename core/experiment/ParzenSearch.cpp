#include "ParzenSearch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace dredge {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRedraws = 64; // tries for an untried point before settling for a repeat

// Uniform in [0, 1) from the generator's bits: the same numbers with every
// standard library (its distributions are not).
double unit(std::mt19937_64& rng) {
    return double(rng() >> 11) * 0x1.0p-53;
}

// A standard normal draw (Box–Muller), for the same reason.
double normal(std::mt19937_64& rng) {
    const double u = 1.0 - unit(rng); // (0, 1]: log stays finite
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * kPi * unit(rng));
}

double normalCdf(double z) {
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

// Where a numeric axis's densities live: log space on log axes; an integer
// axis spans half a step beyond its ends, so each whole number gets a full
// step of the density.
struct Span {
    double low, high;
};

double toSpace(const ParzenAxis& axis, double x) {
    return axis.logScale ? std::log(x) : x;
}

double fromSpace(const ParzenAxis& axis, double u) {
    return axis.logScale ? std::exp(u) : u;
}

Span spanOf(const ParzenAxis& axis) {
    const double pad = axis.kind == ParzenAxis::Kind::Integer ? 0.5 : 0.0;
    const double low = std::min(axis.low, axis.high) - pad;
    const double high = std::max(axis.low, axis.high) + pad;
    return {toSpace(axis, axis.logScale ? std::max(low, 1e-300) : low), toSpace(axis, high)};
}

// A value drawn in the axis's space, as the axis holds it.
double settle(const ParzenAxis& axis, double u) {
    const double x = fromSpace(axis, u);
    if (axis.kind != ParzenAxis::Kind::Integer) {
        return std::clamp(x, std::min(axis.low, axis.high), std::max(axis.low, axis.high));
    }
    return std::clamp(std::round(x), std::ceil(std::min(axis.low, axis.high)),
                      std::floor(std::max(axis.low, axis.high)));
}

// The Gaussians of a numeric axis's density: one per value plus the prior
// (centred, as wide as the span), equally weighted; each value's width is
// the larger gap to its neighbours, clipped to [span / min(100, n + 1), span].
struct Mixture {
    std::vector<double> means, widths;
};

Mixture mixtureOf(const ParzenAxis& axis, const std::vector<double>& values) {
    const Span span = spanOf(axis);
    const double width = span.high - span.low;
    std::vector<double> sorted;
    for (double v : values) {
        sorted.push_back(std::clamp(toSpace(axis, v), span.low, span.high));
    }
    std::sort(sorted.begin(), sorted.end());
    Mixture m;
    const double narrowest = width / std::min(100.0, double(sorted.size()) + 1.0);
    for (size_t i = 0; i < sorted.size(); ++i) {
        const double left = i > 0 ? sorted[i - 1] : span.low;
        const double right = i + 1 < sorted.size() ? sorted[i + 1] : span.high;
        const double gap = std::max(sorted[i] - left, right - sorted[i]);
        m.means.push_back(sorted[i]);
        m.widths.push_back(std::clamp(gap, narrowest, width));
    }
    m.means.push_back(0.5 * (span.low + span.high));
    m.widths.push_back(width);
    return m;
}

double numericLogDensity(const ParzenAxis& axis, const Mixture& m, double x) {
    const Span span = spanOf(axis);
    const double u = std::clamp(toSpace(axis, x), span.low, span.high);
    std::vector<double> terms;
    for (size_t i = 0; i < m.means.size(); ++i) {
        const double s = std::max(m.widths[i], 1e-300);
        const double z = (u - m.means[i]) / s;
        // Truncated to the span: each component's mass inside it is 1.
        const double mass =
            normalCdf((span.high - m.means[i]) / s) - normalCdf((span.low - m.means[i]) / s);
        terms.push_back(-0.5 * z * z - std::log(s * std::sqrt(2.0 * kPi) * std::max(mass, 1e-300)));
    }
    const double top = *std::max_element(terms.begin(), terms.end());
    double sum = 0.0;
    for (double t : terms) {
        sum += std::exp(t - top);
    }
    return top + std::log(sum / double(terms.size()));
}

double numericDraw(const ParzenAxis& axis, const Mixture& m, std::mt19937_64& rng) {
    const Span span = spanOf(axis);
    const size_t k = std::min(m.means.size() - 1, size_t(unit(rng) * double(m.means.size())));
    double u = m.means[k];
    for (int attempt = 0; attempt < kRedraws; ++attempt) {
        const double drawn = m.means[k] + m.widths[k] * normal(rng);
        if (drawn >= span.low && drawn <= span.high) {
            u = drawn;
            break;
        }
    }
    return settle(axis, u);
}

// A choice axis's probabilities: counts plus a uniform prior of weight 1.
std::vector<double> choiceProbabilities(const ParzenAxis& axis, const std::vector<double>& values) {
    const int k = std::max(1, axis.choices);
    std::vector<double> p(size_t(k), 1.0 / double(k));
    for (double v : values) {
        const auto c = size_t(std::clamp(int(v), 0, k - 1));
        p[c] += 1.0;
    }
    for (auto& x : p) {
        x /= double(values.size()) + 1.0;
    }
    return p;
}

double choiceDraw(const std::vector<double>& p, std::mt19937_64& rng) {
    double at = unit(rng);
    for (size_t c = 0; c < p.size(); ++c) {
        at -= p[c];
        if (at < 0.0) {
            return double(c);
        }
    }
    return double(p.size() - 1);
}

// One axis's l or g, ready to draw from and score.
struct AxisDensity {
    const ParzenAxis* axis;
    Mixture mixture;            // numeric axes
    std::vector<double> choice; // choice axes

    AxisDensity(const ParzenAxis& a, const std::vector<double>& values)
        : axis(&a) {
        if (a.kind == ParzenAxis::Kind::Choice) {
            choice = choiceProbabilities(a, values);
        } else {
            mixture = mixtureOf(a, values);
        }
    }
    double draw(std::mt19937_64& rng) const {
        return axis->kind == ParzenAxis::Kind::Choice ? choiceDraw(choice, rng)
                                                      : numericDraw(*axis, mixture, rng);
    }
    double logDensity(double x) const {
        if (axis->kind == ParzenAxis::Kind::Choice) {
            const auto c = size_t(std::clamp(int(x), 0, int(choice.size()) - 1));
            return std::log(choice[c]);
        }
        return numericLogDensity(*axis, mixture, x);
    }
};

std::vector<double> uniformPoint(const std::vector<ParzenAxis>& axes, std::mt19937_64& rng) {
    std::vector<double> point;
    for (const auto& axis : axes) {
        if (axis.kind == ParzenAxis::Kind::Choice) {
            point.push_back(double(rng() % uint64_t(std::max(1, axis.choices))));
        } else {
            const Span span = spanOf(axis);
            point.push_back(settle(axis, span.low + unit(rng) * (span.high - span.low)));
        }
    }
    return point;
}

bool wasTried(const std::vector<std::vector<double>>& tried, const std::vector<double>& point) {
    return std::find(tried.begin(), tried.end(), point) != tried.end();
}

// A uniform draw not tried yet, else the last one drawn.
std::vector<double> untriedUniform(const std::vector<ParzenAxis>& axes,
                                   const std::vector<std::vector<double>>& tried,
                                   std::mt19937_64& rng) {
    auto point = uniformPoint(axes, rng);
    for (int attempt = 1; attempt < kRedraws && wasTried(tried, point); ++attempt) {
        point = uniformPoint(axes, rng);
    }
    return point;
}

double rankedValue(double v) {
    return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
}

} // namespace

std::vector<size_t> goodResults(const std::vector<ParzenResult>& results, double gamma) {
    std::vector<size_t> order(results.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (results[a].reach != results[b].reach) {
            return results[a].reach > results[b].reach;
        }
        return rankedValue(results[a].value) < rankedValue(results[b].value);
    });
    const auto good =
        std::clamp(size_t(std::ceil(gamma * double(results.size()))), size_t(1), results.size());
    order.resize(results.empty() ? 0 : good);
    return order;
}

double parzenLogDensity(const ParzenAxis& axis, const std::vector<double>& values, double x) {
    return AxisDensity(axis, values).logDensity(x);
}

std::vector<double> proposeParzen(const std::vector<ParzenAxis>& axes,
                                  const std::vector<ParzenResult>& results,
                                  const std::vector<std::vector<double>>& tried, uint64_t seed,
                                  const ParzenOptions& options) {
    std::mt19937_64 rng(seed);
    if (results.empty() || int(results.size()) < options.startup) {
        return untriedUniform(axes, tried, rng);
    }
    const auto good = goodResults(results, options.gamma);
    std::vector<bool> isGood(results.size(), false);
    for (auto i : good) {
        isGood[i] = true;
    }
    std::vector<AxisDensity> l, g;
    for (size_t a = 0; a < axes.size(); ++a) {
        std::vector<double> goodValues, badValues;
        for (size_t i = 0; i < results.size(); ++i) {
            (isGood[i] ? goodValues : badValues).push_back(results[i].point[a]);
        }
        l.emplace_back(axes[a], goodValues);
        g.emplace_back(axes[a], badValues);
    }
    std::vector<double> best;
    double bestScore = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < std::max(1, options.candidates); ++c) {
        std::vector<double> point;
        double score = 0.0;
        for (size_t a = 0; a < axes.size(); ++a) {
            point.push_back(l[a].draw(rng));
            score += l[a].logDensity(point.back()) - g[a].logDensity(point.back());
        }
        if (!wasTried(tried, point) && (best.empty() || score > bestScore)) {
            best = std::move(point);
            bestScore = score;
        }
    }
    // Every candidate was tried already (a small discrete space): a repeat
    // would train the same runs again, so an untried point is drawn instead.
    return best.empty() ? untriedUniform(axes, tried, rng) : best;
}

} // namespace dredge
