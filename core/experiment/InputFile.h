#pragma once
// Reading a file the user names (an experiment, a sweep, a token): a regular
// file only, of at most a given size, read once. /dev/zero, a FIFO or a
// folder named by mistake gets a message that says what it is, instead of a
// read that grows without bound or blocks forever.

#include <QByteArray>
#include <QString>
#include <optional>

namespace dredge {

// `what` names the file in messages ("experiment", "sweep file", "token file").
std::optional<QByteArray> readInputFile(const QString& path, qint64 maxBytes, const QString& what,
                                        QString* error);

} // namespace dredge
