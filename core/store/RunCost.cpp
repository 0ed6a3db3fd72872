#include "RunCost.h"

#include <QLocale>
#include <algorithm>
#include <cmath>
#include <unistd.h>

namespace dredge {
namespace {

constexpr double kFloat = 4.0;
constexpr double kPerPointCopies = 2.0;      // the kernels' by-axis copy and autograd's
constexpr double kActivationsPerUnit = 12.0; // floats autograd keeps per point and unit
constexpr int64_t kLargePoints = 1'000'000;

// Waves, fields, hidden units or features: what a point's cost grows with.
int widthOf(const ModelConfig& m) {
    switch (m.kind) {
    case ModelKind::WaveEnsemble:
        return m.waves;
    case ModelKind::Interference:
        return m.fields;
    case ModelKind::Siren:
        return m.hidden;
    case ModelKind::RandomFourier:
        return 2 * m.features;
    }
    return 1;
}

bool keepsActivations(const ExperimentConfig& c) {
    const bool fusedModel =
        c.model.kind == ModelKind::WaveEnsemble || c.model.kind == ModelKind::Interference;
    return !(fusedModel && c.model.kernel == WaveKernel::Fused && !c.train.mixedPrecision &&
             c.train.device == ComputeDevice::Cpu);
}

bool samePath(const ExperimentConfig& a, const ExperimentConfig& b) {
    return a.model.kind == b.model.kind && a.model.kernel == b.model.kernel &&
           a.train.mixedPrecision == b.train.mixedPrecision && a.train.device == b.train.device &&
           a.train.threads == b.train.threads;
}

std::optional<double> scaledMsPerEpoch(const ExperimentConfig& config, double work,
                                       const std::vector<RunRecord>& measured) {
    std::vector<double> estimates;
    for (const auto& r : measured) {
        const auto points = pointCount(r.config.data);
        if (!isEnded(r.status) || r.msPerEpoch <= 0.0 || !samePath(r.config, config)) {
            continue;
        }
        const double theirWork =
            double(r.points > 0 ? r.points : points.value_or(0)) * double(widthOf(r.config.model));
        if (theirWork > 0.0) {
            estimates.push_back(r.msPerEpoch * work / theirWork);
        }
    }
    if (estimates.empty()) {
        return std::nullopt;
    }
    std::nth_element(estimates.begin(), estimates.begin() + estimates.size() / 2, estimates.end());
    return estimates[estimates.size() / 2];
}

} // namespace

RunCost estimateRunCost(const ExperimentConfig& config, const std::vector<RunRecord>& measured) {
    RunCost cost;
    cost.points = pointCount(config.data);
    if (!cost.points) {
        return cost;
    }
    const double points = double(*cost.points);
    const double perPoint = double(spatialDims(config.data) + 4) * kFloat * kPerPointCopies;
    const double width = double(widthOf(config.model));
    cost.bytes = points * perPoint +
                 (keepsActivations(config) ? points * width * kActivationsPerUnit * kFloat : 0.0);
    cost.msPerEpoch = scaledMsPerEpoch(config, points * width, measured);
    return cost;
}

bool isLargeRun(const RunCost& cost, double physicalBytes) {
    return cost.points.value_or(0) > kLargePoints ||
           (physicalBytes > 0.0 && cost.bytes > physicalBytes / 4.0);
}

double physicalMemoryBytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && pageSize > 0 ? double(pages) * double(pageSize) : 0.0;
}

QString costText(const RunCost& cost, double physicalBytes) {
    const QLocale locale;
    QStringList parts;
    parts << (cost.points ? QObject::tr("%1 points").arg(locale.toString(qlonglong(*cost.points)))
                          : QObject::tr("points unknown until the file is read"));
    parts << (cost.msPerEpoch
                  ? QObject::tr("about %1 ms per epoch (scaled from this session's runs)")
                        .arg(*cost.msPerEpoch, 0, 'g', 2)
                  : QObject::tr("time per epoch not yet measured on this machine"));
    QString memory =
        QObject::tr("about %1 of memory").arg(locale.formattedDataSize(qint64(cost.bytes), 1));
    if (physicalBytes > 0.0) {
        memory += QObject::tr(", of %1").arg(locale.formattedDataSize(qint64(physicalBytes), 0));
    }
    parts << memory;
    return parts.join(QStringLiteral(" · "));
}

} // namespace dredge
