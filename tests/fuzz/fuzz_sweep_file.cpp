// libFuzzer target: sweep files. Any bytes either give a sweep whose every
// task is a runnable experiment, or an error message; never a crash. An
// accepted sweep written back (toJson) reads as the same sweep: the store and
// Slurm tasks rely on that to expand it identically.

#include "Sweep.h"

#include <QJsonDocument>
#include <cstdint>
#include <cstdlib>

using namespace dredge;

namespace {

QByteArray written(const SweepSpec& spec) {
    return QJsonDocument(toJson(spec)).toJson(QJsonDocument::Compact);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    QString error;
    const auto spec =
        parseSweep(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)), &error);
    if (!spec) {
        if (error.isEmpty()) {
            std::abort(); // a refusal must say why
        }
        return 0;
    }
    const auto tasks = expandSweep(*spec, &error);
    if (!tasks) {
        if (error.isEmpty()) {
            std::abort();
        }
        return 0;
    }
    for (const auto& task : *tasks) {
        if (!validate(task.config).empty()) {
            std::abort(); // every run a sweep starts must be runnable
        }
    }
    const auto again = parseSweep(written(*spec), &error);
    if (!again || written(*again) != written(*spec)) {
        std::abort(); // written back, it must read as itself
    }
    return 0;
}
