#include "RunGroups.h"

#include "ExperimentJson.h"
#include "Settings.h"

#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <map>

namespace dredge {

std::vector<RunGroup> groupBySettings(const std::vector<RunRecord>& runs) {
    std::vector<RunGroup> groups;
    std::map<QString, size_t> indexOf;
    for (size_t i = 0; i < runs.size(); ++i) {
        auto config = runs[i].config;
        config.train.seed = 0;
        const QString key =
            QString::fromUtf8(QJsonDocument(toJson(config)).toJson(QJsonDocument::Compact));
        const auto [it, added] = indexOf.emplace(key, groups.size());
        if (added) {
            groups.push_back({key, {}});
        }
        groups[it->second].members.push_back(i);
    }
    return groups;
}

std::map<QString, QString> settingsOf(const ExperimentConfig& config) {
    std::map<QString, QString> values;
    for (const auto& s : settings()) {
        if (s.has(Swept) && s.applies(config)) { // the seed is no axis: seeds make groups
            values[s.name] = valueText(s, s.get(config));
        }
    }
    return values;
}

std::vector<QString> distinguishingLabels(const std::vector<ExperimentConfig>& configs) {
    std::vector<std::map<QString, QString>> settings;
    std::map<QString, bool> differs;
    for (const auto& config : configs) {
        settings.push_back(settingsOf(config));
        for (const auto& [key, value] : settings.back()) {
            differs[key] = differs[key] || value != settings.front()[key];
        }
    }
    std::vector<QString> labels;
    for (size_t i = 0; i < configs.size(); ++i) {
        QStringList parts;
        for (const auto& [key, value] : settings[i]) {
            if (differs[key]) {
                parts.append(key + u'=' + value);
            }
        }
        labels.push_back(parts.isEmpty() ? describe(configs[i]) : parts.join(u' '));
    }
    return labels;
}

Spread spread(const std::vector<double>& values) {
    Spread s;
    double sum = 0.0;
    for (double v : values) {
        if (std::isfinite(v)) {
            sum += v;
            ++s.n;
        }
    }
    if (s.n == 0) {
        s.mean = std::nan("");
        return s;
    }
    s.mean = sum / s.n;
    double squares = 0.0;
    for (double v : values) {
        if (std::isfinite(v)) {
            squares += (v - s.mean) * (v - s.mean);
        }
    }
    s.std = s.n > 1 ? std::sqrt(squares / (s.n - 1)) : 0.0;
    return s;
}

GroupSummary summarize(const std::vector<RunRecord>& runs, const RunGroup& group) {
    std::vector<double> finals, bests, ms;
    for (size_t i : group.members) {
        finals.push_back(runs[i].finalLoss);
        bests.push_back(runs[i].bestLoss);
        ms.push_back(runs[i].msPerEpoch > 0 ? runs[i].msPerEpoch : std::nan(""));
    }
    return {spread(finals), spread(bests), spread(ms)};
}

GroupCurve groupCurve(const std::vector<std::vector<double>>& histories, CurveCenter center,
                      CurveBand band) {
    size_t longest = 0;
    for (const auto& h : histories) {
        longest = std::max(longest, h.size());
    }
    GroupCurve curve;
    std::vector<double> at;
    for (size_t epoch = 0; epoch < longest; ++epoch) {
        at.clear();
        for (const auto& h : histories) {
            if (epoch < h.size() && std::isfinite(h[epoch])) {
                at.push_back(h[epoch]);
            }
        }
        if (at.empty()) {
            curve.center.push_back(std::nan(""));
            curve.low.push_back(std::nan(""));
            curve.high.push_back(std::nan(""));
            continue;
        }
        std::sort(at.begin(), at.end());
        const auto s = spread(at);
        const size_t n = at.size();
        curve.center.push_back(center == CurveCenter::Mean
                                   ? s.mean
                                   : (n % 2 ? at[n / 2] : 0.5 * (at[n / 2 - 1] + at[n / 2])));
        curve.low.push_back(band == CurveBand::MinMax ? at.front() : s.mean - s.std);
        curve.high.push_back(band == CurveBand::MinMax ? at.back() : s.mean + s.std);
    }
    return curve;
}

} // namespace dredge
