#pragma once
// `dredge-studio train`: one experiment without a window. Progress goes to
// stderr (a bar on a terminal, plain lines otherwise), the result JSON to --out
// or stdout. Exit status: 0 finished, 2 bad arguments, 3 diverged, 130 stopped
// by SIGINT/SIGTERM, 1 other failures.

#include "ExperimentConfig.h"

#include <QStringList>
#include <optional>

namespace dredge {

int runTrainCommand(const QStringList& arguments);

// The exit status for each outcome, and back (`sweep` reads its tasks'
// outcomes from them): 0 finished, 3 diverged, 130 stopped, 1 failed. Any
// other status (2: bad arguments, a crash) has no outcome.
int exitCodeOf(RunStatus outcome);
std::optional<RunStatus> outcomeOfExitCode(int code);

} // namespace dredge
