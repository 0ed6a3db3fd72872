#pragma once
// A run's training data as a SHA-256 (hex): the CSV file's bytes for a user's
// signal, else the float32 coordinates then targets as little-endian bytes.
// Two runs with the same fingerprint trained on the same numbers.

#include "DataConfig.h"

#include <QString>
#include <functional>
#include <vector>

namespace dredge {

// Float values handed over a block at a time, in order: calls `take` with
// each block. Rank 0 of a data-parallel run holds its shard alone and makes
// the other points again a block at a time.
using FloatBlockTaker = std::function<void(const float* values, size_t count)>;
using FloatBlocks = std::function<void(const FloatBlockTaker& take)>;

QString dataFingerprint(const DataConfig& data, const FloatBlocks& coords,
                        const FloatBlocks& targets);
QString dataFingerprint(const DataConfig& data, const std::vector<float>& coords,
                        const std::vector<float>& targets);

} // namespace dredge
