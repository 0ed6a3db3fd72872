// dredge-settings-doc: writes the settings table into the documents that list
// it. Each document holds one marked block (man page: `.\" BEGIN SETTINGS` …
// `.\" END SETTINGS`; Markdown: `<!-- BEGIN SETTINGS -->` … `<!-- END SETTINGS -->`)
// that is the table's option list and nothing else.
//   dredge-settings-doc FILE OUT     FILE with its block made anew, written to OUT
//   dredge-settings-doc --check FILE…  exit 1 naming each FILE whose block is stale
//   dredge-settings-doc --list         a line a setting: its flag, a tab, its default as the man
//   page says it
// The build writes the installed man page with the first form; the suite runs
// the second; `cmake --build build --target update-docs` rewrites the sources.

#include "Settings.h"

#include <QCoreApplication>
#include <QFile>
#include <QSaveFile>
#include <cstdio>
#include <optional>

namespace {

struct Markers {
    QString begin, end, body;
};

Markers markersFor(const QString& path) {
    if (path.endsWith(QLatin1String(".md"))) {
        return {QStringLiteral("<!-- BEGIN SETTINGS"), QStringLiteral("<!-- END SETTINGS -->"),
                dredge::settingsMarkdown()};
    }
    return {QStringLiteral(".\\\" BEGIN SETTINGS"), QStringLiteral(".\\\" END SETTINGS"),
            dredge::settingsManPage()};
}

// The file's text with the block between its markers made anew.
std::optional<QString> filled(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QString text = QString::fromUtf8(file.readAll());
    const Markers m = markersFor(path);
    const auto begin = text.indexOf(m.begin);
    const auto afterBegin = begin < 0 ? -1 : text.indexOf(u'\n', begin);
    const auto end = afterBegin < 0 ? -1 : text.indexOf(m.end, afterBegin);
    if (end < 0) {
        *error = QStringLiteral("%1 has no block between '%2' and '%3'").arg(path, m.begin, m.end);
        return std::nullopt;
    }
    return text.left(afterBegin + 1) + m.body + text.mid(end);
}

int fail(const QString& message) {
    std::fprintf(stderr, "dredge-settings-doc: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    if (args == QStringList{QStringLiteral("--list")}) {
        for (const auto& s : dredge::settings()) {
            // "(default 0.001)" as the man page says it: "Default 0.001."
            QString text = dredge::defaultText(s).mid(1).chopped(1);
            if (!text.isEmpty()) {
                text = u'D' + text.mid(1) + u'.';
            }
            std::printf("--%s\t%s\n", qPrintable(s.name), qPrintable(text));
        }
        return 0;
    }
    if (args.size() >= 2 && args.first() == QLatin1String("--check")) {
        int stale = 0;
        for (const auto& path : args.mid(1)) {
            QString error;
            QFile file(path);
            const auto text = filled(path, &error);
            if (!text || !file.open(QIODevice::ReadOnly)) {
                return fail(error.isEmpty() ? file.errorString() : error);
            }
            if (QString::fromUtf8(file.readAll()) != *text) {
                std::fprintf(stderr,
                             "%s: its settings list is not the settings table's; run "
                             "'cmake --build build --target update-docs'\n",
                             qPrintable(path));
                ++stale;
            }
        }
        return stale == 0 ? 0 : 1;
    }
    if (args.size() != 2) {
        return fail(QStringLiteral("usage: dredge-settings-doc FILE OUT | --check FILE..."));
    }
    QString error;
    const auto text = filled(args[0], &error);
    if (!text) {
        return fail(error);
    }
    QSaveFile out(args[1]);
    const QByteArray bytes = text->toUtf8();
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit()) {
        return fail(QStringLiteral("cannot write %1: %2").arg(args[1], out.errorString()));
    }
    return 0;
}
