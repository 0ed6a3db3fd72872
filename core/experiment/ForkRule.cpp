#include "ForkRule.h"

#include "ExperimentJson.h"

#include <QJsonDocument>

namespace dredge {
namespace {

// The config's data and model, training aside, in the one form both share.
QByteArray whatItTrains(ExperimentConfig c) {
    c.train = TrainConfig{};
    return QJsonDocument(toJson(c)).toJson(QJsonDocument::Compact);
}

} // namespace

QString forkProblem(const ExperimentConfig& parent, const ExperimentConfig& fork) {
    if (whatItTrains(parent) != whatItTrains(fork)) {
        return QStringLiteral("a resumed run keeps its parent's data and model; only training "
                              "settings (--lr, --schedule, --amp, --clip, --epochs, ...) may "
                              "change");
    }
    if (fork.train.validationShare != parent.train.validationShare) {
        return QStringLiteral("a resumed run keeps its parent's validation split (another split "
                              "trains on other points)");
    }
    if (fork.train.seed != parent.train.seed) {
        return QStringLiteral("a resumed run keeps its parent's seed (its model was built from "
                              "it)");
    }
    return {};
}

} // namespace dredge
