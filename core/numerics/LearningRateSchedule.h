#pragma once
// The learning rate of each epoch under a ScheduleConfig (docs/reference.md §8).
// Plain arithmetic, no LibTorch: the trainer asks it before every epoch, and
// anyone holding a run's config and loss history can replay the same rates
// (the plot's learning-rate axis does), since only the plateau kind reads
// the losses.

#include "TrainConfig.h"

#include <cstdint>
#include <vector>

namespace dredge {

class LearningRateSchedule {
public:
    LearningRateSchedule(const ScheduleConfig& config, double learningRate, int64_t epochs);

    double rate() const { return rate_; } // for the coming epoch
    // The epoch just trained and its loss; moves on to the next epoch's rate.
    void advance(double loss);

private:
    double scheduled() const; // every kind but plateau: a function of the epoch

    ScheduleConfig config_;
    double base_;
    int64_t epochs_;
    double gamma_;
    int64_t epoch_ = 0; // the coming epoch
    double rate_ = 0.0;
    // Plateau: the rate after cuts, the best loss and epochs since it improved.
    double plateauRate_;
    double plateauBest_;
    int64_t sinceImproved_ = 0;
};

// Every epoch's rate for a finished history (the loss of epoch e is the one
// before its update, as TrainResult keeps it).
std::vector<double> learningRates(const TrainConfig& config, const std::vector<double>& losses);

} // namespace dredge
