// libFuzzer target: the experiment-file loader. Any bytes either give a
// document whose config is valid, or an error message; never a crash.

#include "ExperimentFile.h"

#include <cstdint>
#include <cstdlib>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    QString error;
    const auto document =
        parseExperiment(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), &error);
    if (document) {
        if (!validate(document->experiment).empty()) {
            std::abort(); // an accepted experiment must be runnable
        }
    } else if (error.isEmpty()) {
        std::abort(); // a refusal must say why
    }
    return 0;
}
