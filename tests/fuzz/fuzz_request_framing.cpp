// libFuzzer target: the insight server's HTTP framing (RequestFraming) from
// raw connection bytes. The first input byte picks where the bytes are split
// into two reads (a verdict must not depend on the split) and whether a token
// is required. Every refusal must carry a known status and a reason; no head
// or body limit may be passed without one.

#include "RequestFraming.h"

#include <cstdint>
#include <cstdlib>

using namespace dredge;

namespace {

std::optional<FramingRefusal> frame(QByteArrayView bytes, qsizetype split, bool token) {
    FramingLimits limits{256, 8, 512, token ? QByteArray("secret-token-0123") : QByteArray()};
    RequestFramer framer(limits);
    if (auto refusal = framer.feed(bytes.first(split))) {
        return refusal;
    }
    return framer.feed(bytes.sliced(split));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const QByteArrayView bytes(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    const bool token = data[0] & 1;
    const auto split = qsizetype(data[0] >> 1) % (bytes.size() + 1);
    const auto whole = frame(bytes, 0, token);
    const auto twoReads = frame(bytes, split, token);
    if (bool(whole) != bool(twoReads) ||
        (whole && (whole->status != twoReads->status || whole->reason != twoReads->reason))) {
        std::abort(); // the verdict depended on how the bytes arrived
    }
    if (whole) {
        static constexpr int kStatuses[] = {400, 401, 413, 431, 501, 505};
        if (std::find(std::begin(kStatuses), std::end(kStatuses), whole->status) ==
                std::end(kStatuses) ||
            whole->reason.isEmpty()) {
            std::abort();
        }
    }
    return 0;
}
