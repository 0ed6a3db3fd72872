#include "PlotLegend.h"

#include "QCustomPlotInclude.h"

#include <algorithm>

namespace dredge {
namespace {

// In the axis rect's row (a title row may stand above it), a column of its own.
void addBesideAxisRect(QCustomPlot* plot) {
    auto* layout = plot->plotLayout();
    int row = 0;
    for (int i = 0; i < layout->elementCount(); ++i) {
        if (layout->elementAt(i) == plot->axisRect()) {
            int column = 0;
            layout->indexToRowCol(i, row, column);
        }
    }
    const int column = layout->columnCount();
    layout->addElement(row, column, plot->legend);
    layout->setColumnStretchFactor(column, 0.001); // as wide as its entries
}

} // namespace

void placeLegendOutside(QCustomPlot* plot, Qt::Alignment side) {
    auto* legend = plot->legend;
    plot->axisRect()->insetLayout()->take(legend);
    plot->axisRect()->insetLayout()->simplify();
    auto* layout = plot->plotLayout();
    if (side & Qt::AlignTop) {
        layout->insertRow(0);
        layout->addElement(0, 0, legend);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        layout->setRowStretchFactor(0, 0.001); // as tall as its entries
    } else {
        addBesideAxisRect(plot);
    }
    legend->setMargins(QMargins(4, 2, 4, 2));
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
}

bool fitLegend(QCustomPlot* plot) {
    auto* legend = plot->legend;
    auto* layout = plot->plotLayout();
    bool fits = legend->itemCount() > 0;
    if (fits) {
        const int rowHeight =
            legend->item(0)->minimumOuterSizeHint().height() + legend->rowSpacing();
        // The axis rect's height: the plot's, less the tick and axis labels below.
        const int room = plot->height() - 48;
        fits = legend->itemCount() * rowHeight + legend->margins().top() +
                   legend->margins().bottom() <=
               room;
    }
    // A hidden legend would still hold its column: out of the layout it goes.
    const bool placed = legend->layout() == layout;
    if (fits && !placed) {
        addBesideAxisRect(plot);
    } else if (!fits && placed) {
        layout->take(legend);
        layout->simplify();
    }
    legend->setVisible(fits);
    return fits;
}

QString legendText(const QCustomPlot* plot, const QString& name) {
    // A quarter of the plot, at least 12 characters' worth.
    const QFontMetrics metrics(plot->legend->font());
    const int width = std::max(plot->width() / 4, metrics.averageCharWidth() * 12);
    return metrics.elidedText(name, Qt::ElideMiddle, width);
}

} // namespace dredge
