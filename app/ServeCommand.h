#pragma once
// `dredge-studio serve`: the insight server without a window. Prints
// "listening on http://ADDRESS:PORT" on stdout once bound, logs one line per
// request on stderr, and stops cleanly on SIGINT/SIGTERM. Exit status: 0 after
// a signal, 1 when it cannot listen, 2 for bad arguments.

#include <QStringList>

namespace dredge {

int runServeCommand(const QStringList& arguments);

} // namespace dredge
