#pragma once
// Ticks for a logarithmic loss axis: a labelled major tick at every power of
// ten in view (10⁻¹, 10⁻², …) and unlabelled minor ticks at 2…9 times each.
// QCustomPlot's own log ticker picks a few "nice" values instead, so that a
// narrow range gets crowded labels (1.5·10⁻¹, 1.3·10⁻¹, …) and the lower
// decades of a wide one go unlabelled. Zoomed inside one decade, 2 and 5
// times it are labelled too, then every multiple, and within two neighbouring
// multiples evenly spaced values: there is always a scale to read.

#include "QCustomPlotInclude.h"

namespace dredge {

class DecadeTicker : public QCPAxisTicker {
public:
    // "10⁻³", "2·10⁻³", "1", "10": the exponent as superscript digits.
    static QString label(double tick);

protected:
    int getSubTickCount(double) override { return 8; } // any > 0: the sub-ticks are ours
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override;
    QVector<double> createSubTickVector(int subTickCount, const QVector<double>& ticks) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar,
                         int precision) override;

private:
    bool linear_ = false; // the view lies within two neighbouring multiples
};

} // namespace dredge
