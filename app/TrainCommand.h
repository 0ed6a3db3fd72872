#pragma once
// `dredge-studio train`: one experiment without a window. Progress goes to
// stderr (a bar on a terminal, plain lines otherwise), the result JSON to --out
// or stdout. Exit status: 0 finished, 2 bad arguments, 3 diverged, 130 stopped
// by SIGINT/SIGTERM, 1 other failures.

#include <QStringList>

namespace dredge {

int runTrainCommand(const QStringList& arguments);

} // namespace dredge
