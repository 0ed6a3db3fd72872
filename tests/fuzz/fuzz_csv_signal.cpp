// libFuzzer target: the CSV signal loader. Any bytes either give equal-length
// finite columns, or a CsvError naming a line within the input.

#include "CsvSignal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto signal = parseCsvSignal(text);
        if (signal.x.empty() || signal.x.size() != signal.y.size()) {
            std::abort();
        }
        for (size_t i = 0; i < signal.x.size(); ++i) {
            if (!std::isfinite(signal.x[i]) || !std::isfinite(signal.y[i])) {
                std::abort();
            }
        }
    } catch (const CsvError& e) {
        const auto lines = size_t(std::count(text.begin(), text.end(), '\n')) + 1;
        if (e.line() < 0 || size_t(e.line()) > lines) {
            std::abort();
        }
    }
    return 0;
}
