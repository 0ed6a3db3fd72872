#pragma once
// A run's training data as a SHA-256 (hex): the CSV file's bytes for a user's
// signal, else the float32 coordinates then targets as little-endian bytes.
// Two runs with the same fingerprint trained on the same numbers.

#include "DataConfig.h"

#include <QString>
#include <vector>

namespace dredge {

QString dataFingerprint(const DataConfig& data, const std::vector<float>& coords,
                        const std::vector<float>& targets);

} // namespace dredge
