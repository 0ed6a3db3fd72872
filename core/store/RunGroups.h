#pragma once
// Runs whose settings differ only in the seed form a group: one setting
// judged by several seeds rather than one lucky run. Groups, their summary
// figures (n, mean ± sample std of final and best loss, ms/epoch), and a
// group's curve per epoch (mean or median with a min–max or ±1 std band).

#include "RunRecord.h"

#include <map>
#include <vector>

namespace dredge {

struct RunGroup {
    QString key;                 // the settings without the seed, as compact JSON
    std::vector<size_t> members; // indices into the runs grouped
};

struct Spread {
    int n = 0;
    double mean = 0.0;
    double std = 0.0; // sample standard deviation; 0 for one value
};

struct GroupSummary {
    Spread finalLoss, bestLoss, msPerEpoch; // over members with finite values
};

// Groups in the order their first run appears.
std::vector<RunGroup> groupBySettings(const std::vector<RunRecord>& runs);
GroupSummary summarize(const std::vector<RunRecord>& runs, const RunGroup& group);
Spread spread(const std::vector<double>& values); // non-finite values left out

// The settings that apply to a config, by their names in the settings table
// (as on the command line), as text; the seed left out.
std::map<QString, QString> settingsOf(const ExperimentConfig& config);

// For each config, the settings in which the configs differ ("lr=0.003
// waves=8"; the seed left out); the config in a few words where none differ.
std::vector<QString> distinguishingLabels(const std::vector<ExperimentConfig>& configs);

enum class CurveCenter { Mean, Median };
enum class CurveBand { MinMax, StdDev };
struct GroupCurve {
    std::vector<double> center, low, high; // per epoch, over the runs that reached it
};
GroupCurve groupCurve(const std::vector<std::vector<double>>& histories, CurveCenter center,
                      CurveBand band);

} // namespace dredge
