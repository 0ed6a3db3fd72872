#include "SettingChange.h"

#include "LearningRateSchedule.h"
#include "Settings.h"

#include <algorithm>
#include <array>
#include <utility>

namespace dredge {
namespace {

template <typename Enum, size_t N>
QString nameIn(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) {
    for (const auto& [e, name] : table) {
        if (e == value) {
            return QLatin1String(name);
        }
    }
    return {};
}

template <typename Enum, size_t N>
std::optional<Enum> valueIn(const std::array<std::pair<Enum, const char*>, N>& table,
                            const QString& name) {
    for (const auto& [e, n] : table) {
        if (name == QLatin1String(n)) {
            return e;
        }
    }
    return std::nullopt;
}

constexpr std::array<std::pair<ChangeSource, const char*>, 4> kSources{{
    {ChangeSource::Window, "window"},
    {ChangeSource::Shell, "shell"},
    {ChangeSource::Sweep, "sweep"},
    {ChangeSource::Replay, "replay"},
}};
constexpr std::array<std::pair<ChangeAction, const char*>, 4> kActions{{
    {ChangeAction::Set, "set"},
    {ChangeAction::Pause, "pause"},
    {ChangeAction::Resume, "resume"},
    {ChangeAction::Stop, "stop"},
}};
constexpr std::array<std::pair<ChangeState, const char*>, 3> kStates{{
    {ChangeState::Requested, "requested"},
    {ChangeState::Applied, "applied"},
    {ChangeState::Refused, "refused"},
}};

bool fail(QString* error, const QString& text) {
    if (error) {
        *error = text;
    }
    return false;
}

// The row a change names, if it may change while a run trains.
const Setting* liveSetting(const QString& name, QString* error) {
    const Setting* s = findSetting(name);
    if (!s) {
        fail(error, QStringLiteral("unknown setting '%1'").arg(name));
        return nullptr;
    }
    if (!s->has(Live)) {
        fail(error, QStringLiteral("%1 cannot change while a run trains: fork the run instead "
                                   "(train --resume RUN@EPOCH --%1 VALUE)")
                        .arg(s->name));
        return nullptr;
    }
    return s;
}

} // namespace

QString changeSourceName(ChangeSource source) {
    return nameIn(kSources, source);
}
std::optional<ChangeSource> changeSourceFromName(const QString& name) {
    return valueIn(kSources, name);
}
QString changeActionName(ChangeAction action) {
    return nameIn(kActions, action);
}
std::optional<ChangeAction> changeActionFromName(const QString& name) {
    return valueIn(kActions, name);
}
QString changeStateName(ChangeState state) {
    return nameIn(kStates, state);
}
std::optional<ChangeState> changeStateFromName(const QString& name) {
    return valueIn(kStates, name);
}

std::optional<SettingChange> parseSetRequest(const QString& assignment, ChangeSource source,
                                             QString* error) {
    const auto equals = assignment.indexOf(u'=');
    if (equals <= 0) {
        fail(error, QStringLiteral("'%1' is not KEY=VALUE").arg(assignment));
        return std::nullopt;
    }
    const QString key = assignment.left(equals).trimmed();
    const Setting* s = liveSetting(key, error);
    if (!s) {
        return std::nullopt;
    }
    const auto value = parseValue(*s, assignment.mid(equals + 1), s->name, error);
    if (!value) {
        return std::nullopt;
    }
    SettingChange change;
    change.setting = s->name; // an alias becomes the row's name
    change.value = *value;
    change.source = source;
    change.requested = QDateTime::currentDateTimeUtc();
    return change;
}

bool applyChange(ExperimentConfig& config, SettingChange& change, qint64 epoch, QString* error) {
    const Setting* s = liveSetting(change.setting, error);
    if (!s) {
        return false;
    }
    ExperimentConfig next = config;
    const QJsonValue from = s->get(config);
    if (!applyValue(next, *s, change.value, s->name, error)) {
        return false;
    }
    if (next.train.epochs < epoch) { // a run cannot end before where it is
        return fail(error, QStringLiteral("%1 must be at least %2, the epochs already done, "
                                          "not %3")
                               .arg(s->name)
                               .arg(epoch)
                               .arg(valueText(*s, change.value)));
    }
    if (const auto problem = validate(next); !problem.empty()) {
        return fail(error, QString::fromStdString(problem));
    }
    config = std::move(next);
    change.from = from;
    change.to = s->get(config);
    change.epoch = epoch;
    change.state = ChangeState::Applied;
    change.applied = QDateTime::currentDateTimeUtc();
    return true;
}

RunJournal appliedChanges(const RunJournal& journal) {
    RunJournal applied;
    std::copy_if(journal.begin(), journal.end(), std::back_inserter(applied),
                 [](const SettingChange& c) { return c.state == ChangeState::Applied; });
    return applied;
}

ExperimentConfig configAt(const ExperimentConfig& initial, const RunJournal& journal,
                          qint64 epoch) {
    ExperimentConfig config = initial;
    for (const auto& change : journal) {
        if (change.state != ChangeState::Applied || change.action != ChangeAction::Set ||
            change.epoch > epoch) {
            continue;
        }
        if (const Setting* s = findSetting(change.setting)) {
            applyValue(config, *s, change.to, s->name, nullptr);
        }
    }
    return config;
}

qint64 stopEpoch(const RunJournal& journal) {
    for (const auto& change : journal) {
        if (change.state == ChangeState::Applied && change.action == ChangeAction::Stop) {
            return change.epoch;
        }
    }
    return -1;
}

std::vector<double> learningRates(const ExperimentConfig& initial, const RunJournal& journal,
                                  const std::vector<double>& losses) {
    std::vector<double> rates = learningRates(initial.train, losses);
    for (const auto& change : journal) {
        if (change.state != ChangeState::Applied || change.action != ChangeAction::Set ||
            change.epoch < 0 || size_t(change.epoch) >= rates.size()) {
            continue;
        }
        // From here on the settings in force then, as if they had held throughout.
        const auto from = configAt(initial, journal, change.epoch).train;
        const auto after = learningRates(from, losses);
        std::copy(after.begin() + change.epoch, after.end(), rates.begin() + change.epoch);
    }
    return rates;
}

namespace {
// A stop a halving sweep's rung made (RunStatus::Pruned).
bool isPrune(const SettingChange& c) {
    return c.action == ChangeAction::Stop && c.source == ChangeSource::Sweep;
}
} // namespace

QString describeChange(const SettingChange& c) {
    const QString source = changeSourceName(c.source);
    if (isPrune(c) && c.epoch >= 0) {
        return QStringLiteral("pruned at the sweep's rung of %1 epochs").arg(c.epoch);
    }
    if (c.action != ChangeAction::Set) {
        const QString verb = changeActionName(c.action);
        return c.epoch >= 0
                   ? QStringLiteral("%1 after %2 epochs (%3)").arg(verb).arg(c.epoch).arg(source)
                   : QStringLiteral("%1 (%2)").arg(verb, source);
    }
    const Setting* s = findSetting(c.setting);
    const auto text = [&](const QJsonValue& v) {
        return s ? valueText(*s, v) : v.toVariant().toString();
    };
    if (c.state != ChangeState::Applied) {
        return QStringLiteral("%1 → %2 (%3, %4)")
            .arg(c.setting, text(c.value), source, changeStateName(c.state));
    }
    return QStringLiteral("%1 %2 → %3 from epoch %4 (%5)")
        .arg(c.setting, text(c.from), text(c.to))
        .arg(c.epoch)
        .arg(source);
}

QString journalSummary(const RunJournal& journal) {
    QStringList parts;
    for (const auto& c : journal) {
        if (c.state != ChangeState::Applied ||
            (c.action != ChangeAction::Set && c.action != ChangeAction::Stop)) {
            continue;
        }
        const Setting* s = c.action == ChangeAction::Set ? findSetting(c.setting) : nullptr;
        const QString what = isPrune(c) ? QStringLiteral("pruned")
                             : c.action == ChangeAction::Stop
                                 ? QStringLiteral("stop")
                                 : c.setting + u' ' + (s ? valueText(*s, c.to) : QString());
        parts.append(QStringLiteral("%1 @%2").arg(what).arg(c.epoch));
    }
    return parts.join(QStringLiteral(", "));
}

QJsonObject changeToJson(const SettingChange& c) {
    QJsonObject json{{QStringLiteral("epoch"), double(c.epoch)},
                     {QStringLiteral("source"), changeSourceName(c.source)}};
    if (c.action == ChangeAction::Set) {
        json.insert(QStringLiteral("setting"), c.setting);
        json.insert(QStringLiteral("from"), c.from);
        json.insert(QStringLiteral("to"), c.state == ChangeState::Applied ? c.to : c.value);
    } else {
        json.insert(QStringLiteral("action"), changeActionName(c.action));
    }
    if (c.state != ChangeState::Applied) {
        json.insert(QStringLiteral("state"), changeStateName(c.state));
    }
    if (!c.message.isEmpty()) {
        json.insert(QStringLiteral("message"), c.message);
    }
    const QDateTime& when = c.applied.isValid() ? c.applied : c.requested;
    if (when.isValid()) {
        json.insert(QStringLiteral("time"), when.toString(Qt::ISODateWithMs));
    }
    return json;
}

std::optional<SettingChange> changeFromJson(const QJsonObject& json, QString* error) {
    SettingChange c;
    const auto source = changeSourceFromName(json.value(QStringLiteral("source")).toString());
    const auto action = json.contains(QStringLiteral("action"))
                            ? changeActionFromName(json.value(QStringLiteral("action")).toString())
                            : std::optional(ChangeAction::Set);
    const auto state = json.contains(QStringLiteral("state"))
                           ? changeStateFromName(json.value(QStringLiteral("state")).toString())
                           : std::optional(ChangeState::Applied);
    const QJsonValue epoch = json.value(QStringLiteral("epoch"));
    if (!source || !action || !state || !epoch.isDouble()) {
        fail(error, QStringLiteral("a change needs an epoch, a known source, action and state"));
        return std::nullopt;
    }
    c.source = *source;
    c.action = *action;
    c.state = *state;
    c.epoch = qint64(epoch.toDouble());
    c.message = json.value(QStringLiteral("message")).toString();
    c.applied =
        QDateTime::fromString(json.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    if (c.action == ChangeAction::Set) {
        c.setting = json.value(QStringLiteral("setting")).toString();
        const Setting* s = findSetting(c.setting);
        c.from = json.value(QStringLiteral("from"));
        c.to = c.value = json.value(QStringLiteral("to"));
        QString why;
        if (!s || !checkValue(*s, c.to, c.setting, &why)) {
            fail(error,
                 s ? why : QStringLiteral("a change names an unknown setting '%1'").arg(c.setting));
            return std::nullopt;
        }
    }
    return c;
}

} // namespace dredge
