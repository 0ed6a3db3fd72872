#pragma once
// Saving a QCustomPlot as it is shown: PNG at twice its on-screen resolution,
// PDF and SVG as vectors. Errors as bool f(…, QString* error).

#include "LossPlotBar.h"

#include <QString>

class QCustomPlot;

namespace dredge {

bool savePlotImage(QCustomPlot* plot, const QString& path, PlotFile format, QString* error);

// The file-name suffix of each format ("png", "pdf", "svg", "csv").
QString plotFileSuffix(PlotFile format);

} // namespace dredge
