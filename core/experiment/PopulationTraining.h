#pragma once
// Population-based training (Jaderberg et al., "Population Based Training of
// Neural Networks", 2017), as a sweep's "mode": "pbt" runs it: a population
// of members, each a setting trained with every seed. Every "interval"
// epochs a run stops at the boundary and waits there for the sweep's runs
// that are training and have not reached it (those still queued are not
// waited for: nothing could train them meanwhile). Then the members there
// are ranked by the mean or median of their seeds' watched losses: one in
// the bottom "quantile" exploits a member of the top quantile (goes on from
// that member's checkpoint there, each seed from the same seed's run) and
// explores (each live axis of the copied setting perturbed: a range's value
// times one of "perturb", clamped to the range; a listed value moved to a
// neighbour). With every run training at once this is synchronous PBT, and
// the same entries give the same steps whatever the timing; with fewer
// jobs, each cohort that trains together is judged with the members that
// reached the boundary before it. Only a member whose every seed reached
// the boundary, and that went on there, is copied (each seed's checkpoint
// there is then the state of the setting it has).

#include "SuccessiveHalving.h"

#include <QJsonValue>
#include <QString>
#include <cstdint>
#include <vector>

namespace dredge {

struct SweepSpec;

struct PopulationOptions {
    int population = 0;                    // "population": members (settings), ≥ 2
    int64_t interval = 0;                  // "interval": epochs between two boundaries
    double quantile = 0.25;                // "quantile": the bottom and top share, (0, 0.5]
    std::vector<double> factors{0.8, 1.2}; // "perturb": a range axis's factors
    SeedObjective objective = SeedObjective::Mean;
};

// The boundaries: interval, 2·interval, … below `epochs`.
std::vector<int64_t> generationEpochs(int64_t interval, int64_t epochs);

// One run's arrival at a boundary as the store keeps it.
struct PopulationEntry {
    int member = 0;
    int seedIndex = 0; // which of the sweep's seeds
    QString runId;
    double loss = 0.0;               // watched; NaN counts as worst
    bool decided = false;            // its member's step there is taken
    int source = -1;                 // the member it copied there; −1: it went on
    std::vector<QJsonValue> setting; // its member's setting (after the step, once decided)
};

// What a member does at a boundary: go on (source −1) in `setting`, or go
// on from member `source`'s checkpoint in `setting` (explored from source's).
struct PopulationStep {
    int source = -1;
    std::vector<QJsonValue> setting;
};

// Member `member`'s step at boundary `epoch` among `entries` (every run
// there, the member's own included): the rule above. Deterministic in the
// sweep's sample_seed, the epoch, the member and the entries.
PopulationStep populationStep(const SweepSpec& spec, const std::vector<PopulationEntry>& entries,
                              int member, int64_t epoch);

// Takes the step of every member of `entries` not decided yet, in member
// order (a member with a decided entry passes its step to its others).
void decideBoundary(const SweepSpec& spec, std::vector<PopulationEntry>& entries, int64_t epoch);

// Whether an axis of the sweep may be explored: it names a live setting.
bool isLiveAxis(const QString& setting);

// `setting` with each live axis perturbed once, from `seed`.
std::vector<QJsonValue> exploredSetting(const SweepSpec& spec,
                                        const std::vector<QJsonValue>& setting, uint64_t seed);

} // namespace dredge
