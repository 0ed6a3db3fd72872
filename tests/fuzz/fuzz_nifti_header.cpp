// libFuzzer target: the NIfTI header check. Any bytes either give a volume
// of 3 spatial axes of at least one voxel, positive voxel sizes and a named
// value type, or a NiftiError; never a crash, a hang or an over-read.

#include "NiftiVolume.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto volume =
            parseNiftiHeader(std::string_view(reinterpret_cast<const char*>(data), size));
        if (volume.shape.size() != 3 || volume.spacing.size() != 3 || volume.type.empty() ||
            volume.fourth < 0) {
            std::abort();
        }
        for (size_t a = 0; a < 3; ++a) {
            if (volume.shape[a] < 1 || !(volume.spacing[a] > 0)) {
                std::abort();
            }
        }
    } catch (const NiftiError&) {
    }
    return 0;
}
