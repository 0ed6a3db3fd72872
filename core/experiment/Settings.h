#pragma once
// The settings table: one row for every setting of an experiment. The command
// line (flags and --help), experiment files, sweep axes, the form, `runs show`,
// the man page and docs/cli.md all read these rows; defaults come from
// ExperimentConfig{} and nowhere else. Adding a setting is adding a row here.
//
// A value travels as a QJsonValue of the row's kind: a number (Integer, Real),
// a bool (Switch), a string (Choice, Path, Text); Null is "unset" for optional rows.

#include "ExperimentConfig.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

namespace dredge {

enum class SettingKind { Integer, Real, Switch, Choice, Path, Text };

// What may be done with a setting besides keeping it in a file.
enum SettingUse : unsigned {
    Swept = 1u << 0,  // a sweep axis may name it
    Live = 1u << 1,   // it may change while a run trains (the live-settings issue)
    InForm = 1u << 2, // the experiment form shows it
    // A replay may take another value: it changes where a run computes, not
    // one bit of its losses (the ranks of a data-parallel run).
    Replayable = 1u << 3,
    // How long a run trains or what it keeps, not how: population-based
    // training does not perturb it (every member meets the same boundaries,
    // with a checkpoint there).
    Extent = 1u << 4,
};

struct SettingChoice {
    QString name;  // as in files and on the command line (numerics' name tables)
    QString label; // as the form shows it
    int value;     // the enum's value
};

struct Setting {
    QString name;      // --name, the sweep axis, `runs set` key
    QString section;   // the JSON object that holds it: data, model, train, train.schedule, …
    QString key;       // its key in that object
    QString group;     // the form's group box
    QString label;     // the form's label; also the noun in messages
    QString help;      // one sentence: --help, the man page, docs/cli.md, the form's tooltip
    QString valueName; // the placeholder in --help: N, lr, name
    SettingKind kind = SettingKind::Integer;
    double min = 0.0, max = 0.0; // numbers: the range (max may be +inf)
    bool minOpen = false, maxOpen = false;
    bool optional = false; // may be unset (JSON null, an empty field, "none" on the command line)
    QString unsetText;     // what unset means (optional rows) or the minimum means (0: "off")
    std::vector<SettingChoice> choices;
    // Text rows: the form a value takes ("WIDTHxHEIGHT such as 256x256, or
    // empty"), an example of it, and whether a string has it.
    QString textForm, textExample;
    std::function<bool(const QString&)> textFits;
    QStringList aliases; // earlier flag names, still accepted
    unsigned uses = 0;
    // Setting this from a flag or a sweep axis also sets another setting
    // (--csv FILE means --data csv; sweeping the clip norm means clipping).
    QString impliesName;
    QJsonValue impliesValue;
    // Data rows are written to files only where they apply (today's format);
    // the others always, since a sweep over the model or schedule reads them.
    bool writtenWhereItDoesNotApply = true;
    // The form keeps this row's value for each value of the named setting:
    // choosing a data set again brings back its grid and epochs, and one not
    // chosen before starts from the defaults for it (its own grid).
    QString followsDefaultOf;
    QString defaultNote; // where the default depends on the config (the grid's)

    std::function<QJsonValue(const ExperimentConfig&)> get;
    std::function<void(ExperimentConfig&, const QJsonValue&)> set; // a value checkValue accepted
    std::function<bool(const ExperimentConfig&)> applies;          // means something here

    bool has(SettingUse use) const { return (uses & use) != 0; }
    QJsonValue defaultValue() const { return get(ExperimentConfig{}); }
};

// Every row, in the order --help and the form list them.
const std::vector<Setting>& settings();
// The row named `name` (or one of its aliases), or nullptr.
const Setting* findSetting(const QString& name);

// Whether `value` has the row's kind and lies in its range; `where` names it
// in the error ("--lr", "train.lr", "lr"): "--epochs must be at least 1, not -5".
bool checkValue(const Setting& setting, const QJsonValue& value, const QString& where,
                QString* error);
// Text as typed (a flag's value, a form field) as the row's value.
std::optional<QJsonValue> parseValue(const Setting& setting, const QString& text,
                                     const QString& where, QString* error);
// Checks, sets, and applies what the setting implies.
bool applyValue(ExperimentConfig& config, const Setting& setting, const QJsonValue& value,
                const QString& where, QString* error);

// A value as people read it: on/off, numbers to 6 digits, choice names, "none".
QString valueText(const Setting& setting, const QJsonValue& value);
// The range as a phrase: "at least 1", "between 0 and 0.5", "one of a, b, c".
QString rangeText(const Setting& setting);
// "(default 2000)", "(default: none)".
QString defaultText(const Setting& setting);

// Experiment configs as JSON through the table: missing fields keep their
// defaults, a wrong type or range names the field.
QJsonObject settingsToJson(const ExperimentConfig& config);
std::optional<ExperimentConfig> settingsFromJson(const QJsonObject& json, QString* error);

// The option list of `train` for the man page (roff) and docs/cli.md (Markdown).
QString settingsManPage();
QString settingsMarkdown();

} // namespace dredge
