#pragma once
// Saving a QCustomPlot as it is shown: PNG at twice its on-screen resolution,
// PDF and SVG (QSvgGenerator) as vectors. Errors as bool f(…, QString* error).

#include "LossPlotBar.h"

#include <QString>
#include <optional>

class QCustomPlot;

namespace dredge {

bool savePlotImage(QCustomPlot* plot, const QString& path, PlotFile format, QString* error);

// The file-name suffix of each format ("png", "pdf", "svg", "csv").
QString plotFileSuffix(PlotFile format);
// The format a file name's suffix names, if any.
std::optional<PlotFile> plotFileForSuffix(const QString& suffix);

} // namespace dredge
