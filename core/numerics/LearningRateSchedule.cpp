#include "LearningRateSchedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

// Plateau counts an improvement when the loss beats the best by this share
// (PyTorch's ReduceLROnPlateau default, relative threshold 1e-4).
constexpr double kPlateauThreshold = 1e-4;

} // namespace

LearningRateSchedule::LearningRateSchedule(const ScheduleConfig& config, double learningRate,
                                           int64_t epochs)
    : config_(config)
    , base_(learningRate)
    , epochs_(epochs)
    , gamma_(scheduleGamma(config))
    , plateauRate_(learningRate)
    , plateauBest_(std::numeric_limits<double>::infinity()) {
    rate_ = scheduled();
}

double LearningRateSchedule::scheduled() const {
    const int64_t warmup = config_.warmupEpochs;
    if (epoch_ < warmup) {
        return std::max(config_.minLr, base_ * double(epoch_ + 1) / double(warmup));
    }
    const int64_t k = epoch_ - warmup; // epochs since the warm-up
    double rate = base_;
    switch (config_.kind) {
    case LrSchedule::Constant:
        break;
    case LrSchedule::Step:
        rate = base_ * std::pow(gamma_, double(k / config_.stepEvery));
        break;
    case LrSchedule::Exponential:
        rate = base_ * std::pow(gamma_, double(k));
        break;
    case LrSchedule::Cosine: {
        const double span = double(std::max<int64_t>(1, epochs_ - warmup - 1));
        const double progress = std::min(1.0, double(k) / span);
        return config_.minLr + (base_ - config_.minLr) * 0.5 * (1.0 + std::cos(M_PI * progress));
    }
    case LrSchedule::Plateau:
        rate = plateauRate_;
        break;
    }
    return std::max(config_.minLr, rate);
}

void LearningRateSchedule::advance(double loss) {
    // Plateau watches the losses after the warm-up only: a rising rate makes
    // no plateau.
    if (config_.kind == LrSchedule::Plateau && epoch_ >= config_.warmupEpochs) {
        const bool first = std::isinf(plateauBest_);
        if (first || loss < plateauBest_ - std::abs(plateauBest_) * kPlateauThreshold) {
            plateauBest_ = loss;
            sinceImproved_ = 0;
        } else if (++sinceImproved_ >= config_.patience) {
            plateauRate_ = std::max(config_.minLr, plateauRate_ * gamma_);
            sinceImproved_ = 0;
        }
    }
    ++epoch_;
    rate_ = scheduled();
}

std::vector<double> learningRates(const TrainConfig& config, const std::vector<double>& losses) {
    LearningRateSchedule schedule(config.schedule, config.learningRate, config.epochs);
    std::vector<double> rates;
    rates.reserve(losses.size());
    for (double loss : losses) {
        rates.push_back(schedule.rate());
        schedule.advance(loss);
    }
    return rates;
}

} // namespace dredge
