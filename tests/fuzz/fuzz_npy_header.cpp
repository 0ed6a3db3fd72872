// libFuzzer target: the .npy reader. Any bytes either give a header whose
// shape has values, whose values start within what it read, and whose values
// read as many floats as the shape holds (or say they are truncated), or an
// NpyError; never a crash, a hang or an over-read.

#include "NpyArray.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto header = parseNpyHeader(bytes);
        if (header.shape.empty() || header.elements() < 1 || header.headerBytes > size) {
            std::abort();
        }
        if (header.elements() <= (int64_t(1) << 20)) { // the read itself, where it is small
            const auto values = npyValues(header, bytes);
            if (int64_t(values.size()) != header.elements()) {
                std::abort();
            }
        }
    } catch (const NpyError&) {
    }
    return 0;
}
