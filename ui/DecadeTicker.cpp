#include "DecadeTicker.h"

#include <algorithm>
#include <cmath>

namespace dredge {
namespace {

QString superscript(int exponent) {
    static const QChar digits[] = {u'⁰', u'¹', u'²', u'³', u'⁴', u'⁵', u'⁶', u'⁷', u'⁸', u'⁹'};
    QString text = exponent < 0 ? QStringLiteral("⁻") : QString();
    for (const QChar c : QString::number(std::abs(exponent))) {
        text += digits[c.digitValue()];
    }
    return text;
}

// The decade of a positive value and its mantissa in [1, 10), robust to the
// rounding of pow(10, k) · m.
std::pair<int, int> decadeAndMantissa(double value) {
    int exponent = int(std::floor(std::log10(value) + 1e-9));
    int mantissa = int(std::lround(value / std::pow(10.0, exponent)));
    if (mantissa >= 10) {
        ++exponent;
        mantissa = 1;
    }
    return {exponent, std::max(1, mantissa)};
}

} // namespace

QString DecadeTicker::label(double tick) {
    if (!(tick > 0.0) || !std::isfinite(tick)) {
        return {};
    }
    const auto [exponent, mantissa] = decadeAndMantissa(tick);
    if (exponent == 0) {
        return QString::number(mantissa);
    }
    const QString decade =
        exponent == 1 ? QStringLiteral("10") : QStringLiteral("10") + superscript(exponent);
    return mantissa == 1 ? decade : QStringLiteral("%1·%2").arg(mantissa).arg(decade);
}

QVector<double> DecadeTicker::createTickVector(double tickStep, const QCPRange& range) {
    linear_ = false;
    if (!(range.lower > 0.0) || !(range.upper > range.lower)) {
        return {};
    }
    // One decade beyond each end, so that minor ticks reach the axis ends.
    const int first = int(std::floor(std::log10(range.lower))) - 1;
    const int last = int(std::ceil(std::log10(range.upper))) + 1;
    const auto withMantissas = [&](std::initializer_list<int> mantissas) {
        QVector<double> ticks;
        for (int k = first; k <= last && k - first < 400; ++k) {
            for (const int m : mantissas) {
                ticks.append(m * std::pow(10.0, k));
            }
        }
        return ticks;
    };
    const auto inView = [&](const QVector<double>& ticks) {
        return std::count_if(ticks.begin(), ticks.end(),
                             [&](double t) { return range.contains(t); });
    };
    // Every decade; in a narrow view 2 and 5 times them too, then every
    // multiple; in a view narrower still, evenly spaced values.
    for (const auto& mantissas :
         {std::initializer_list<int>{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
        auto ticks = withMantissas(mantissas);
        if (inView(ticks) >= 2) {
            return ticks;
        }
    }
    linear_ = true;
    return QCPAxisTicker::createTickVector(tickStep, range);
}

QVector<double> DecadeTicker::createSubTickVector(int subTickCount, const QVector<double>& ticks) {
    if (linear_) {
        return QCPAxisTicker::createSubTickVector(subTickCount, ticks);
    }
    QVector<double> subTicks;
    for (const double tick : ticks) {
        const auto [exponent, mantissa] = decadeAndMantissa(tick);
        if (mantissa != 1) {
            continue;
        }
        const double decade = std::pow(10.0, exponent);
        for (int m = 2; m <= 9; ++m) {
            if (!ticks.contains(m * decade)) {
                subTicks.append(m * decade);
            }
        }
    }
    return subTicks;
}

QString DecadeTicker::getTickLabel(double tick, const QLocale& locale, QChar, int) {
    return linear_ ? locale.toString(tick, 'g', 4) : label(tick);
}

} // namespace dredge
