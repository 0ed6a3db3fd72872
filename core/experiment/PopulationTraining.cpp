#include "PopulationTraining.h"

#include "Settings.h"
#include "Sweep.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

namespace dredge {
namespace {

// A boundary's generator seed: the sweep's sample_seed, the epoch and the
// member, mixed (SplitMix64), so that a decision never depends on others'.
uint64_t stepSeed(uint64_t sampleSeed, int64_t epoch, int member) {
    uint64_t z = sampleSeed ^ (0x9e3779b97f4a7c15ULL * (uint64_t(epoch) + 1)) ^
                 (0xd1b54a32d192ed03ULL * (uint64_t(member) + 1));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct MemberStanding {
    int member = 0;
    double value = 0.0;  // its seeds' objective at the boundary so far
    int seeds = 0;       // how many of its seeds arrived
    bool copied = false; // it copied another here: its checkpoint is what it left
};

// The members at a boundary, best first (NaN last, ties by member).
std::vector<MemberStanding> standings(const std::vector<PopulationEntry>& entries,
                                      SeedObjective objective) {
    std::map<int, std::vector<double>> losses;
    std::map<int, bool> copied;
    for (const auto& e : entries) {
        losses[e.member].push_back(e.loss);
        copied[e.member] = copied[e.member] || (e.decided && e.source >= 0);
    }
    std::vector<MemberStanding> members;
    for (auto& [member, values] : losses) {
        members.push_back(
            {member, seedObjective(values, objective), int(values.size()), copied[member]});
    }
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
        const double x = std::isfinite(a.value) ? a.value : std::numeric_limits<double>::max();
        const double y = std::isfinite(b.value) ? b.value : std::numeric_limits<double>::max();
        return x != y ? x < y : a.member < b.member;
    });
    return members;
}

// Ray Tune's share: ⌈n·q⌉ members at each end, at most half of them.
size_t quantileCount(size_t members, double quantile) {
    const auto count = size_t(std::ceil(double(members) * quantile));
    return 2 * count > members ? members / 2 : count;
}

} // namespace

std::vector<int64_t> generationEpochs(int64_t interval, int64_t epochs) {
    std::vector<int64_t> boundaries;
    for (int64_t e = interval; interval > 0 && e < epochs; e += interval) {
        boundaries.push_back(e);
    }
    return boundaries;
}

bool isLiveAxis(const QString& setting) {
    const auto* s = findSetting(setting);
    return s && s->has(Live) && s->has(Swept) && !s->has(Extent);
}

std::vector<QJsonValue> exploredSetting(const SweepSpec& spec,
                                        const std::vector<QJsonValue>& setting, uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto explored = setting;
    const auto& factors = spec.population.factors;
    for (size_t a = 0; a < spec.axes.size() && a < explored.size(); ++a) {
        const auto& axis = spec.axes[a];
        const uint64_t draw = rng(); // one draw per axis, live or not: stable across files
        if (!isLiveAxis(axis.setting)) {
            continue;
        }
        if (axis.isRange) {
            const double lo = std::min(axis.from, axis.to), hi = std::max(axis.from, axis.to);
            double value = explored[a].toDouble() * factors[draw % factors.size()];
            value = std::clamp(value, lo, hi);
            const bool whole = findSetting(axis.setting)->kind == SettingKind::Integer;
            explored[a] = whole ? QJsonValue(double(std::llround(value))) : QJsonValue(value);
            continue;
        }
        const auto at = std::find(axis.values.begin(), axis.values.end(), explored[a]);
        const auto n = int64_t(axis.values.size());
        if (at == axis.values.end() || n < 2) {
            continue;
        }
        const int64_t here = at - axis.values.begin();
        const int64_t next = std::clamp<int64_t>(here + ((draw & 1) ? 1 : -1), 0, n - 1);
        explored[a] = axis.values[size_t(next == here ? (here == 0 ? 1 : n - 2) : next)];
    }
    return explored;
}

PopulationStep populationStep(const SweepSpec& spec, const std::vector<PopulationEntry>& entries,
                              int member, int64_t epoch) {
    const auto own = std::find_if(entries.begin(), entries.end(),
                                  [&](const auto& e) { return e.member == member; });
    if (own == entries.end()) {
        return {};
    }
    const auto ranked = standings(entries, spec.population.objective);
    const size_t count = quantileCount(ranked.size(), spec.population.quantile);
    const auto place = std::find_if(ranked.begin(), ranked.end(),
                                    [&](const auto& m) { return m.member == member; });
    if (count == 0 || size_t(place - ranked.begin()) < ranked.size() - count) {
        return {-1, own->setting};
    }
    // Copied only from a member whose every seed has its checkpoint here,
    // and that did not itself copy another here (its checkpoint holds the
    // weights it left, not the setting it took).
    std::vector<int> sources;
    for (size_t i = 0; i < count; ++i) {
        const bool better = std::isfinite(ranked[i].value) &&
                            (!std::isfinite(place->value) || ranked[i].value < place->value);
        if (better && !ranked[i].copied && ranked[i].seeds == int(spec.seeds.size())) {
            sources.push_back(ranked[i].member);
        }
    }
    if (sources.empty()) {
        return {-1, own->setting};
    }
    std::mt19937_64 rng(stepSeed(spec.sampleSeed, epoch, member));
    const int source = sources[size_t(rng() % sources.size())];
    const auto copied = std::find_if(entries.begin(), entries.end(),
                                     [&](const auto& e) { return e.member == source; });
    return {source, exploredSetting(spec, copied->setting, rng())};
}

void decideBoundary(const SweepSpec& spec, std::vector<PopulationEntry>& entries, int64_t epoch) {
    std::map<int, PopulationStep> steps; // by member: taken before, or now
    for (const auto& e : entries) {
        if (e.decided) {
            steps.emplace(e.member, PopulationStep{e.source, e.setting});
        }
    }
    std::set<int> members;
    for (const auto& e : entries) {
        members.insert(e.member);
    }
    for (const int member : members) {
        if (steps.count(member) == 0) {
            steps.emplace(member, populationStep(spec, entries, member, epoch));
        }
        for (auto& e : entries) { // decided now: a member that copied is no source after it
            if (e.member == member) {
                e.decided = true;
                e.source = steps[member].source;
                e.setting = steps[member].setting;
            }
        }
    }
}

} // namespace dredge
