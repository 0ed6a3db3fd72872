// libFuzzer target: a run's config as read back from the store's `config`
// column, which another version, a hand edit or a damaged file may have
// written. Any bytes give a config and, unless it was read whole, a reason;
// never a crash. A config read whole, written back, reads as itself.

#include "StoredConfig.h"

#include <cstdint>
#include <cstdlib>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    QString problem;
    const auto config = configFromColumn(
        QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), &problem);
    if (!problem.isEmpty()) {
        return 0; // unreadable: defaults, and the reason shown with the run
    }
    if (!validate(config).empty()) {
        std::abort(); // a config read whole must be runnable
    }
    QString again;
    const QByteArray written = configColumn(config);
    if (configColumn(configFromColumn(written, &again)) != written || !again.isEmpty()) {
        std::abort();
    }
    return 0;
}
