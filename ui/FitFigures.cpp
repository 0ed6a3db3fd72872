#include "FitFigures.h"

#include "Trainer.h"

#include <QCoreApplication>
#include <cmath>

namespace dredge {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("FitFigures", text);
}

} // namespace

QString lossText(double mse) {
    if (!std::isfinite(mse)) {
        return QStringLiteral("—");
    }
    return mse != 0.0 && std::abs(mse) < 1e-3 ? QString::number(mse, 'e', 3)
                                              : QString::number(mse, 'g', 4);
}

QString relativeText(double mse, double zeroPredictorMse) {
    if (!(zeroPredictorMse > 0.0) || !std::isfinite(mse)) {
        return {};
    }
    const double share = mse / zeroPredictorMse;
    return share >= 1e-3 ? tr("%1 % of zero").arg(100.0 * share, 0, 'g', 3)
                         : tr("%1 of zero").arg(share, 0, 'e', 1);
}

QString psnrText(double mse, double peak) {
    if (!(peak > 0.0) || !std::isfinite(mse)) {
        return {};
    }
    const double db = psnr(mse, peak);
    return std::isinf(db) ? tr("∞ dB") : tr("%1 dB").arg(db, 0, 'f', 1);
}

QString fitText(double mse, double zeroPredictorMse, double peak) {
    QStringList parts{tr("MSE %1").arg(lossText(mse))};
    if (const QString p = psnrText(mse, peak); !p.isEmpty()) {
        parts << tr("PSNR %1").arg(p);
    }
    if (const QString r = relativeText(mse, zeroPredictorMse); !r.isEmpty()) {
        parts << r;
    }
    return parts.join(QStringLiteral(" · "));
}

} // namespace dredge
