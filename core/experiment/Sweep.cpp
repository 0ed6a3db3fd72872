#include "Sweep.h"

#include "InputFile.h"

#include "ExperimentJson.h"
#include "Settings.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <random>

namespace dredge {
namespace {

constexpr int64_t kMaxTasks = 100'000;

constexpr std::pair<SweepMode, const char*> kModeNames[] = {
    {SweepMode::Grid, "grid"},           {SweepMode::Random, "random"}, {SweepMode::Asha, "asha"},
    {SweepMode::Hyperband, "hyperband"}, {SweepMode::Tpe, "tpe"},       {SweepMode::Pbt, "pbt"}};

// A sweep axis names a sweepable row of the settings table.
const Setting* findAxisSetting(const QString& name) {
    const auto* s = findSetting(name);
    return s && s->has(Swept) ? s : nullptr;
}

bool isNumeric(const Setting& s) {
    return s.kind == SettingKind::Integer || s.kind == SettingKind::Real;
}

bool fail(QString* error, const QString& why) {
    if (error) {
        *error = why;
    }
    return false;
}

QString text(const QString& setting, const QJsonValue& v) {
    const auto* s = findSetting(setting);
    return s ? valueText(*s, v) : v.toVariant().toString();
}

// Uniform in [0, 1) from the generator's bits: the same numbers with every
// standard library (std::uniform_real_distribution is not).
double unit(std::mt19937_64& rng) {
    return double(rng() >> 11) * 0x1.0p-53;
}

QJsonValue rangePoint(const SweepAxis& axis, double fraction, SettingKind kind) {
    const double value =
        axis.logScale
            ? std::exp(std::log(axis.from) + fraction * (std::log(axis.to) - std::log(axis.from)))
            : axis.from + fraction * (axis.to - axis.from);
    return kind == SettingKind::Integer ? QJsonValue(double(std::llround(value)))
                                        : QJsonValue(value);
}

bool readAxis(const QJsonObject& json, SweepAxis& axis, QString* error) {
    axis.setting = json.value(QStringLiteral("setting")).toString();
    const auto* setting = findAxisSetting(axis.setting);
    if (!setting) {
        return fail(error, QStringLiteral("axis setting '%1' is not one of %2")
                               .arg(axis.setting, sweepSettings().join(QStringLiteral(", "))));
    }
    if (json.value(QStringLiteral("values")).isArray()) {
        for (const auto& v : json.value(QStringLiteral("values")).toArray()) {
            axis.values.push_back(v);
        }
        if (axis.values.empty()) {
            return fail(error, QStringLiteral("axis '%1' has no values").arg(axis.setting));
        }
        return true;
    }
    const auto range = json.value(QStringLiteral("range")).toObject();
    if (range.isEmpty()) {
        return fail(error,
                    QStringLiteral("axis '%1' needs \"values\" or a \"range\"").arg(axis.setting));
    }
    if (!isNumeric(*setting)) {
        return fail(error,
                    QStringLiteral("axis '%1' is not numeric: give its values").arg(axis.setting));
    }
    axis.isRange = true;
    axis.from = range.value(QStringLiteral("from")).toDouble(std::nan(""));
    axis.to = range.value(QStringLiteral("to")).toDouble(std::nan(""));
    const int points = range.value(QStringLiteral("points")).toInt(0);
    const QString scale = range.value(QStringLiteral("scale")).toString(QStringLiteral("linear"));
    axis.logScale = scale == QLatin1String("log");
    if (!std::isfinite(axis.from) || !std::isfinite(axis.to) || points < 1 ||
        (scale != QLatin1String("log") && scale != QLatin1String("linear"))) {
        return fail(error, QStringLiteral("axis '%1': a range needs finite \"from\" and \"to\", "
                                          "\"points\" ≥ 1 and \"scale\" linear or log")
                               .arg(axis.setting));
    }
    if (axis.logScale && (axis.from <= 0 || axis.to <= 0)) {
        return fail(error,
                    QStringLiteral("axis '%1': a log range needs positive ends").arg(axis.setting));
    }
    for (int i = 0; i < points; ++i) {
        axis.values.push_back(
            rangePoint(axis, points == 1 ? 0.0 : double(i) / (points - 1), setting->kind));
    }
    return true;
}

// A seed as JSON writes it: a whole number from 0 to 2^53 (what a double holds
// exactly), or nothing.
std::optional<uint64_t> seedFrom(const QJsonValue& v) {
    const double d = v.toDouble(-1.0);
    if (!v.isDouble() || !(d >= 0) || d != std::floor(d) || d > 9.007199254740992e15) {
        return std::nullopt;
    }
    return uint64_t(d);
}

bool readSeeds(const QJsonValue& json, std::vector<uint64_t>& seeds, QString* error) {
    if (json.isUndefined()) {
        return true; // seed 0, or the base's
    }
    seeds.clear();
    const auto seedOf = [&](const QJsonValue& v) {
        const auto seed = seedFrom(v);
        if (!seed) {
            return fail(error, QStringLiteral("seeds must be non-negative integers"));
        }
        seeds.push_back(*seed);
        return true;
    };
    if (json.isArray()) {
        for (const auto& v : json.toArray()) {
            if (!seedOf(v)) {
                return false;
            }
        }
    } else if (json.isObject()) {
        const auto from = json.toObject().value(QStringLiteral("from"));
        const auto to = json.toObject().value(QStringLiteral("to"));
        if (!seedOf(from) || !seedOf(to) || seeds[1] < seeds[0] || seeds[1] - seeds[0] >= 10'000) {
            return fail(error, QStringLiteral(
                                   "seeds {\"from\": a, \"to\": b} needs 0 ≤ a ≤ b < a + 10,000"));
        }
        const auto first = seeds[0], last = seeds[1];
        seeds.clear();
        for (auto s = first; s <= last; ++s) {
            seeds.push_back(s);
        }
    } else {
        return fail(error, QStringLiteral("seeds must be a list or {\"from\": a, \"to\": b}"));
    }
    return !seeds.empty() || fail(error, QStringLiteral("seeds is empty"));
}

// "samples" and "sample_seed": random draws instead of the grid.
bool readSamples(const QJsonObject& json, SweepSpec& spec, QString* error) {
    // Read as a number first: toInt() made 1e12 a 0 and said "needs ≥ 1".
    const auto samples = json.value(QStringLiteral("samples"));
    const double count = samples.toDouble(-1.0);
    if (samples.isUndefined()) {
        return fail(error,
                    QStringLiteral("a random sweep needs \"samples\": how many runs to draw"));
    }
    if (!samples.isDouble() || count < 1.0 || count > double(kMaxTasks) ||
        count != std::floor(count)) {
        return fail(error, QStringLiteral("\"samples\" must be a whole number from 1 to %1, not %2")
                               .arg(kMaxTasks)
                               .arg(samples.isDouble() ? QString::number(count, 'g', 12)
                                                       : QStringLiteral("a non-number")));
    }
    spec.samples = int(count);
    const auto sampleSeed = json.value(QStringLiteral("sample_seed"));
    spec.sampleSeed = sampleSeed.isUndefined() ? 0 : seedFrom(sampleSeed).value_or(0);
    if (!sampleSeed.isUndefined() && !seedFrom(sampleSeed)) {
        return fail(error, QStringLiteral("\"sample_seed\" must be an integer from 0 to 2^53"));
    }
    return true;
}

// Successive halving's "min_epochs", "reduction" and "objective".
bool readHalving(const QJsonObject& json, SweepSpec& spec, QString* error) {
    auto& h = spec.halving;
    const auto minEpochs = json.value(QStringLiteral("min_epochs"));
    const double r = minEpochs.toDouble(-1.0);
    if (!minEpochs.isDouble() || r < 1.0 || r != std::floor(r) || r > 1e15) {
        return fail(error, QStringLiteral("a %1 sweep needs \"min_epochs\": the first rung, a "
                                          "whole number of epochs from 1")
                               .arg(sweepModeName(spec.mode)));
    }
    h.minEpochs = int64_t(r);
    const auto reduction = json.value(QStringLiteral("reduction"));
    h.reduction = reduction.isUndefined() ? 3.0 : reduction.toDouble(0.0);
    if (!reduction.isUndefined() &&
        (!reduction.isDouble() || !(h.reduction > 1.0) || !std::isfinite(h.reduction))) {
        return fail(error, QStringLiteral("\"reduction\" (η) must be a number above 1: the share "
                                          "1/η of the settings at a rung goes on"));
    }
    const QString objective =
        json.value(QStringLiteral("objective")).toString(QStringLiteral("mean"));
    if (objective != QLatin1String("mean") && objective != QLatin1String("median")) {
        return fail(error, QStringLiteral("\"objective\" must be mean or median (over a setting's "
                                          "seeds), not '%1'")
                               .arg(objective));
    }
    h.objective =
        objective == QLatin1String("median") ? SeedObjective::Median : SeedObjective::Mean;
    return true;
}

// A whole number from `low` to `high` in `key`, or `fallback` when absent.
std::optional<int> readCount(const QJsonObject& json, const char* key, int fallback, int low,
                             int high, QString* error) {
    const auto value = json.value(QLatin1String(key));
    if (value.isUndefined()) {
        return fallback;
    }
    const double d = value.toDouble(-1.0);
    if (!value.isDouble() || d < low || d > high || d != std::floor(d)) {
        fail(error, QStringLiteral("\"%1\" must be a whole number from %2 to %3")
                        .arg(QLatin1String(key))
                        .arg(low)
                        .arg(high));
        return std::nullopt;
    }
    return int(d);
}

// Tpe's "trials", "startup", "candidates" and "gamma" (and asha's keys when
// "min_epochs" asks for pruning).
bool readTpe(const QJsonObject& json, SweepSpec& spec, QString* error) {
    if (!json.contains(QStringLiteral("trials"))) {
        return fail(error, QStringLiteral("a tpe sweep needs \"trials\": how many settings to "
                                          "try (each with every seed)"));
    }
    const auto trials = readCount(json, "trials", 0, 1, int(kMaxTasks), error);
    const auto startup =
        trials ? readCount(json, "startup", std::min(10, *trials), 1, int(kMaxTasks), error)
               : std::nullopt;
    const auto candidates =
        startup ? readCount(json, "candidates", 24, 1, 10'000, error) : std::nullopt;
    if (!candidates) {
        return false;
    }
    spec.trials = *trials;
    spec.parzen = {*startup, *candidates, spec.parzen.gamma};
    const auto gamma = json.value(QStringLiteral("gamma"));
    spec.parzen.gamma = gamma.isUndefined() ? 0.25 : gamma.toDouble(-1.0);
    if (!(spec.parzen.gamma > 0.0 && spec.parzen.gamma < 1.0)) {
        return fail(error, QStringLiteral("\"gamma\" must be above 0 and below 1: the share "
                                          "of results counted as good"));
    }
    const auto seed = json.value(QStringLiteral("sample_seed"));
    spec.sampleSeed = seed.isUndefined() ? 0 : seedFrom(seed).value_or(0);
    if (!seed.isUndefined() && !seedFrom(seed)) {
        return fail(error, QStringLiteral("\"sample_seed\" must be an integer from 0 to 2^53"));
    }
    return !json.contains(QStringLiteral("min_epochs")) || readHalving(json, spec, error);
}

// Pbt's "population", "interval", "quantile", "perturb", "objective" and
// "sample_seed" (the population is drawn as random mode draws its samples).
bool readPopulation(const QJsonObject& json, SweepSpec& spec, QString* error) {
    auto& p = spec.population;
    for (const char* key : {"population", "interval"}) {
        if (!json.contains(QLatin1String(key))) {
            return fail(error, QStringLiteral("a pbt sweep needs \"population\" (how many members "
                                              "train side by side) and \"interval\" (epochs "
                                              "between two exploit steps)"));
        }
    }
    const auto population = readCount(json, "population", 0, 2, 10'000, error);
    const auto interval =
        population ? readCount(json, "interval", 0, 1, 1'000'000'000, error) : std::nullopt;
    if (!interval) {
        return false;
    }
    p.population = *population;
    p.interval = *interval;
    spec.samples = p.population;
    const auto quantile = json.value(QStringLiteral("quantile"));
    p.quantile = quantile.isUndefined() ? 0.25 : quantile.toDouble(-1.0);
    if (!(p.quantile > 0.0 && p.quantile <= 0.5)) {
        return fail(error, QStringLiteral("\"quantile\" must be above 0 and at most 0.5: the "
                                          "share of members at the bottom that copy the top"));
    }
    if (json.contains(QStringLiteral("perturb"))) {
        p.factors.clear();
        for (const auto& f : json.value(QStringLiteral("perturb")).toArray()) {
            p.factors.push_back(f.toDouble(-1.0));
        }
        const bool positive = std::all_of(p.factors.begin(), p.factors.end(),
                                          [](double f) { return f > 0.0 && std::isfinite(f); });
        if (p.factors.empty() || !positive) {
            return fail(error, QStringLiteral("\"perturb\" must be a list of factors above 0 "
                                              "(a range axis's value is multiplied by one)"));
        }
    }
    QJsonObject halving = json; // "objective" reads as asha's does
    halving.insert(QStringLiteral("min_epochs"), 1);
    if (!readHalving(halving, spec, error)) {
        return false;
    }
    p.objective = spec.halving.objective;
    spec.halving = {};
    const auto seed = json.value(QStringLiteral("sample_seed"));
    spec.sampleSeed = seed.isUndefined() ? 0 : seedFrom(seed).value_or(0);
    return seed.isUndefined() || seedFrom(seed) ||
           fail(error, QStringLiteral("\"sample_seed\" must be an integer from 0 to 2^53"));
}

// A pbt sweep explores live settings: one axis at least must be one.
bool checkPopulationAxes(const SweepSpec& spec, QString* error) {
    QStringList live;
    for (const auto& s : settings()) {
        if (isLiveAxis(s.name)) {
            live.append(s.name);
        }
    }
    const bool any = std::any_of(spec.axes.begin(), spec.axes.end(),
                                 [](const SweepAxis& a) { return isLiveAxis(a.setting); });
    return any || fail(error, QStringLiteral("a pbt sweep perturbs settings that may change while "
                                             "a run trains: give at least one axis of %1")
                                  .arg(live.join(QStringLiteral(", "))));
}

} // namespace

QString sweepModeName(SweepMode mode) {
    for (const auto& [m, name] : kModeNames) {
        if (m == mode) {
            return QLatin1String(name);
        }
    }
    return QStringLiteral("grid");
}

bool halvesRuns(const SweepSpec& spec) {
    return spec.mode == SweepMode::Asha || spec.mode == SweepMode::Hyperband ||
           (spec.mode == SweepMode::Tpe && spec.halving.minEpochs > 0);
}

std::optional<SuccessiveHalving> halvingOf(const SweepSpec& spec, const SweepTask& task) {
    if (!halvesRuns(spec)) {
        return std::nullopt;
    }
    return spec.mode == SweepMode::Hyperband ? bracketHalving(spec.halving, task.bracket)
                                             : spec.halving;
}

QString SweepTask::label() const {
    QStringList parts;
    if (pending) {
        parts.append(QStringLiteral("trial %1").arg(setting));
    }
    for (const auto& [setting, value] : values) {
        parts.append(setting + u'=' + text(setting, value));
    }
    return parts.join(u' ');
}

QString SweepTask::groupLabel() const {
    QStringList parts;
    if (pending) {
        return QStringLiteral("trial %1").arg(setting);
    }
    for (const auto& [setting, value] : values) {
        if (setting != QLatin1String("seed")) {
            parts.append(setting + u'=' + text(setting, value));
        }
    }
    return parts.isEmpty() ? QStringLiteral("(base)") : parts.join(u' ');
}

QStringList sweepSettings() {
    QStringList names;
    for (const auto& s : settings()) {
        if (s.has(Swept)) {
            names.append(s.name);
        }
    }
    return names;
}

bool applySetting(ExperimentConfig& c, const QString& name, const QJsonValue& value,
                  QString* error) {
    const auto* setting = findAxisSetting(name);
    if (!setting) {
        return fail(error, QStringLiteral("unknown setting '%1'").arg(name));
    }
    return applyValue(c, *setting, value, name, error);
}

std::optional<SweepSpec> sweepFromJson(const QJsonObject& json, QString* error) {
    const auto failed = [&](const QString& why) -> std::optional<SweepSpec> {
        fail(error, why);
        return std::nullopt;
    };
    if (json.value(QStringLiteral("format")).toString() != QLatin1String("dredge-sweep")) {
        return failed(QStringLiteral("not a sweep file (\"format\": \"dredge-sweep\")"));
    }
    const int version = json.value(QStringLiteral("version")).toInt(0);
    if (version < 1 || version > kSweepFileVersion) {
        return failed(QStringLiteral("sweep file version %1 is not supported (this build reads %2)")
                          .arg(version)
                          .arg(kSweepFileVersion));
    }
    SweepSpec spec;
    spec.name = json.value(QStringLiteral("name")).toString(QStringLiteral("sweep"));
    QString why;
    const auto base = experimentFromJson(json.value(QStringLiteral("base")).toObject(), &why);
    if (!base) {
        return failed(QStringLiteral("base: ") + why);
    }
    spec.base = *base;
    spec.seeds = {spec.base.train.seed};
    const QString mode = json.value(QStringLiteral("mode")).toString(QStringLiteral("grid"));
    const auto known = std::find_if(std::begin(kModeNames), std::end(kModeNames),
                                    [&](const auto& m) { return mode == QLatin1String(m.second); });
    if (known == std::end(kModeNames)) {
        return failed(QStringLiteral("mode must be grid, random, asha, hyperband, tpe or pbt, "
                                     "not '%1'")
                          .arg(mode));
    }
    spec.mode = known->first;
    const bool halving = spec.mode == SweepMode::Asha || spec.mode == SweepMode::Hyperband;
    if (spec.mode == SweepMode::Random || (halving && json.contains(QStringLiteral("samples")))) {
        if (!readSamples(json, spec, &why)) {
            return failed(why);
        }
    }
    if ((halving && !readHalving(json, spec, &why)) ||
        (spec.mode == SweepMode::Tpe && !readTpe(json, spec, &why)) ||
        (spec.mode == SweepMode::Pbt && !readPopulation(json, spec, &why))) {
        return failed(why);
    }
    for (const auto& axis : json.value(QStringLiteral("axes")).toArray()) {
        SweepAxis parsed;
        if (!readAxis(axis.toObject(), parsed, error)) {
            return std::nullopt;
        }
        spec.axes.push_back(std::move(parsed));
    }
    if (!readSeeds(json.value(QStringLiteral("seeds")), spec.seeds, error)) {
        return std::nullopt;
    }
    if (spec.mode == SweepMode::Tpe && spec.axes.empty()) {
        return failed(QStringLiteral("a tpe sweep needs at least one axis to search"));
    }
    if (spec.mode == SweepMode::Pbt && !checkPopulationAxes(spec, &why)) {
        return failed(why);
    }
    return spec;
}

std::optional<SweepSpec> parseSweep(const QByteArray& bytes, QString* error) {
    QJsonParseError parseError;
    const auto doc = QJsonDocument::fromJson(bytes, &parseError);
    if (!doc.isObject()) {
        fail(error, parseError.error != QJsonParseError::NoError
                        ? parseError.errorString()
                        : QStringLiteral("a sweep file holds a JSON object"));
        return std::nullopt;
    }
    return sweepFromJson(doc.object(), error);
}

std::optional<SweepSpec> readSweepFile(const QString& path, QString* error) {
    QString why;
    // A sweep file is a page of JSON; 16 MiB is far beyond any real one.
    const auto bytes = readInputFile(path, qint64(16) << 20, QStringLiteral("sweep file"), &why);
    if (!bytes) {
        fail(error, why);
        return std::nullopt;
    }
    auto spec = parseSweep(*bytes, &why);
    if (!spec) {
        fail(error, QStringLiteral("sweep '%1': %2").arg(path, why));
    }
    return spec;
}

QJsonObject toJson(const SweepSpec& spec) {
    QJsonArray axes;
    for (const auto& axis : spec.axes) {
        QJsonObject json{{"setting", axis.setting}};
        if (axis.isRange) {
            json.insert(QStringLiteral("range"),
                        QJsonObject{{"from", axis.from},
                                    {"to", axis.to},
                                    {"points", int(axis.values.size())},
                                    {"scale", axis.logScale ? "log" : "linear"}});
        } else {
            QJsonArray values;
            for (const auto& v : axis.values) {
                values.append(v);
            }
            json.insert(QStringLiteral("values"), values);
        }
        axes.append(json);
    }
    QJsonArray seeds;
    for (auto s : spec.seeds) {
        seeds.append(qint64(s));
    }
    QJsonObject json{{"format", "dredge-sweep"},
                     {"version", kSweepFileVersion},
                     {"name", spec.name},
                     {"base", toJson(spec.base)},
                     {"mode", sweepModeName(spec.mode)},
                     {"axes", axes},
                     {"seeds", seeds}};
    if (spec.mode == SweepMode::Random || spec.mode == SweepMode::Tpe ||
        (halvesRuns(spec) && spec.samples > 0)) {
        if (spec.mode != SweepMode::Tpe) {
            json.insert(QStringLiteral("samples"), spec.samples);
        }
        json.insert(QStringLiteral("sample_seed"), qint64(spec.sampleSeed));
    }
    if (spec.mode == SweepMode::Pbt) {
        const auto& p = spec.population;
        QJsonArray factors;
        for (const double f : p.factors) {
            factors.append(f);
        }
        json.insert(QStringLiteral("population"), p.population);
        json.insert(QStringLiteral("interval"), qint64(p.interval));
        json.insert(QStringLiteral("quantile"), p.quantile);
        json.insert(QStringLiteral("perturb"), factors);
        json.insert(QStringLiteral("objective"),
                    p.objective == SeedObjective::Median ? "median" : "mean");
        json.insert(QStringLiteral("sample_seed"), qint64(spec.sampleSeed));
    }
    if (spec.mode == SweepMode::Tpe) {
        json.insert(QStringLiteral("trials"), spec.trials);
        json.insert(QStringLiteral("startup"), spec.parzen.startup);
        json.insert(QStringLiteral("candidates"), spec.parzen.candidates);
        json.insert(QStringLiteral("gamma"), spec.parzen.gamma);
    }
    if (halvesRuns(spec)) {
        json.insert(QStringLiteral("min_epochs"), qint64(spec.halving.minEpochs));
        json.insert(QStringLiteral("reduction"), spec.halving.reduction);
        json.insert(QStringLiteral("objective"),
                    spec.halving.objective == SeedObjective::Median ? "median" : "mean");
    }
    return json;
}

namespace {

using Combination = SweepPoint;

// Every combination of the axes' values, the last axis fastest.
std::optional<std::vector<Combination>> gridOf(const SweepSpec& spec, QString* error) {
    int64_t count = 1;
    for (const auto& axis : spec.axes) {
        count *= int64_t(axis.values.size());
        if (count * int64_t(spec.seeds.size()) > kMaxTasks) {
            fail(error, QStringLiteral("the sweep would start more than %1 runs").arg(kMaxTasks));
            return std::nullopt;
        }
    }
    std::vector<Combination> combinations(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        int64_t rest = i; // mixed radix, the last axis fastest
        Combination& c = combinations[size_t(i)];
        c.resize(spec.axes.size());
        for (size_t a = spec.axes.size(); a-- > 0;) {
            const auto n = int64_t(spec.axes[a].values.size());
            c[a] = spec.axes[a].values[size_t(rest % n)];
            rest /= n;
        }
    }
    return combinations;
}

// `samples` seeded draws: a value of each list, a point of each range.
std::optional<std::vector<Combination>> drawsOf(const SweepSpec& spec, QString* error) {
    if (int64_t(spec.samples) * int64_t(spec.seeds.size()) > kMaxTasks) {
        fail(error, QStringLiteral("the sweep would start more than %1 runs").arg(kMaxTasks));
        return std::nullopt;
    }
    std::vector<Combination> combinations;
    std::mt19937_64 rng(spec.sampleSeed);
    for (int s = 0; s < spec.samples; ++s) {
        Combination c;
        for (const auto& axis : spec.axes) {
            const auto kind = findAxisSetting(axis.setting)->kind;
            c.push_back(axis.isRange ? rangePoint(axis, unit(rng), kind)
                                     : axis.values[size_t(rng() % axis.values.size())]);
        }
        combinations.push_back(std::move(c));
    }
    return combinations;
}

// Successive halving decides as runs arrive at a rung: a grid's sorted
// order would bring one end of every axis first. Settings go in a seeded
// random order (Fisher–Yates), each one's seeds together.
void shuffleSettings(std::vector<Combination>& combinations, uint64_t seed) {
    std::mt19937_64 rng(seed ^ 0xa5a5a5a5ULL);
    for (size_t i = combinations.size(); i > 1; --i) {
        std::swap(combinations[i - 1], combinations[size_t(rng() % i)]);
    }
}

// A pbt member goes on from another's checkpoint at each boundary: one is
// kept there (every "interval" epochs unless the base keeps them more often).
void keepBoundaryCheckpoints(const SweepSpec& spec, SweepTask& task, QString* why) {
    auto& train = task.config.train;
    const int64_t interval = spec.population.interval;
    if (why->isEmpty() && interval >= train.epochs) {
        *why = QStringLiteral("\"interval\" %1 is not below its %2 epochs: no boundary to "
                              "exploit at")
                   .arg(interval)
                   .arg(train.epochs);
    }
    if (train.checkpointEvery <= 0 || interval % train.checkpointEvery != 0) {
        train.checkpointEvery = interval;
    }
}

// The task of `combination` and `seed`, or why it cannot run.
SweepTask taskOf(const SweepSpec& spec, const Combination& combination, uint64_t seed,
                 QString* why) {
    SweepTask task;
    task.config = spec.base;
    for (size_t a = 0; a < spec.axes.size(); ++a) {
        task.values.emplace_back(spec.axes[a].setting, combination[a]);
    }
    task.values.emplace_back(QStringLiteral("seed"), QJsonValue(qint64(seed)));
    for (size_t a = 0; a < spec.axes.size() && why->isEmpty(); ++a) {
        applySetting(task.config, spec.axes[a].setting, combination[a], why);
    }
    task.config.train.seed = seed;
    if (why->isEmpty()) {
        *why = QString::fromStdString(validate(task.config));
    }
    if (spec.mode == SweepMode::Pbt) {
        keepBoundaryCheckpoints(spec, task, why);
    }
    if (why->isEmpty() && halvesRuns(spec) && spec.halving.minEpochs >= task.config.train.epochs) {
        *why = QStringLiteral("\"min_epochs\" %1 is not below its %2 epochs: no rung to "
                              "judge it at")
                   .arg(spec.halving.minEpochs)
                   .arg(task.config.train.epochs);
    }
    return task;
}

// The settings a tpe sweep can propose, or a pbt sweep explore, are checked
// before anything is queued: each axis's ends and listed values, the others
// at their first.
bool checkSearchSpace(const SweepSpec& spec, QString* error) {
    Combination first;
    for (const auto& axis : spec.axes) {
        first.push_back(axis.isRange ? QJsonValue(axis.from) : axis.values.front());
    }
    for (size_t a = 0; a < spec.axes.size(); ++a) {
        const auto& axis = spec.axes[a];
        const auto kind = findAxisSetting(axis.setting)->kind;
        const std::vector<QJsonValue> values =
            axis.isRange
                ? std::vector<QJsonValue>{rangePoint(axis, 0.0, kind), rangePoint(axis, 1.0, kind)}
                : axis.values;
        for (const auto& value : values) {
            Combination c = first;
            c[a] = value;
            QString why;
            taskOf(spec, c, spec.seeds.front(), &why);
            if (!why.isEmpty()) {
                return fail(error, QStringLiteral("axis '%1' = %2: %3")
                                       .arg(axis.setting, text(axis.setting, value), why));
            }
        }
    }
    return true;
}

// Tpe: `trials` × seeds tasks whose settings the store proposes later.
std::optional<std::vector<SweepTask>> pendingTrials(const SweepSpec& spec, QString* error) {
    if (int64_t(spec.trials) * int64_t(spec.seeds.size()) > kMaxTasks) {
        fail(error, QStringLiteral("the sweep would start more than %1 runs").arg(kMaxTasks));
        return std::nullopt;
    }
    if (!checkSearchSpace(spec, error)) {
        return std::nullopt;
    }
    std::vector<SweepTask> tasks;
    for (int trial = 0; trial < spec.trials; ++trial) {
        for (const auto seed : spec.seeds) {
            SweepTask task;
            task.index = int(tasks.size());
            task.setting = trial;
            task.pending = true;
            task.config = spec.base;
            task.config.train.seed = seed;
            task.values.emplace_back(QStringLiteral("seed"), QJsonValue(qint64(seed)));
            tasks.push_back(std::move(task));
        }
    }
    return tasks;
}

std::vector<ParzenAxis> parzenAxes(const SweepSpec& spec) {
    std::vector<ParzenAxis> axes;
    for (const auto& axis : spec.axes) {
        ParzenAxis p;
        if (axis.isRange) {
            const bool whole = findAxisSetting(axis.setting)->kind == SettingKind::Integer;
            p.kind = whole ? ParzenAxis::Kind::Integer : ParzenAxis::Kind::Continuous;
            p.low = axis.from;
            p.high = axis.to;
            p.logScale = axis.logScale;
        } else {
            p.kind = ParzenAxis::Kind::Choice; // listed values are categories, numbers or not
            p.choices = int(axis.values.size());
        }
        axes.push_back(p);
    }
    return axes;
}

// A setting as the estimator sees it: a range's value, a list's index.
std::vector<double> parzenPoint(const SweepSpec& spec, const Combination& c) {
    std::vector<double> point;
    for (size_t a = 0; a < spec.axes.size(); ++a) {
        const auto& axis = spec.axes[a];
        const QJsonValue v = a < c.size() ? c[a] : QJsonValue();
        if (axis.isRange) {
            point.push_back(v.toDouble());
        } else {
            const auto at = std::find(axis.values.begin(), axis.values.end(), v);
            point.push_back(double(at == axis.values.end() ? 0 : at - axis.values.begin()));
        }
    }
    return point;
}

Combination sweepPointOf(const SweepSpec& spec, const std::vector<double>& point) {
    Combination c;
    for (size_t a = 0; a < spec.axes.size(); ++a) {
        const auto& axis = spec.axes[a];
        if (axis.isRange) {
            const bool whole = findAxisSetting(axis.setting)->kind == SettingKind::Integer;
            c.push_back(whole ? QJsonValue(double(std::llround(point[a]))) : QJsonValue(point[a]));
        } else {
            c.push_back(axis.values[size_t(point[a])]);
        }
    }
    return c;
}

// Trial k's generator seed: the sweep's sample_seed and k, mixed (SplitMix64).
uint64_t trialSeed(uint64_t sampleSeed, int trial) {
    uint64_t z = sampleSeed + 0x9e3779b97f4a7c15ULL * (uint64_t(trial) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

} // namespace

std::optional<std::vector<SweepTask>> expandSweep(const SweepSpec& spec, QString* error) {
    if (spec.mode == SweepMode::Tpe) {
        return pendingTrials(spec, error);
    }
    const bool drawn = spec.mode == SweepMode::Random || spec.mode == SweepMode::Pbt ||
                       (halvesRuns(spec) && spec.samples > 0);
    if (spec.mode == SweepMode::Pbt && !checkSearchSpace(spec, error)) {
        return std::nullopt; // explored values reach each range's ends and every listed value
    }
    auto combinations = drawn ? drawsOf(spec, error) : gridOf(spec, error);
    if (!combinations) {
        return std::nullopt;
    }
    if (halvesRuns(spec)) {
        shuffleSettings(*combinations, spec.sampleSeed);
    }
    const int brackets = spec.mode == SweepMode::Hyperband
                             ? hyperbandBrackets(spec.halving, spec.base.train.epochs)
                             : 1;
    std::vector<SweepTask> tasks;
    for (size_t setting = 0; setting < combinations->size(); ++setting) {
        for (const auto seed : spec.seeds) {
            QString why;
            auto task = taskOf(spec, (*combinations)[setting], seed, &why);
            task.index = int(tasks.size());
            task.setting = int(setting);
            task.bracket = hyperbandBracketOf(int(setting), int(combinations->size()), brackets,
                                              spec.halving.reduction);
            if (!why.isEmpty()) {
                fail(error,
                     QStringLiteral("task %1 (%2): %3").arg(task.index).arg(task.label(), why));
                return std::nullopt;
            }
            tasks.push_back(std::move(task));
        }
    }
    return tasks;
}

SweepPoint settingOf(const SweepSpec& spec, const SweepTask& task) {
    Combination c;
    for (const auto& axis : spec.axes) {
        const auto found = std::find_if(task.values.begin(), task.values.end(),
                                        [&](const auto& v) { return v.first == axis.setting; });
        c.push_back(found == task.values.end() ? QJsonValue() : found->second);
    }
    return c;
}

std::vector<double> axisPoint(const SweepSpec& spec, const SweepTask& task) {
    return parzenPoint(spec, settingOf(spec, task));
}

SweepPoint proposeSetting(const SweepSpec& spec, int trial,
                          const std::vector<TrialOutcome>& outcomes) {
    std::vector<ParzenResult> results;
    std::vector<std::vector<double>> tried;
    for (const auto& o : outcomes) {
        tried.push_back(parzenPoint(spec, o.point));
        if (o.ended) {
            results.push_back({tried.back(), o.reach, o.value});
        }
    }
    return sweepPointOf(spec, proposeParzen(parzenAxes(spec), results, tried,
                                            trialSeed(spec.sampleSeed, trial), spec.parzen));
}

std::optional<SweepTask> proposedTask(const SweepSpec& spec, const SweepTask& task,
                                      const SweepPoint& point, QString* error) {
    if (point.size() != spec.axes.size()) {
        fail(error, QStringLiteral("trial %1's setting has %2 values for the sweep's %3 axes")
                        .arg(task.setting)
                        .arg(point.size())
                        .arg(spec.axes.size()));
        return std::nullopt;
    }
    QString why;
    auto proposed = taskOf(spec, point, task.config.train.seed, &why);
    if (!why.isEmpty()) {
        fail(error,
             QStringLiteral("trial %1 (%2): %3").arg(task.setting).arg(proposed.label(), why));
        return std::nullopt;
    }
    proposed.index = task.index;
    proposed.setting = task.setting;
    proposed.bracket = task.bracket;
    return proposed;
}

} // namespace dredge
