#include "RunsModel.h"

#include <QLocale>
#include <cmath>

namespace dredge {
namespace {

QString stateName(TrainingRun::State state) {
    switch (state) {
    case TrainingRun::State::Created:
        return RunsModel::tr("created");
    case TrainingRun::State::Preparing:
        return RunsModel::tr("preparing data");
    case TrainingRun::State::Running:
        return RunsModel::tr("running");
    case TrainingRun::State::Paused:
        return RunsModel::tr("paused");
    case TrainingRun::State::Finished:
        break;
    }
    return RunsModel::tr("finished");
}

QString loss(double value) {
    return std::isfinite(value) ? QString::number(value, 'g', 4) : QStringLiteral("—");
}

// The 50 × 50 slice of a 6-D field the prediction view shows (SPEC §4):
// x1, x2 over [−3, 3], x3 = x4 = x5 = 0 (and t = 0).
std::vector<float> hyperSlicePoints() {
    std::vector<float> points;
    points.reserve(50 * 50 * 5);
    for (int i = 0; i < 50; ++i) {
        for (int j = 0; j < 50; ++j) {
            points.insert(points.end(), {float(-3.0 + 6.0 * i / 49.0), float(-3.0 + 6.0 * j / 49.0),
                                         0.f, 0.f, 0.f});
        }
    }
    return points;
}

} // namespace

QString describe(const ExperimentConfig& c) {
    QString model = QString::fromUtf8(modelKindName(c.model.kind).data());
    switch (c.model.kind) {
    case ModelKind::WaveEnsemble:
        model += QStringLiteral(" n=%1").arg(c.model.waves);
        break;
    case ModelKind::Interference:
        model += QStringLiteral(" F=%1").arg(c.model.fields);
        break;
    case ModelKind::Siren:
        model += QStringLiteral(" H=%1").arg(c.model.hidden);
        break;
    case ModelKind::RandomFourier:
        model += QStringLiteral(" M=%1").arg(c.model.features);
        break;
    }
    QString text =
        model + QStringLiteral(" on ") + QString::fromUtf8(dataKindName(c.data.kind).data());
    if (c.train.mixedPrecision) {
        text += QStringLiteral(", AMP");
    }
    if (c.train.clipGradients) {
        text += QStringLiteral(", clip %1").arg(c.train.clipMaxNorm);
    }
    return text;
}

RunsModel::RunsModel(QObject* parent)
    : QAbstractTableModel(parent) {}

RunsModel::~RunsModel() = default; // each TrainingRun stops and joins its thread

QColor RunsModel::nextColor() {
    static const QColor palette[] = {
        QColor(31, 119, 180),  QColor(255, 127, 14), QColor(44, 160, 44),   QColor(214, 39, 40),
        QColor(148, 103, 189), QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127),
        QColor(188, 189, 34),  QColor(23, 190, 207)};
    return palette[colorIndex_++ % 10];
}

RunEntry& RunsModel::add(std::unique_ptr<RunEntry> entry) {
    entry->id = nextId_++;
    entry->color = nextColor();
    if (entry->name.isEmpty()) {
        entry->name = tr("Run %1").arg(entry->id);
    }
    const int row = int(entries_.size());
    beginInsertRows({}, row, row);
    entries_.push_back(std::move(entry));
    endInsertRows();
    Q_EMIT runAdded(entries_.back()->id);
    return *entries_.back();
}

int RunsModel::startRun(const ExperimentConfig& config) {
    auto entry = std::make_unique<RunEntry>();
    entry->config = config;
    entry->state = stateName(TrainingRun::State::Created);
    entry->run = std::make_unique<TrainingRun>(config);
    auto* run = entry->run.get();
    auto& added = add(std::move(entry));
    const int id = added.id;
    added.name = tr("Run %1: %2").arg(id).arg(describe(config));

    run->setPredictionInterval(250); // live, at a modest rate
    if (config.data.kind == DataKind::Hyper6d) {
        run->setPredictionPoints(hyperSlicePoints());
    }
    connect(run, &TrainingRun::stateChanged, this, [this, id](TrainingRun::State state) {
        if (auto* e = find(id)) {
            e->state = stateName(state);
            if (e->result) {
                e->state = QString::fromUtf8(runStatusName(e->result->status).data());
            }
            changed(id);
        }
    });
    connect(run, &TrainingRun::ready, this, [this, id](const RunData& data) {
        if (auto* e = find(id)) {
            e->data = data;
            Q_EMIT dataReady(id);
            changed(id);
        }
    });
    connect(run, &TrainingRun::progress, this, [this, id](const ProgressBatch& batch) {
        if (auto* e = find(id)) {
            e->losses.insert(e->losses.end(), batch.losses.begin(), batch.losses.end());
            e->progress = batch;
            Q_EMIT lossesAppended(id, batch.firstEpoch, batch.losses);
            changed(id);
        }
    });
    connect(run, &TrainingRun::prediction, this, [this, id](const PredictionSnapshot& snapshot) {
        if (auto* e = find(id)) {
            e->prediction = snapshot;
            Q_EMIT predictionUpdated(id);
        }
    });
    connect(run, &TrainingRun::finished, this, [this, id](const TrainResult& result) {
        if (auto* e = find(id)) {
            e->result = result;
            e->state = QString::fromUtf8(runStatusName(result.status).data());
            if (result.status == RunStatus::Failed) {
                e->state += QStringLiteral(": ") + QString::fromStdString(result.error);
            }
            if (e->losses != result.lossHistory) {
                e->losses = result.lossHistory;
                Q_EMIT lossesReplaced(id);
            }
            changed(id);
        }
    });
    run->start();
    return id;
}

int RunsModel::addSavedRun(const SavedRun& saved) {
    auto entry = std::make_unique<RunEntry>();
    entry->name = saved.name;
    entry->config = saved.config;
    entry->result = saved.result;
    entry->losses = saved.result.lossHistory;
    entry->progress.epochsDone = saved.result.epochsDone;
    entry->progress.totalEpochs = saved.config.train.epochs;
    entry->state = QString::fromUtf8(runStatusName(saved.result.status).data());
    return add(std::move(entry)).id;
}

void RunsModel::removeRun(int id) {
    const int row = rowOf(id);
    if (row < 0) {
        return;
    }
    beginRemoveRows({}, row, row);
    auto removed = std::move(entries_[size_t(row)]);
    entries_.erase(entries_.begin() + row);
    endRemoveRows();
    Q_EMIT runRemoved(id);
    removed.reset(); // stops a live run within one epoch
}

void RunsModel::clear() {
    while (!entries_.empty()) {
        removeRun(entries_.back()->id);
    }
}

RunEntry* RunsModel::find(int id) {
    for (auto& e : entries_) {
        if (e->id == id) {
            return e.get();
        }
    }
    return nullptr;
}

const RunEntry* RunsModel::entry(int id) const {
    return const_cast<RunsModel*>(this)->find(id);
}

const RunEntry* RunsModel::entryAt(int row) const {
    return row >= 0 && row < int(entries_.size()) ? entries_[size_t(row)].get() : nullptr;
}

int RunsModel::rowOf(int id) const {
    for (size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i]->id == id) {
            return int(i);
        }
    }
    return -1;
}

std::vector<SavedRun> RunsModel::finishedRuns() const {
    std::vector<SavedRun> runs;
    for (const auto& e : entries_) {
        if (e->result) {
            runs.push_back({e->name, e->config, *e->result});
        }
    }
    return runs;
}

QByteArray RunsModel::lossHistoryCsv() const {
    QByteArray csv = "epoch";
    size_t longest = 0;
    for (const auto& e : entries_) {
        QString name = e->name;
        csv += ",\"" + name.replace(u'"', QStringLiteral("\"\"")).toUtf8() + '"';
        longest = std::max(longest, e->losses.size());
    }
    csv += '\n';
    for (size_t epoch = 0; epoch < longest; ++epoch) {
        csv += QByteArray::number(qulonglong(epoch));
        for (const auto& e : entries_) {
            csv += ',';
            if (epoch < e->losses.size() && std::isfinite(e->losses[epoch])) {
                csv += QByteArray::number(e->losses[epoch], 'g', QLocale::FloatingPointShortest);
            }
        }
        csv += '\n';
    }
    return csv;
}

void RunsModel::pause(int id) {
    if (auto* e = find(id); e && e->run) {
        e->run->pause();
    }
}
void RunsModel::resume(int id) {
    if (auto* e = find(id); e && e->run) {
        e->run->resume();
    }
}
void RunsModel::stop(int id) {
    if (auto* e = find(id); e && e->run) {
        e->run->stop();
    }
}
void RunsModel::stopAll() {
    for (auto& e : entries_) {
        if (e->run) {
            e->run->stop();
        }
    }
}

void RunsModel::changed(int id) {
    const int row = rowOf(id);
    if (row >= 0) {
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        Q_EMIT runChanged(id);
    }
}

int RunsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(entries_.size());
}
int RunsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    static const char* names[] = {"",         "Name",       "Data",      "Model",
                                  "Params",   "AMP",        "Clip",      "Epochs",
                                  "Epochs/s", "Final loss", "Best loss", "Status"};
    return tr(names[section]);
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
    const auto* e = entryAt(index.row());
    if (!e) {
        return {};
    }
    const auto column = Column(index.column());
    if (role == Qt::CheckStateRole && column == Visible) {
        return e->visible ? Qt::Checked : Qt::Unchecked;
    }
    if (role == Qt::DecorationRole && column == Name) {
        return e->color;
    }
    if (role == Qt::ToolTipRole && column == Status && e->result && !e->result->error.empty()) {
        return QString::fromStdString(e->result->error);
    }
    if (role != Qt::DisplayRole && role != Qt::EditRole) {
        return {};
    }
    const auto& c = e->config;
    const double zero = e->data ? e->data->setup.zeroPredictorMse : 0.0;
    switch (column) {
    case Name:
        return e->name;
    case Data:
        return QString::fromUtf8(dataKindName(c.data.kind).data()) +
               (c.data.kind == DataKind::Volume4d || c.data.kind == DataKind::Hyper6d
                    ? QStringLiteral(" G=%1").arg(effectiveGrid(c.data))
                    : QString());
    case Model:
        return QString::fromUtf8(modelKindName(c.model.kind).data());
    case Parameters:
        return e->data ? QVariant(qlonglong(e->data->setup.parameters)) : QVariant();
    case Amp:
        return c.train.mixedPrecision ? tr("on") : tr("off");
    case Clip:
        return c.train.clipGradients ? QString::number(c.train.clipMaxNorm) : tr("off");
    case Epochs:
        return QStringLiteral("%1 / %2").arg(e->losses.size()).arg(c.train.epochs);
    case EpochsPerSecond:
        return e->progress.epochsPerSecond > 0
                   ? QString::number(e->progress.epochsPerSecond, 'f', 0)
                   : QString();
    case FinalLoss: {
        if (e->losses.empty()) {
            return {};
        }
        const double last = e->losses.back();
        // SPEC §6: the loss beside the flat-line baseline, so a fit can be told
        // from predicting zero.
        return zero > 0 && std::isfinite(last) ? QStringLiteral("%1 (%2% of zero)")
                                                     .arg(loss(last))
                                                     .arg(100.0 * last / zero, 0, 'f', 1)
                                               : loss(last);
    }
    case BestLoss:
        return e->result ? loss(e->result->bestLoss) : QString();
    case Status:
        return e->state;
    case Visible:
    case ColumnCount:
        break;
    }
    return {};
}

Qt::ItemFlags RunsModel::flags(const QModelIndex& index) const {
    auto f = QAbstractTableModel::flags(index);
    if (index.column() == Visible) {
        f |= Qt::ItemIsUserCheckable;
    }
    if (index.column() == Name) {
        f |= Qt::ItemIsEditable;
    }
    return f;
}

bool RunsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    auto* e = index.isValid() ? find(entryAt(index.row())->id) : nullptr;
    if (!e) {
        return false;
    }
    if (index.column() == Visible && role == Qt::CheckStateRole) {
        e->visible = value.toInt() == Qt::Checked;
    } else if (index.column() == Name && role == Qt::EditRole &&
               !value.toString().trimmed().isEmpty()) {
        e->name = value.toString().trimmed();
    } else {
        return false;
    }
    changed(e->id);
    return true;
}

} // namespace dredge
