#pragma once
// An image run's field drawn as a picture of any size: the field is
// continuous, so the model at a kept epoch is evaluated on a W × H grid over
// the training pixels' extent ([−1, 1]², docs/reference.md §2), its values
// clamped to [0, 1], grey or RGB as the run's outputs.

#include "KeptModel.h"

#include <QImage>
#include <QSize>
#include <optional>

namespace dredge {

// The size the run trained at: its --resize, else its file's own (read from
// the file's header); nothing, with why, where neither is known.
std::optional<QSize> trainedImageSize(const ExperimentConfig& config, QString* error);

// The picture at `size`; nothing, with why, for a run that did not fit an
// image or a size out of range (at most kMaxImagePixels).
std::optional<QImage> fieldPicture(const KeptModel& model, QSize size, QString* error);

} // namespace dredge
