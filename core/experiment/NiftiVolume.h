#pragma once
// NIfTI-1 and NIfTI-2 volumes (.nii, .nii.gz, .hdr/.img pairs) through
// Debian's nifticlib. Plain C++, no Qt: SignalFiles turns a volume into a data
// set's samples; the header check is also a fuzz target
// (tests/fuzz/fuzz_nifti_header.cpp).
//
// Axes follow the .npy volumes': (z, y, x), the last varying fastest, which
// is the order NIfTI stores voxels in, so the values need no reordering.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dredge {

class NiftiError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct NiftiVolume {
    std::vector<int64_t> shape;  // (z, y, x): voxels per spatial axis
    std::vector<double> spacing; // each axis's voxel size, in `units`
    std::string units;           // "mm", "micron", "m", or "" when the file says none
    int64_t fourth = 0;          // entries of a 4th axis (time or values per voxel); 0 = none
    double fourthSpacing = 0;    // its step (dt), as the file gives it
    std::string type;            // the file's value type: "INT16", "FLOAT32", …
    bool spacingGuessed = false; // the file gave no positive voxel sizes: 1 taken
    // Every voxel of the 4th axis's first entry (z, y, x order), then the next;
    // after the file's scaling (scl_slope, scl_inter). Empty until read.
    std::vector<float> values;
};

// The header of an uncompressed NIfTI-1 (348 bytes) or NIfTI-2 (540 bytes)
// file at the start of `bytes`, either byte order. Throws NiftiError saying
// what is wrong.
NiftiVolume parseNiftiHeader(std::string_view bytes);

// A file's header alone (compressed files too): a volume too big to read is
// refused before its values are. Throws NiftiError.
NiftiVolume readNiftiHeader(const std::string& path);

// The header and every value. Throws NiftiError (a type it does not take,
// values missing from the file).
NiftiVolume readNiftiVolume(const std::string& path);

} // namespace dredge
