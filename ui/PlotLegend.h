#pragma once
// Legends beside or above a plot, never over its data: a legend inside the
// axis rect grows with every run and by seven or eight covers half the curves.

#include <Qt>

class QCustomPlot;
class QString;

namespace dredge {

// Moves the legend out of the first axis rect into a cell of its own: to the
// right of it (Qt::AlignRight, entries in a column), or in a row above the
// whole layout (Qt::AlignTop, entries side by side).
void placeLegendOutside(QCustomPlot* plot, Qt::Alignment side);

// A legend beside the plot shows while its entries fit the plot's height in
// one column; with more it collapses (the runs table names every colour).
// Returns whether it shows. Call before a replot when entries or size change.
bool fitLegend(QCustomPlot* plot);

// A legend entry's text, elided in the middle to the width a legend beside
// the plot may take (the full name is in the hover and the runs table).
QString legendText(const QCustomPlot* plot, const QString& name);

} // namespace dredge
