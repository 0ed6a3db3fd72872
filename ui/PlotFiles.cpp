#include "PlotFiles.h"

#include "QCustomPlotInclude.h"
#include <QBuffer>
#include <QFileInfo>
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

namespace {

QByteArray csvField(const QString& text) {
    QString quoted = text;
    quoted.replace(u'"', QStringLiteral("\"\""));
    return (text.contains(u',') || text.contains(u'"') ? u'"' + quoted + u'"' : text).toUtf8();
}

void appendGraphs(QCustomPlot* plot, QByteArray& out) {
    for (int g = 0; g < plot->graphCount(); ++g) {
        const auto* graph = plot->graph(g);
        const auto name = csvField(graph->name());
        for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
            out += name + ',' + QByteArray::number(it->key, 'g', 9) + ',' +
                   QByteArray::number(it->value, 'g', 9) + '\n';
        }
    }
}

void appendColorMaps(QCustomPlot* plot, QByteArray& out) {
    for (int i = 0; i < plot->plottableCount(); ++i) {
        auto* map = qobject_cast<QCPColorMap*>(plot->plottable(i));
        if (!map) {
            continue;
        }
        const auto name = csvField(map->name());
        auto* data = map->data(); // cell() is not const in QCustomPlot 2.1
        for (int a = 0; a < data->keySize(); ++a) {
            for (int u = 0; u < data->valueSize(); ++u) {
                double x = 0, y = 0;
                data->cellToCoord(a, u, &x, &y);
                out += name + ',' + QByteArray::number(x, 'g', 9) + ',' +
                       QByteArray::number(y, 'g', 9) + ',' +
                       QByteArray::number(data->cell(a, u), 'g', 9) + '\n';
            }
        }
    }
}

} // namespace

bool savePlotCsv(QCustomPlot* plot, const QString& path, QString* error) {
    QByteArray out = "series,x,y,value\n";
    appendGraphs(plot, out);
    appendColorMaps(plot, out);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(out) != out.size() || !file.commit()) {
        *error = QStringLiteral("could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool savePlot(QCustomPlot* plot, const QString& path, QString* error) {
    const auto format = plotFileForSuffix(QFileInfo(path).suffix().toLower());
    if (!format) {
        *error = QStringLiteral("%1: name a .png, .pdf, .svg or .csv file").arg(path);
        return false;
    }
    return *format == PlotFile::Csv ? savePlotCsv(plot, path, error)
                                    : savePlotImage(plot, path, *format, error);
}

} // namespace dredge
