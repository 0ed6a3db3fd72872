#pragma once
// What this build runs on, for `--version`, Help → About and bug reports: the
// app's version and the Qt, LibTorch, OpenSSL and SQLite versions in use (the
// libraries loaded now, not the headers built against), and whether CUDA is
// available.

#include <QString>

namespace dredge {

struct VersionInfo {
    QString app;
    QString qt;
    QString torch;
    QString openssl;
    QString sqlite; // through Qt's SQLite driver; "not installed" without it
    bool cuda = false;
};

VersionInfo versionInfo();
// "DREDGE Studio 0.1.0" and one line per library.
QString versionReport(const VersionInfo& info);

} // namespace dredge
