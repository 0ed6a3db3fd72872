#pragma once
// A TrainingCheckpoint as the store keeps it (the checkpoints table's state
// column): a tag and version, then every number little-endian, doubles as
// IEEE 754 binary64, so that a resumed run continues bit for bit on any host.

#include "TrainingCheckpoint.h"

#include <QByteArray>
#include <QString>

namespace dredge {

QByteArray encodeCheckpoint(const TrainingCheckpoint& checkpoint);
// False with the reason for bytes that are not a whole checkpoint.
bool decodeCheckpoint(const QByteArray& bytes, TrainingCheckpoint* checkpoint, QString* error);

} // namespace dredge
