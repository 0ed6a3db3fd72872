#pragma once
// Saving a QCustomPlot as it is shown: PNG at twice its on-screen resolution,
// PDF and SVG (QSvgGenerator) as vectors. Errors as bool f(…, QString* error).

#include "LossPlotBar.h"

#include <QString>
#include <optional>

class QCustomPlot;

namespace dredge {

bool savePlotImage(QCustomPlot* plot, const QString& path, PlotFile format, QString* error);

// What a plot draws as numbers, in long format: `series,x,y` for each point
// of its graphs, `series,x,y,value` for each cell of its colour maps.
bool savePlotCsv(QCustomPlot* plot, const QString& path, QString* error);
// An image or the CSV, by the path's suffix (png, pdf, svg, csv).
bool savePlot(QCustomPlot* plot, const QString& path, QString* error);

// The file-name suffix of each format ("png", "pdf", "svg", "csv").
QString plotFileSuffix(PlotFile format);
// The format a file name's suffix names, if any.
std::optional<PlotFile> plotFileForSuffix(const QString& suffix);

} // namespace dredge
