#include "RankLaunch.h"

#include "RankedEpochs.h"
#include "SignalFiles.h"

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <csignal>
#include <cstdio>

namespace dredge {

bool LocalRanks::start(int ranks, const QStringList& arguments, std::chrono::milliseconds timeout,
                       QString* error) {
    if (!folder_.isValid()) {
        *error =
            QStringLiteral("no folder for the ranks to meet in: %1").arg(folder_.errorString());
        return false;
    }
    place_ = {0, ranks, folder_.filePath(QStringLiteral("rendezvous")).toStdString(), timeout};
    for (int rank = 1; rank < ranks; ++rank) {
        auto child = std::make_unique<QProcess>();
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("DREDGE_RANK"), QString::number(rank));
        environment.insert(QStringLiteral("DREDGE_RANKS"), QString::number(ranks));
        environment.insert(QStringLiteral("DREDGE_RENDEZVOUS"),
                           QString::fromStdString(place_.rendezvous));
        environment.insert(QStringLiteral("DREDGE_RANK_TIMEOUT"),
                           QString::number(std::max<int64_t>(1, timeout.count() / 1000)));
        child->setProcessEnvironment(environment);
        child->setProcessChannelMode(QProcess::ForwardedErrorChannel); // their errors, named
        child->setStandardOutputFile(QProcess::nullDevice());
        child->start(QCoreApplication::applicationFilePath(), arguments.mid(1));
        if (!child->waitForStarted()) {
            *error =
                QStringLiteral("rank %1 did not start: %2").arg(rank).arg(child->errorString());
            return false;
        }
        children_.push_back(std::move(child));
    }
    return true;
}

void LocalRanks::finish(bool failed) {
    for (auto& child : children_) {
        if (failed || !child->waitForFinished(30000)) {
            child->kill();
            child->waitForFinished();
        }
    }
    children_.clear();
}

LocalRanks::~LocalRanks() {
    finish(true);
}

std::optional<RankPlace> placeOf(ExperimentConfig& config, QString* error) {
    std::string problem;
    auto place = rankPlaceFromEnvironment(&problem);
    if (!problem.empty()) {
        *error = QString::fromStdString(problem);
        return std::nullopt;
    }
    if (!place) {
        return std::nullopt;
    }
    auto& ranks = config.train.ranks;
    if (ranks != place->size && ranks != 1) {
        *error = QStringLiteral("--ranks %1, but this process is one of %2 ranks (srun -n)")
                     .arg(ranks)
                     .arg(place->size);
        return std::nullopt;
    }
    ranks = place->size;
    return place;
}

int serveAsRank(const ExperimentConfig& config, const RankPlace& place) {
    // Rank 0 stops the run (Ctrl-C reaches every process of the terminal's
    // group; under srun every task): the others end when it says so.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    try {
        auto withSamples = config;
        if (QString problem; !readDataFiles(withSamples.data, &problem)) {
            throw std::invalid_argument(problem.toStdString());
        }
        RankGroup group(place);
        serveRankedEpochs(withSamples, group);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dredge-studio train: rank %d of %d: %s\n", place.rank, place.size,
                     e.what());
        return 1;
    }
}

} // namespace dredge
