#include "RankGroup.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

#ifdef DREDGE_WITH_GLOO
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace dredge {

namespace {

std::optional<long> integerVariable(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return std::nullopt;
    }
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return *end == '\0' ? std::optional<long>(value) : std::nullopt;
}

std::string variable(const char* name) {
    const char* text = std::getenv(name);
    return text != nullptr ? text : "";
}

// Slurm's place for a task of `srun -n N`: the rendezvous file beside the
// submission, which every node of a cluster shares, named by job and step.
// Only srun's steps say how many tasks the step has (a batch script's
// SLURM_NTASKS is the allocation's, and its one process no rank).
std::optional<RankPlace> slurmPlace(std::string* error) {
    const auto rank = integerVariable("SLURM_PROCID");
    const auto size = integerVariable("SLURM_STEP_NUM_TASKS");
    if (!rank || !size || *size <= 1) {
        return std::nullopt;
    }
    const std::string folder =
        variable("SLURM_SUBMIT_DIR").empty() ? std::string(".") : variable("SLURM_SUBMIT_DIR");
    if (variable("SLURM_JOB_ID").empty()) {
        *error = "SLURM_PROCID and SLURM_STEP_NUM_TASKS are set but SLURM_JOB_ID is not";
        return std::nullopt;
    }
    RankPlace place;
    place.rank = int(*rank);
    place.size = int(*size);
    place.rendezvous = folder + "/.dredge-ranks-" + variable("SLURM_JOB_ID") + "." +
                       (variable("SLURM_STEP_ID").empty() ? "0" : variable("SLURM_STEP_ID"));
    return place;
}

} // namespace

template <typename Message>
void RankGroup::timed(Message&& message) {
    // Counted whether the message arrives or throws.
    struct Stopwatch {
        double& total;
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
        ~Stopwatch() {
            total +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        }
    } stopwatch{messageSeconds_};
    message();
}

std::string thisHostName() {
    char name[256] = {};
    return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("?");
}

std::optional<RankPlace> rankPlaceFromEnvironment(std::string* error) {
    std::optional<RankPlace> place;
    if (const auto size = integerVariable("DREDGE_RANKS")) {
        const auto rank = integerVariable("DREDGE_RANK");
        place.emplace();
        place->size = int(*size);
        place->rank = rank ? int(*rank) : -1;
        place->rendezvous = variable("DREDGE_RENDEZVOUS");
        if (place->rendezvous.empty()) {
            *error = "DREDGE_RANKS is set but DREDGE_RENDEZVOUS is not";
            return std::nullopt;
        }
    } else {
        place = slurmPlace(error);
    }
    if (!place) {
        return std::nullopt;
    }
    if (place->size < 1 || place->rank < 0 || place->rank >= place->size) {
        *error = "rank " + std::to_string(place->rank) + " of " + std::to_string(place->size) +
                 " is no place in a group";
        return std::nullopt;
    }
    if (const auto seconds = integerVariable("DREDGE_RANK_TIMEOUT"); seconds && *seconds > 0) {
        place->timeout = std::chrono::seconds(*seconds);
    }
    return place;
}

#ifdef DREDGE_WITH_GLOO

struct RankGroup::Impl {
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

bool rankGroupsAvailable() {
    return true;
}

RankGroup::RankGroup(const RankPlace& place)
    : place_(place)
    , impl_(std::make_unique<Impl>()) {
    const auto meeting = meetingLimit();
    try {
        auto store = c10::make_intrusive<c10d::FileStore>(place.rendezvous, place.size);
        store->setTimeout(meeting);
        auto options = c10d::ProcessGroupGloo::Options::create(meeting);
        // Every interface this host has a name for: loopback for local ranks,
        // the node's address under Slurm.
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        impl_->group =
            c10::make_intrusive<c10d::ProcessGroupGloo>(store, place.rank, place.size, options);
    } catch (const std::exception& e) {
        throw std::runtime_error("rank " + std::to_string(place.rank) + " of " +
                                 std::to_string(place.size) + " could not meet the others at '" +
                                 place.rendezvous + "': " + e.what());
    }
}

RankGroup::~RankGroup() = default;

// Point-to-point messages carry a tag by kind, so that a rank's parameters
// and its sums never take each other's place.
constexpr int kSumsTag = 0, kParametersTag = 1;

// Why a message to or from `peer` failed, naming it: a closed connection
// (the process ended) or silence past the timeout (its node lost, or the
// process stopped). `alsoBefore`: silence may be an earlier rank's, for
// which `peer` waits in turn (and names).
std::string RankGroup::lostText(int peer, const std::exception& e, bool alsoBefore) const {
    const std::string what = e.what();
    if (what.find("Timed out") == std::string::npos) {
        return "rank " + std::to_string(peer) + " was lost: " + what;
    }
    return "rank " + std::to_string(peer) +
           (alsoBefore && peer > 1 ? " (or a rank before it)" : "") + " did not answer within " +
           std::to_string((alsoBefore ? chainLimit() : place_.timeout).count() / 1000) + " s";
}

void RankGroup::broadcast(at::Tensor& values) {
    // Sends from rank 0 to each, all posted at once: Gloo's broadcast took
    // 80-200 µs on loopback here where a send takes 25.
    std::vector<at::Tensor> tensors{values};
    timed([&] {
        if (place_.rank != 0) {
            try {
                impl_->group->recv(tensors, 0, kParametersTag)->wait(place_.timeout);
            } catch (const std::exception& e) {
                throw std::runtime_error(lostText(0, e, false));
            }
            return;
        }
        // Posting a send to a closed connection throws too: each named.
        std::vector<c10::intrusive_ptr<c10d::Work>> sends;
        int to = 1;
        try {
            for (; to < place_.size; ++to) {
                sends.push_back(impl_->group->send(tensors, to, kParametersTag));
            }
            for (to = 1; to < place_.size; ++to) {
                sends[size_t(to - 1)]->wait(place_.timeout);
            }
        } catch (const std::exception& e) {
            throw std::runtime_error(lostText(to, e, false));
        }
    });
}

std::vector<std::string> RankGroup::gather(const std::string& text) {
    constexpr int64_t kWidth = 256;
    auto mine = at::zeros({kWidth}, at::kByte);
    std::copy_n(text.begin(), std::min<size_t>(text.size(), kWidth - 1), mine.data_ptr<uint8_t>());
    std::vector<std::vector<at::Tensor>> all(1);
    for (int r = 0; r < place_.size; ++r) {
        all[0].push_back(at::zeros({kWidth}, at::kByte));
    }
    std::vector<at::Tensor> in{mine};
    // Each rank makes its data before this: as long as a meeting may take.
    try {
        impl_->group->allgather(all, in)->wait(meetingLimit());
    } catch (const std::exception& e) {
        throw std::runtime_error("a rank was lost while the ranks set up: " +
                                 std::string(e.what()));
    }
    std::vector<std::string> texts;
    for (const auto& t : all[0]) {
        texts.emplace_back(reinterpret_cast<const char*>(t.data_ptr<uint8_t>()));
    }
    return texts;
}

void RankGroup::send(at::Tensor& values, int to) {
    std::vector<at::Tensor> tensors{values};
    try {
        timed([&] { impl_->group->send(tensors, to, kSumsTag)->wait(place_.timeout); });
    } catch (const std::exception& e) {
        throw std::runtime_error(lostText(to, e, false));
    }
}

void RankGroup::receive(at::Tensor& values, int from) {
    std::vector<at::Tensor> tensors{values};
    try {
        timed([&] { impl_->group->recv(tensors, from, kSumsTag)->wait(chainLimit()); });
    } catch (const std::exception& e) {
        throw std::runtime_error(lostText(from, e, true));
    }
}

#else // built without libgloo-dev's headers

struct RankGroup::Impl {};

bool rankGroupsAvailable() {
    return false;
}

RankGroup::RankGroup(const RankPlace& place)
    : place_(place) {
    throw std::runtime_error("this build has no Gloo process group: install libgloo-dev and "
                             "build again to train one run on several ranks");
}

RankGroup::~RankGroup() = default;
void RankGroup::broadcast(at::Tensor&) {}
std::vector<std::string> RankGroup::gather(const std::string& text) {
    return {text};
}
void RankGroup::send(at::Tensor&, int) {}
void RankGroup::receive(at::Tensor&, int) {}

#endif

void RankGroup::receivePrefix(at::Tensor& sums) {
    receive(sums, place_.rank - 1);
}

void RankGroup::handOn(at::Tensor& sums) {
    const int last = place_.size - 1;
    if (place_.rank < last) {
        send(sums, place_.rank + 1);
    } else if (last > 0) {
        send(sums, 0);
    }
    if (place_.rank == 0 && last > 0) {
        receive(sums, last);
    }
}

} // namespace dredge
