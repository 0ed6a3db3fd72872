// libFuzzer target: the `train` command's argument parsing. The input is split
// at newlines into arguments after the program name. Any arguments either
// describe a runnable experiment or are refused with a reason; never a crash.

#include "TrainArguments.h"

#include <QCommandLineParser>
#include <cstdint>
#include <cstdlib>

using namespace dredge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    QStringList arguments{QStringLiteral("dredge-studio")};
    arguments += text.split(u'\n');
    QCommandLineParser parser;
    addTrainOptions(parser);
    if (!parser.parse(withCurrentFlagNames(arguments))) {
        if (parser.errorText().isEmpty()) {
            std::abort();
        }
        return 0;
    }
    TrainArguments run;
    QString error;
    if (!readTrainArguments(parser, &run, &error)) {
        if (error.isEmpty()) {
            std::abort(); // a refusal must say why
        }
        return 0;
    }
    if (!validate(run.config).empty()) {
        std::abort(); // accepted arguments must describe a runnable experiment
    }
    return 0;
}
