#pragma once
// The points a run trains on, as every epoch reads them: the data set's
// coordinates, times and targets on the run's device, and with a validation
// split each target element's weight in the training and in the validation
// loss (1/n on its side of the split, 0 on the other). A weighted sum costs
// an elementwise product forwards and backwards, where gathering the rows
// cost a scatter in the backward pass (the split made an epoch 1.8 times as
// slow on the 4-D volume). One process's Trainer and every rank of a
// data-parallel run make them here, so that all split alike.

#include "Datasets.h"
#include "FusedEpoch.h"
#include "Trainer.h"

namespace dredge {

// The points of `data`: the whole data set, or a part of it (makeDatasetPart)
// whose split and weights are those of its rows among all points. Fills
// `setup` with what the data says (all points, split, dimensions; the zero
// predictor's MSE and the peak of the rows at hand: chainTargetSums makes
// them the whole's); the model's count is left to the caller.
EpochData trainingPointsOf(const ExperimentConfig& config, const Dataset& data,
                           const at::Device& device, RunSetup& setup);

// What the zero predictor's MSE and the target's peak come from: Σ y² in
// double, element after element in row order, going on from `before`; and
// max |y|. Row order makes the sum the same bits on any number of ranks.
struct TargetSums {
    double squares = 0.0;
    double peak = 0.0;
};
TargetSums targetSumsOf(const at::Tensor& target, TargetSums before = {});

// Data-parallel training: every rank's targets (its shard, in rank order)
// summed along `chain`; the first rank puts the whole's MSE and peak into
// `setup` (whose points are all points).
void chainTargetSums(EpochChain& chain, const at::Tensor& target, RunSetup& setup);

} // namespace dredge
