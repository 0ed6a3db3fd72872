#pragma once
// `dredge-studio train`'s options and the run they describe, read without
// running anything (the command, its man page check and the argument fuzzer
// share them). Flags override an --experiment file or a --sweep task.

#include "ExperimentConfig.h"
#include "Sweep.h"

#include <QCommandLineParser>
#include <optional>

namespace dredge {

struct TrainArguments {
    ExperimentConfig config;
    std::optional<SweepTask> task; // with --sweep: the task --task names
    QString sweepName;
    // The task's successive halving (asha; hyperband: its bracket's), if any.
    std::optional<SuccessiveHalving> halving;
    std::optional<SweepSpec> sweep; // with --sweep: the file's sweep
};

void addTrainOptions(QCommandLineParser& parser);
// Arguments in today's spelling: an earlier one (--clip N) rewritten; call
// before parsing.
QStringList withCurrentFlagNames(QStringList arguments);

// The run the parsed options describe, starting from `base` (a resumed run's
// config) or the defaults; false with the reason when they describe none (a
// bad value, a config that does not validate).
bool readTrainArguments(const QCommandLineParser& parser, TrainArguments* out, QString* error,
                        const ExperimentConfig* base = nullptr);
// A tpe sweep's pending task, once the store proposed its setting: the
// run becomes that task (flags still override it).
bool takeProposedTask(const QCommandLineParser& parser, TrainArguments* run, SweepTask proposed,
                      QString* error);

// A fork's run: its parent's config (as it trained up to the fork), flags
// still overriding it.
bool takeForkedConfig(const QCommandLineParser& parser, TrainArguments* run,
                      const ExperimentConfig& parent, QString* error);

} // namespace dredge
