#include "KeptParameters.h"

#include "RunStore.h"

namespace dredge {

QString KeptParameters::frameName() const {
    return isEnd() ? QStringLiteral("the end model (after %1 epochs)").arg(epoch())
                   : QStringLiteral("epoch %1").arg(epoch());
}

bool KeptParameters::isEnd() const {
    return index + 1 == frames.size() && epoch() > 0 && epoch() >= record.epochsDone;
}

QString KeptParameters::substitution() const {
    if (asked < 0 || asked == epoch()) {
        return {};
    }
    return QStringLiteral("epoch %1 was not kept; using the nearest kept one, %2")
        .arg(asked)
        .arg(epoch());
}

std::optional<KeptParameters> loadKeptParameters(RunStore& store, const QString& spec,
                                                 QString* error, KeptFailure* kind) {
    KeptFailure ignored;
    kind = kind ? kind : &ignored;
    const auto at = spec.indexOf(u'@');
    KeptParameters kept;
    if (at >= 0) {
        bool ok = false;
        kept.asked = spec.mid(at + 1).toLongLong(&ok);
        if (!ok || kept.asked < 0) {
            *error = QStringLiteral("takes RUN or RUN@EPOCH (EPOCH ≥ 0: epochs done), not '%1'")
                         .arg(spec);
            *kind = KeptFailure::BadSpec;
            return std::nullopt;
        }
    }
    RunStore::IdFailure idFailure{};
    const auto id = store.resolveId(spec.left(at), error, &idFailure);
    if (!id) {
        *kind = idFailure == RunStore::IdFailure::NoMatch ? KeptFailure::NoRun
                : idFailure == RunStore::IdFailure::Store ? KeptFailure::Store
                                                          : KeptFailure::BadSpec;
        return std::nullopt;
    }
    *kind = KeptFailure::Store;
    auto record = store.loadRun(*id, error);
    auto frames = record ? store.parameterFrames(*id, error) : std::nullopt;
    if (!frames) {
        return std::nullopt;
    }
    kept.record = std::move(*record);
    kept.frames = std::move(*frames);
    if (kept.frames.empty()) {
        *error = QStringLiteral("run %1 kept no parameters (stores before version 6 kept "
                                "predictions only)")
                     .arg(kept.record.id.left(8));
        *kind = KeptFailure::NothingKept;
        return std::nullopt;
    }
    if (kept.asked > kept.frames.epochs.back()) {
        *error = QStringLiteral("run %1 has %2 epochs; epoch %3 is past its end")
                     .arg(kept.record.id.left(8))
                     .arg(kept.record.epochsDone)
                     .arg(kept.asked);
        *kind = KeptFailure::PastEnd;
        return std::nullopt;
    }
    kept.index =
        size_t(kept.asked < 0 ? int64_t(kept.frames.size()) - 1 : kept.frames.nearest(kept.asked));
    return kept;
}

} // namespace dredge
