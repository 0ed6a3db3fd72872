#pragma once
// `train` on several ranks (data-parallel training, RankedEpochs.h): where
// this process stands in its run's group, the ranks it starts itself for
// `--ranks N`, and the life of a rank other than 0. Rank 0 is the `train`
// the user started (or Slurm's task 0): it alone prints and records.

#include "ExperimentConfig.h"
#include "RankGroup.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>
#include <optional>
#include <vector>

namespace dredge {

// The ranks 1 … N − 1 that `train --ranks N` starts on this machine, as
// children that end with it.
class LocalRanks {
public:
    // Starts them with this process's `arguments` (QCoreApplication's: the
    // program, `train`, its options); false with the reason when one cannot.
    bool start(int ranks, const QStringList& arguments, std::chrono::milliseconds timeout,
               QString* error);
    // Where rank 0 meets them.
    RankPlace rankZero() const { return place_; }
    // Waits for them to end after the run (they end when rank 0 says so);
    // kills those still there when rank 0 failed.
    void finish(bool failed);
    ~LocalRanks();

private:
    QTemporaryDir folder_;
    RankPlace place_;
    std::vector<std::unique_ptr<QProcess>> children_;
};

// This process's place: given by the environment (a child of LocalRanks, a
// task of `srun -n N`), or nullopt with `error` empty for one that starts
// its own ranks or trains alone. `config.train.ranks` is made the group's
// size under srun; a different --ranks is an error.
std::optional<RankPlace> placeOf(ExperimentConfig& config, QString* error);

// A rank other than 0, from its start to the run's end: the process's exit
// code (0, or 1 with the reason on stderr, naming the rank).
int serveAsRank(const ExperimentConfig& config, const RankPlace& place);

} // namespace dredge
