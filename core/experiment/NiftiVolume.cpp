#include "NiftiVolume.h"

#include <nifti2_io.h>

#include <cmath>
#include <cstring>
#include <memory>

namespace dredge {

namespace {

struct ImageFree {
    void operator()(nifti_image* image) const { nifti_image_free(image); }
};
using ImagePtr = std::unique_ptr<nifti_image, ImageFree>;

// nifticlib prints its own complaints to stderr unless told not to; every
// failure here becomes a NiftiError that names the file instead.
void quietLibrary() {
    static const bool quiet = [] {
        nifti_set_debug_level(0);
        return true;
    }();
    (void)quiet;
}

std::string unitsName(int code) {
    switch (code) {
    case NIFTI_UNITS_METER:
        return "m";
    case NIFTI_UNITS_MM:
        return "mm";
    case NIFTI_UNITS_MICRON:
        return "micron";
    default:
        return "";
    }
}

// Only a positive, finite size is one; a file that gives none gets 1.
double voxelSize(double size, bool* guessed) {
    if (std::isfinite(size) && size > 0) {
        return size;
    }
    *guessed = true;
    return 1.0;
}

NiftiVolume layoutOf(const nifti_image& image) {
    if (image.ndim < 3 || image.nx < 1 || image.ny < 1 || image.nz < 2) {
        throw NiftiError("it has " + std::to_string(image.ndim) +
                         " axes of more than one voxel; a volume has 3 (x, y, z) or 4 "
                         "(a picture is --image)");
    }
    if (image.ndim > 4) {
        throw NiftiError("it has " + std::to_string(image.ndim) +
                         " axes; a volume has 3 (x, y, z) or 4");
    }
    NiftiVolume volume;
    volume.shape = {image.nz, image.ny, image.nx};
    volume.spacing = {voxelSize(image.dz, &volume.spacingGuessed),
                      voxelSize(image.dy, &volume.spacingGuessed),
                      voxelSize(image.dx, &volume.spacingGuessed)};
    volume.units = unitsName(image.xyz_units);
    if (image.ndim == 4) {
        volume.fourth = image.nt;
        volume.fourthSpacing = std::isfinite(image.dt) ? image.dt : 0.0;
    }
    const char* type = nifti_datatype_string(image.datatype);
    volume.type = type ? type : "type " + std::to_string(image.datatype);
    return volume;
}

template <typename T>
void widen(const void* data, int64_t count, std::vector<float>& out) {
    const auto* values = static_cast<const T*>(data);
    for (int64_t i = 0; i < count; ++i) {
        out[size_t(i)] = float(values[i]);
    }
}

// The file's values as float, scaled as its header says. `data` holds them
// in this machine's byte order.
std::vector<float> valuesOf(const nifti_image& image, const void* data) {
    using Widen = void (*)(const void*, int64_t, std::vector<float>&);
    struct Kind {
        int datatype;
        Widen widen;
    };
    static constexpr Kind kinds[] = {
        {DT_UINT8, widen<uint8_t>},   {DT_INT8, widen<int8_t>},     {DT_INT16, widen<int16_t>},
        {DT_UINT16, widen<uint16_t>}, {DT_INT32, widen<int32_t>},   {DT_UINT32, widen<uint32_t>},
        {DT_INT64, widen<int64_t>},   {DT_UINT64, widen<uint64_t>}, {DT_FLOAT32, widen<float>},
        {DT_FLOAT64, widen<double>},
    };
    std::vector<float> values(size_t(image.nvox));
    bool known = false;
    for (const auto& kind : kinds) {
        if (kind.datatype == image.datatype) {
            kind.widen(data, image.nvox, values);
            known = true;
        }
    }
    if (!known) {
        throw NiftiError(std::string("its values are ") + nifti_datatype_string(image.datatype) +
                         "; a volume's are integers or reals (one value per voxel)");
    }
    // NIfTI: a slope of 0 means the values are as stored.
    if (image.scl_slope != 0 && std::isfinite(image.scl_slope) && std::isfinite(image.scl_inter) &&
        (image.scl_slope != 1 || image.scl_inter != 0)) {
        for (auto& v : values) {
            v = float(double(v) * image.scl_slope + image.scl_inter);
        }
    }
    return values;
}

template <typename Header>
Header headerAt(std::string_view bytes) {
    Header header;
    std::memcpy(&header, bytes.data(), sizeof header);
    return header;
}

int32_t swapped(int32_t v) {
    const auto u = uint32_t(v);
    return int32_t((u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) | (u << 24));
}

// nifticlib trusts dim[0], the number of axes: a header saying 768 walks its
// converter's loops off the stack (found by tests/fuzz/fuzz_nifti_header.cpp,
// with an ANALYZE header in the other byte order). So the header reaches it
// in this machine's byte order, with a NIfTI magic and 1 to 7 axes.
template <typename Header>
Header checkedHeader(Header header, bool swap, const char* magics, void (*swapAll)(Header*)) {
    if (swap) {
        swapAll(&header);
    }
    if (std::memcmp(header.magic, magics, 4) != 0 &&
        std::memcmp(header.magic, magics + 4, 4) != 0) {
        throw NiftiError("it has no NIfTI magic (an ANALYZE 7.5 header is not read: convert it "
                         "to NIfTI)");
    }
    if (header.dim[0] < 1 || header.dim[0] > 7) {
        throw NiftiError("its NIfTI header is damaged (it says " +
                         std::to_string(int64_t(header.dim[0])) +
                         " axes, a NIfTI file has 1 to 7)");
    }
    return header;
}

// The first bytes of a file, uncompressed (.gz through nifticlib's znzlib):
// enough for either header.
std::string headerBytesOf(const std::string& path) {
    const bool gzipped = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    znzFile file = znzopen(path.c_str(), "rb", gzipped ? 1 : 0);
    if (znz_isnull(file)) {
        throw NiftiError("it cannot be opened");
    }
    std::string bytes(sizeof(nifti_2_header), '\0');
    bytes.resize(znzread(bytes.data(), 1, bytes.size(), file));
    znzclose(file);
    return bytes;
}

// The header read from disk, checked before nifticlib reads it again.
ImagePtr imageOf(const std::string& path) {
    parseNiftiHeader(headerBytesOf(path));
    ImagePtr image(nifti_image_read(path.c_str(), 0));
    if (!image) {
        throw NiftiError("it is no NIfTI file, or its header is damaged");
    }
    return image;
}

} // namespace

NiftiVolume parseNiftiHeader(std::string_view bytes) {
    quietLibrary();
    int32_t size = 0;
    if (bytes.size() >= sizeof size) {
        std::memcpy(&size, bytes.data(), sizeof size);
    }
    ImagePtr image;
    if ((size == 348 || swapped(size) == 348) && bytes.size() >= sizeof(nifti_1_header)) {
        const auto header = checkedHeader(headerAt<nifti_1_header>(bytes), size != 348,
                                          "n+1\0ni1\0", nifti_swap_as_nifti1);
        image.reset(nifti_convert_n1hdr2nim(header, nullptr));
    } else if ((size == 540 || swapped(size) == 540) && bytes.size() >= sizeof(nifti_2_header)) {
        const auto header = checkedHeader(headerAt<nifti_2_header>(bytes), size != 540,
                                          "n+2\0ni2\0", nifti_swap_as_nifti2);
        image.reset(nifti_convert_n2hdr2nim(header, nullptr));
    } else {
        throw NiftiError("it is no NIfTI file (no NIfTI-1 or NIfTI-2 header at its start)");
    }
    if (!image) {
        throw NiftiError("its NIfTI header is damaged (dimensions or value type not valid)");
    }
    return layoutOf(*image);
}

NiftiVolume readNiftiHeader(const std::string& path) {
    return layoutOf(*imageOf(path));
}

// The voxels' bytes as the file has them, in this machine's byte order.
// Read here rather than by nifti_image_load, which sets NaN and infinite
// voxels to 0 without a word: a NaN must be named, not fitted as 0.
std::vector<char> rawValuesOf(const nifti_image& image) {
    std::vector<char> bytes(size_t(image.nvox) * size_t(image.nbyper));
    const std::string name = image.iname ? image.iname : "";
    znzFile file = znzopen(name.c_str(), "rb", nifti_is_gzfile(name.c_str()));
    if (znz_isnull(file)) {
        throw NiftiError("its values' file " + name + " cannot be opened");
    }
    const bool read = znzseek(file, image.iname_offset, SEEK_SET) >= 0 &&
                      znzread(bytes.data(), 1, bytes.size(), file) == bytes.size();
    znzclose(file);
    if (!read) {
        throw NiftiError("its values cannot be read: the file is truncated or damaged (its "
                         "header says " +
                         std::to_string(image.nvox) + " values of " + std::to_string(image.nbyper) +
                         " bytes)");
    }
    if (image.byteorder != nifti_short_order() && image.swapsize > 1) {
        nifti_swap_Nbytes(image.nvox * image.nbyper / image.swapsize, image.swapsize, bytes.data());
    }
    return bytes;
}

NiftiVolume readNiftiVolume(const std::string& path) {
    const ImagePtr image = imageOf(path);
    auto volume = layoutOf(*image);
    volume.values = valuesOf(*image, rawValuesOf(*image).data());
    return volume;
}

} // namespace dredge
