#pragma once
// The user's own signal files, read into the samples numerics trains on
// (SampledSignal): images through Qt's image readers (PNG, JPEG, GIF, BMP,
// and what else the installed plugins read). Numerics reads no image formats;
// whoever starts a run reads its files first (readDataFiles).

#include "DataConfig.h"

#include <QString>
#include <optional>

namespace dredge {

// More pixels than this are refused unless resized: 2^25, the largest data
// set a config may describe (4096 × 8192).
constexpr qint64 kMaxImagePixels = qint64(1) << 25;

// The image at `path` as samples on [−1, 1]² (rows down the first axis),
// values in [0, 1]: images of greys alone give one channel, others three (alpha
// dropped, which the description says). `resize` is "WxH" or empty. The
// error names the file and what is wrong with it.
std::optional<SampledSignal> readImageSignal(const QString& path, const QString& resize,
                                             QString* error);

// The volume at `path`: NIfTI-1/2 (.nii, .nii.gz, .hdr/.img, through
// nifticlib, its scaling applied) or NumPy (.npy: float32/64, uint8/16,
// int16, C order); 3-D (z, y, x) or 4-D with the 4th axis as values per voxel
// or as instants (t from 0 to 2, as the packets'). The longest physical axis
// spans [−1, 1], the others in proportion: NIfTI's voxel sizes are respected,
// .npy voxels are cubes. Intensities are scaled from their range to [0, 1],
// which the description states. The error names the file and what is wrong
// (a NaN names its voxel).
std::optional<SampledSignal> readVolumeSignal(const QString& path, FourthAxis fourth,
                                              QString* error);

// The sound at `path` through libsndfile (WAV, FLAC, Ogg, AIFF, …): mono
// gives one channel, stereo two, its samples as the file has them (integer
// formats on [−1, 1]); the time of its first sample taken is −1, of its last
// 1; `span` is "A:B" seconds or empty for all. The error names the file and
// what is wrong.
std::optional<SampledSignal> readAudioSignal(const QString& path, const QString& span,
                                             QString* error);

// A table is read whole: larger files are refused, to be sampled first.
constexpr qint64 kMaxTableBytes = qint64(1) << 30;

// The table at `path`: a CSV file (commas, semicolons or tabs) whose first
// line names its columns; blank lines and # comments are skipped. `inputs`
// and `outputs` name its columns (comma-separated); an input named t is each
// row's time. Scattered points: one per row, as the file has them. The error
// names the file, and the line and column where a value is no number.
std::optional<SampledSignal> readTableSignal(const QString& path, const QString& inputs,
                                             const QString& outputs, QString* error);

// Reads the file the data names, once (data.samples set already: nothing to
// do). True for data sets that name no file to read here.
bool readDataFiles(DataConfig& data, QString* error);

// The file a data set came from, or empty (the generated ones).
QString dataSourceFile(const DataConfig& data);
// Names `path` as that file (nothing for the generated data sets).
void setDataSourceFile(DataConfig& data, const QString& path);

// The data set a file would be, by its name (images: also by contents):
// volumes .nii, .nii.gz, .npy; sounds .wav, .flac, …; tables .csv, .tsv;
// what Qt's image readers take. Nothing for anything else.
std::optional<DataKind> dataKindOfFile(const QString& path);

// `data` set to fit the file at `path` (File → Open data…): its data set,
// its path, and for a table every column but the last as inputs and the
// last as output (a CSV file of two columns is the 1-D CSV signal); the file
// read once, so a bad one is refused here, naming it. `data` is left as it
// was on failure.
bool chooseDataFile(DataConfig& data, const QString& path, QString* error);

} // namespace dredge
