#pragma once
// Asynchronous successive halving (ASHA; Li et al., "A System for Massively
// Parallel Hyperparameter Tuning", 2020), as a sweep's "mode": "asha" runs it.
// Rungs sit at r, rη, rη², … epochs below the runs' epochs. A run reaching a
// rung goes on only if its setting is in the top 1/η of the settings that
// reached that rung so far, else it ends as pruned. A setting is judged by
// its seed group: the mean (or median) of its seeds' losses at the rung. The
// first of a group's seeds to reach a rung decides for the group, so a
// group is never split; the seeds after it still count in the group's value
// that later settings are measured against. Decide-at-arrival, as Optuna's
// successive-halving pruner: a run is never held back waiting for others,
// and the first settings at a rung go on only if best so far.

#include <QString>
#include <cstdint>
#include <optional>
#include <vector>

namespace dredge {

enum class SeedObjective { Mean, Median };

struct SuccessiveHalving {
    int64_t minEpochs = 0;                         // "min_epochs": r, the first rung
    double reduction = 3.0;                        // "reduction": η > 1
    SeedObjective objective = SeedObjective::Mean; // "objective": over a setting's seeds
};

// The rungs below `epochs` (a run's last epoch is its end, not a rung).
std::vector<int64_t> rungEpochs(const SuccessiveHalving& halving, int64_t epochs);

// Hyperband (Li et al., JMLR 2018) as brackets of successive halving:
// bracket b's first rung is r·η^b, for b = 0 … ⌊log_η(R/r)⌋ with R the
// epochs (the last bracket may have no rung: its runs train to the end).
int hyperbandBrackets(const SuccessiveHalving& halving, int64_t epochs);
// Bracket `bracket`'s halving: its first rung r·η^bracket.
SuccessiveHalving bracketHalving(const SuccessiveHalving& halving, int bracket);
// The bracket of the setting that runs `setting`-th of `settings`: shares
// as Hyperband sizes its brackets (∝ η^s / (s + 1), s = brackets − 1 − b,
// more settings where runs are cut sooner), so each bracket costs about the
// same; in order, so a seeded random order of settings spreads them.
int hyperbandBracketOf(int setting, int settings, int brackets, double reduction);

// One run's loss at a rung, as the store keeps it: its setting (the seed
// group) and its watched loss there (NaN for a diverged run: worst).
struct RungEntry {
    QString group;
    double loss = 0.0;
    std::optional<bool> promoted; // the decision it met (absent: not decided yet)
};

// The mean or median of `losses`, a non-finite loss counting as +∞.
double seedObjective(std::vector<double> losses, SeedObjective objective);

// Whether `group` goes on from a rung where `entries` stand (every run that
// reached it so far, the deciding run's entry included): an earlier seed's
// decision for the group if there is one, else whether the group's value is
// among the best max(1, ⌊k/η⌋) of the k groups' values there.
bool promotedAtRung(const std::vector<RungEntry>& entries, const QString& group,
                    const SuccessiveHalving& halving);

} // namespace dredge
