#pragma once
// `runs set RUN KEY=VALUE...`, `runs pause|resume|stop RUN`: requests left in
// the store for a run training in any process that writes to it. The trainer
// meets the store about once a second, applies or refuses each request at its
// next epoch boundary, and answers in the store; these wait for that answer
// (unless --no-wait) and exit 0 when every request applied, 1 with the reason
// otherwise (refused, the run ended, no answer within --timeout), 2 for a
// request that is wrong in itself (unknown or non-live key, bad value).

#include "RunStore.h"

#include <QStringList>

class QCommandLineParser;

namespace dredge {

bool isRequestVerb(const QString& verb);
// `arguments`: the run id, then (set) KEY=VALUE...
int requestChange(RunStore& store, const QString& verb, const QStringList& arguments,
                  const QCommandLineParser& parser);

} // namespace dredge
