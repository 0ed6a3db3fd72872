#pragma once
// The processes of one run that train it together (data-parallel training):
// c10d's Gloo process group from LibTorch, over TCP, met through a file that
// every rank reaches (c10d::FileStore). Each rank trains on a contiguous
// shard of the points; the epoch's per-chunk sums travel along the ranks in
// chunk order (EpochChain), so a run's bits do not depend on how many ranks
// trained it. LibTorch only, no Qt.

#include "FusedEpoch.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace dredge {

// Where one process stands in its run's group.
struct RankPlace {
    int rank = 0;
    int size = 1;
    std::string rendezvous; // a file every rank can reach; created by the first
    std::chrono::milliseconds timeout{std::chrono::minutes(5)}; // a silent peer's limit
};

// The place `train --ranks` gives its processes (DREDGE_RANK, DREDGE_RANKS,
// DREDGE_RENDEZVOUS, DREDGE_RANK_TIMEOUT) or, inside `srun -n N`, Slurm's
// (SLURM_PROCID, SLURM_STEP_NUM_TASKS; the rendezvous file in the submission
// folder, which the nodes share, named by the job and step). nullopt outside both, or with `error`
// set when the environment is inconsistent.
std::optional<RankPlace> rankPlaceFromEnvironment(std::string* error);

// Whether this build has c10d's Gloo process group (libgloo-dev's headers).
bool rankGroupsAvailable();

// This machine's host name, as the record of a run names its ranks' hosts.
std::string thisHostName();

class RankGroup : public EpochChain {
public:
    // Meets the other ranks (waits up to the timeout for them). Throws
    // std::runtime_error naming what failed.
    explicit RankGroup(const RankPlace& place);
    ~RankGroup() override;
    RankGroup(const RankGroup&) = delete;
    RankGroup& operator=(const RankGroup&) = delete;

    int rank() const { return place_.rank; }
    int size() const { return place_.size; }
    std::chrono::milliseconds timeout() const { return place_.timeout; }
    // Seconds this rank has spent in messages so far: sending, and waiting
    // for others (their latency, and their work where it is slower).
    double messageSeconds() const { return messageSeconds_; }

    // `values` (a contiguous CPU tensor, the same shape on every rank) as
    // rank 0 holds them, on every rank.
    void broadcast(at::Tensor& values);
    // Every rank's `text`, in rank order (the hosts, for the record).
    std::vector<std::string> gather(const std::string& text);

    // EpochChain: rank r's chunks follow rank r − 1's; the last rank hands
    // the totals to rank 0, the only one that needs them.
    bool first() const override { return place_.rank == 0; }
    void receivePrefix(at::Tensor& sums) override;
    void handOn(at::Tensor& sums) override;

private:
    void send(at::Tensor& values, int to);
    std::string lostText(int peer, const std::exception& e, bool alsoBefore) const;
    // How long a rank waits for the sums of the rank before it: rank 0's
    // rank timeout and, for the others, half as long again, so that rank 0
    // (which records and ends the local ranks) is the one that reports a
    // silent rank, not a rank after it that gave up first.
    std::chrono::milliseconds chainLimit() const {
        return place_.rank == 0 ? place_.timeout : place_.timeout + place_.timeout / 2;
    }
    // How long ranks wait for each other to start and set up: at least two
    // minutes (a loaded node, another node's slower start), whatever the
    // rank timeout that each message once met is waited for.
    std::chrono::milliseconds meetingLimit() const {
        return std::max<std::chrono::milliseconds>(place_.timeout, std::chrono::minutes(2));
    }
    void receive(at::Tensor& values, int from);

    // Runs `message`, its time counted in messageSeconds_.
    template <typename Message>
    void timed(Message&& message);

    RankPlace place_;
    double messageSeconds_ = 0.0;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dredge
