#pragma once
// How the figures of a fit read wherever the window shows them
// (docs/reference.md §6): the MSE, the PSNR in dB and the MSE relative to
// always predicting zero, in scientific notation when small, so that a
// relative MSE of 2·10⁻⁷ never reads "0.0 %".

#include <QString>

namespace dredge {

// 4 significant digits; scientific below 10⁻³ ("2.000e-07"); "—" when not finite.
QString lossText(double mse);
// "8.61 %" from 0.1 % up, "2.0e-07" below: a share of the zero predictor's MSE.
QString relativeText(double mse, double zeroPredictorMse);
// "20.6 dB"; "∞ dB" for a perfect fit; empty without a peak.
QString psnrText(double mse, double peak);
// All three: "MSE 6.064e-03 · PSNR 20.6 dB · 8.61 % of zero".
QString fitText(double mse, double zeroPredictorMse, double peak);

} // namespace dredge
