#include "PlotFiles.h"

#include "QCustomPlotInclude.h"
#include <QBuffer>
#include <QSaveFile>
#include <QSvgGenerator>
#include <array>

namespace dredge {
namespace {

// Drawn into memory first, so a failed write leaves no half-written file.
bool saveSvg(QCustomPlot* plot, const QString& path, QString* error) {
    QBuffer svg;
    svg.open(QIODevice::WriteOnly);
    QSvgGenerator generator;
    generator.setOutputDevice(&svg);
    generator.setSize(plot->size());
    generator.setViewBox(QRect(QPoint(0, 0), plot->size()));
    generator.setTitle(plot->windowTitle());
    {
        QCPPainter painter(&generator);
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        plot->toPainter(&painter, plot->width(), plot->height());
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(svg.data()) < 0 || !file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace

std::optional<PlotFile> plotFileForSuffix(const QString& suffix) {
    for (auto format : {PlotFile::Png2x, PlotFile::Pdf, PlotFile::Svg, PlotFile::Csv}) {
        if (suffix.compare(plotFileSuffix(format), Qt::CaseInsensitive) == 0) {
            return format;
        }
    }
    return std::nullopt;
}

QString plotFileSuffix(PlotFile format) {
    constexpr std::array<const char*, 4> kSuffixes{"png", "pdf", "svg", "csv"}; // by PlotFile
    return QLatin1String(kSuffixes[size_t(format)]);
}

bool savePlotImage(QCustomPlot* plot, const QString& path, PlotFile format, QString* error) {
    bool ok = false;
    switch (format) {
    case PlotFile::Png2x:
        ok = plot->savePng(path, plot->width(), plot->height(), 2.0);
        break;
    case PlotFile::Pdf:
        ok = plot->savePdf(path, plot->width(), plot->height(), QCP::epNoCosmetic);
        break;
    case PlotFile::Svg:
        return saveSvg(plot, path, error);
    case PlotFile::Csv:
        *error = QStringLiteral("a CSV is not an image");
        return false;
    }
    if (!ok) {
        *error = QStringLiteral("could not write %1").arg(path);
    }
    return ok;
}

} // namespace dredge
