#pragma once
// What mattered in a sweep: each axis's share of the variance of the
// outcome across the settings tried, explained by that axis alone (the
// first-order index of a functional ANOVA over the settings as tried; on a
// full grid, exactly fANOVA's main effect with equal weights). The outcome is
// log10 of a seed's loss, since losses span decades; each seed gives its own
// shares, and the spread across seeds says how far to trust them. A numeric
// axis with many values (a range drawn at random, or proposed by tpe) is cut
// into five bins of equal count. Plain numbers, no Qt.

#include <string>
#include <vector>

namespace dredge {

struct ImportanceAxis {
    std::string name;
    bool numeric = false; // binned by rank when it has more than five values
};

// One setting tried: its value on each axis (a number, or a category's index
// for a listed axis) and its loss with each seed (in the sweep's seed order;
// non-finite: that seed's value is left out).
struct TriedSetting {
    std::vector<double> point;
    std::vector<double> lossBySeed;
};

struct AxisImportance {
    std::string name;
    double share = 0.0;  // mean over seeds of the explained share, 0 … 1
    double spread = 0.0; // its standard deviation over seeds (0 with one seed)
    int seeds = 0;       // seeds with enough settings to measure it
};

// Each axis's explained share, in the axes' order. A seed counts when at
// least three settings have a finite loss with it and they are not all equal.
std::vector<AxisImportance> parameterImportance(const std::vector<ImportanceAxis>& axes,
                                                const std::vector<TriedSetting>& settings);

} // namespace dredge
