#pragma once
// A run's journal: every change made to it while it trained (a live setting,
// a stop), kept with the run before it takes effect, so that the run can be
// replayed exactly (train --replay) and forked at any change. A request from
// a shell is a change not yet applied; the training process applies it at the
// next epoch boundary, or refuses it with a reason. Plain data and the rules
// of the settings table: no LibTorch, no widgets.

#include "ExperimentConfig.h"

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <optional>
#include <vector>

namespace dredge {

enum class ChangeSource { Window, Shell, Sweep, Replay };
// Pause and resume change no result: they are requests, never journaled.
enum class ChangeAction { Set, Pause, Resume, Stop };
enum class ChangeState { Requested, Applied, Refused };

struct SettingChange {
    qint64 requestId = 0; // the store's row; 0 until it is stored
    ChangeAction action = ChangeAction::Set;
    QString setting;  // the settings table's name (Set)
    QJsonValue value; // as asked (Set)
    ChangeSource source = ChangeSource::Window;
    QDateTime requested; // UTC
    ChangeState state = ChangeState::Requested;
    // Set: the first epoch (0-based) trained with the new value; Stop: the
    // epochs done when the run stopped. -1 until applied.
    qint64 epoch = -1;
    QJsonValue from, to; // Set, once applied
    QDateTime applied;
    QString message; // why it was refused
};
using RunJournal = std::vector<SettingChange>;

QString changeSourceName(ChangeSource source);
std::optional<ChangeSource> changeSourceFromName(const QString& name);
QString changeActionName(ChangeAction action);
std::optional<ChangeAction> changeActionFromName(const QString& name);
QString changeStateName(ChangeState state);
std::optional<ChangeState> changeStateFromName(const QString& name);

// "lr=3e-4" as a request: the setting exists, may change while a run trains
// and the value is of its kind and range; the error names what is wrong.
std::optional<SettingChange> parseSetRequest(const QString& assignment, ChangeSource source,
                                             QString* error);

// Applies a Set change to `config` at epoch `epoch` (the epochs done): fills
// in from, to and epoch, or says why it cannot apply (not live, out of range,
// fewer epochs than done, a combination the config refuses) and leaves
// `config` as it was.
bool applyChange(ExperimentConfig& config, SettingChange& change, qint64 epoch, QString* error);

// The settings in force at `epoch` of a run that started with `initial`:
// its applied Set changes up to that epoch, in order.
ExperimentConfig configAt(const ExperimentConfig& initial, const RunJournal& journal, qint64 epoch);
// The applied changes only (the journal proper), in the order applied.
RunJournal appliedChanges(const RunJournal& journal);
// Where an applied Stop ended the run; -1 without one.
qint64 stopEpoch(const RunJournal& journal);

// Every epoch's learning rate of a run with its live changes: between two
// changes, the schedule of the settings then in force, replayed over the
// losses as the trainer replays it (LearningRateSchedule).
std::vector<double> learningRates(const ExperimentConfig& initial, const RunJournal& journal,
                                  const std::vector<double>& losses);

// "lr 0.001 → 0.0003 from epoch 800 (shell)", "stopped after 1200 epochs (window)".
QString describeChange(const SettingChange& change);

// A journal in a few words, for a table cell: "lr 0.0003 @800, amp on
// @1500, stop @1700" (applied changes and the stop; empty without any).
QString journalSummary(const RunJournal& journal);

// As `runs show` and experiment files keep it: {"epoch", "setting", "from",
// "to", "source", "time"} (and "action", "state", "message" where they say more).
QJsonObject changeToJson(const SettingChange& change);
std::optional<SettingChange> changeFromJson(const QJsonObject& json, QString* error);

} // namespace dredge
