#pragma once
// A sound or volume run's field sampled afresh, at any rate or resolution:
// the field is continuous, so the model at a kept epoch is evaluated on a
// finer (or coarser) grid over the extent it trained on (docs/reference.md
// §2). The run's file is read again for that extent and the sound's rate.

#include "KeptModel.h"

#include <QByteArray>
#include <QSize>
#include <optional>
#include <vector>

namespace dredge {

struct FieldSound {
    std::vector<float> samples; // [frames × channels], interleaved
    int channels = 1;
    int rate = 0;       // Hz
    double seconds = 0; // how long: the part of the file the run trained on
};

// The field of a sound run at `rate` Hz (0: its file's own rate times
// `rateScale`) over the part it trained on; nothing, with why, for another
// run or a file no longer there.
std::optional<FieldSound> fieldSound(const KeptModel& model, int rate, QString* error,
                                     double rateScale = 1.0);

// `sound` as a 16-bit WAV file (values clipped to [−1, 1]).
bool writeWav(const FieldSound& sound, const QString& path, QString* error);

// The field of a volume run on a grid `scale` times as fine along each axis
// as its voxels, as a .npy file of float32 (z, y, x), with a last axis for
// several values per voxel or for the instants of a 4th axis of time. The
// values are on the scale the run fitted (intensities scaled to [0, 1]).
std::optional<QByteArray> fieldVolumeNpy(const KeptModel& model, double scale, QString* error);

// The file a field is sampled to, which follows the run's data: a picture
// for an image, a sound for a sound, a NumPy array for a volume.
enum class FieldFile { Png, Wav, Npy };

// The file for runs on `kind`'s data; nothing for the other data sets.
std::optional<FieldFile> fieldFileFor(DataKind kind);

struct FieldExport {
    FieldFile file = FieldFile::Png;
    double scale = 1.0; // times as fine as the run's pixels, voxels or samples
    QSize size;         // PNG: this size instead of `scale` (empty: scale)
    int rate = 0;       // WAV: Hz (0: the file's own times `scale`)
};

// Samples `model`'s field as `request` says and writes it to `path`, whole or
// not at all; what was written, in words, or nothing with why. *refused
// (when given) tells a request that does not fit the run (another data kind,
// a size out of range, its file gone) from a file that cannot be written.
std::optional<QString> exportField(const KeptModel& model, const FieldExport& request,
                                   const QString& path, QString* error, bool* refused = nullptr);

} // namespace dredge
