#pragma once
// `dredge-studio runs`: the run store from the command line. `list` (a table,
// or JSON with --json; --filter as the History panel's filter box), `show ID`
// (one run as JSON with its history), `export ID... --csv FILE | --json FILE`,
// `delete [--force] ID...` (a running run only with --force, which stops a
// train process on this host first). Exit status: 0 done, 1 the store failed (the reason on
// stderr), 2 bad arguments or an id that names no single run.

#include <QStringList>

namespace dredge {

int runRunsCommand(const QStringList& arguments);

} // namespace dredge
