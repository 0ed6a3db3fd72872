#include "RunsModel.h"

#include "RunControl.h"

#include "RunExport.h"

#include "DataFingerprint.h"
#include "FitFigures.h"
#include "FusedKernelSelection.h"
#include "StoreClient.h"
#include "StoredRunData.h"

#include <QLocale>
#include <QUuid>
#include <algorithm>
#include <cmath>
#include <iterator>

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

} // namespace

ParameterReplay* RunEntry::replay() const {
    const auto* d = data();
    if (!d) {
        return nullptr;
    }
    try {
        if (!replay_) {
            replay_ = std::make_shared<ParameterReplay>(config(), d->setup.dims, d->setup.outputs);
        }
        return replay_.get();
    } catch (const std::exception&) {
        return nullptr; // a config that builds no model here
    }
}

const PredictionSnapshot* RunEntry::replayed(size_t frame) const {
    auto* replay = this->replay();
    try {
        return replay ? replay->at(*data(), parameters(), frame) : nullptr;
    } catch (const std::exception&) {
        return nullptr; // kept parameters that fit no model of this config
    }
}

QString RunEntry::statusText() const {
    if (run && !isEnded(record.status) && run->state() != TrainingRun::State::Finished) {
        return stateName(run->state());
    }
    QString text = recordStatusName(record.status);
    if (record.status == RecordStatus::Failed && !record.error.isEmpty()) {
        text += QStringLiteral(": ") + record.error;
    } else if (record.status == RecordStatus::Finished &&
               record.epochsDone < record.config.train.epochs) {
        text += QObject::tr(" early"); // a stop rule ended it; the tooltip says which
    }
    return text;
}

RunsModel::RunsModel(QObject* parent)
    : QAbstractTableModel(parent) {}

RunsModel::~RunsModel() = default; // each TrainingRun stops and joins its thread

namespace {

const QColor kPalette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                           QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                           QColor(23, 190, 207)};
constexpr size_t kColors = std::size(kPalette);

// The palette slot a run's id picks (a UUID's first digits), or none.
std::optional<size_t> slotOf(const QString& storeId) {
    bool ok = false;
    const uint digits = storeId.left(8).toUInt(&ok, 16);
    return ok ? std::optional<size_t>(size_t(digits) % kColors) : std::nullopt;
}

} // namespace

QColor RunsModel::paletteColor(size_t index) {
    return kPalette[index % kColors];
}

bool RunsModel::colorTaken(const QColor& color) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&color](const auto& e) { return e->color == color; });
}

// A run's colour comes from its id, so that a run shown again from History
// (or in the next session) has the colour it had live: a new run is given an
// id whose colour is free (startRun), and a stored one takes its id's colour,
// or the next free one when another run shown has it. Runs without an id
// (from an experiment file) take turns.
QColor RunsModel::colorFor(const QString& storeId) {
    const auto slot = slotOf(storeId);
    if (!slot) {
        return kPalette[size_t(colorIndex_++) % kColors];
    }
    for (size_t k = 0; k < kColors; ++k) {
        if (!colorTaken(kPalette[(*slot + k) % kColors])) {
            return kPalette[(*slot + k) % kColors];
        }
    }
    return kPalette[*slot];
}

QString RunsModel::idWithFreeColor(QString id) const {
    // A few tries find one while any colour is free (each try picks one of ten).
    for (int tries = 0; tries < 64 && slotOf(id) && colorTaken(kPalette[*slotOf(id)]); ++tries) {
        id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    }
    return id;
}

RunEntry& RunsModel::add(std::unique_ptr<RunEntry> entry) {
    entry->id = nextId_++;
    entry->color = colorFor(entry->record.id);
    if (entry->record.name.isEmpty()) {
        entry->record.name = tr("Run %1").arg(entry->id);
    }
    const int row = int(entries_.size());
    beginInsertRows({}, row, row);
    entries_.push_back(std::move(entry));
    endInsertRows();
    Q_EMIT runAdded(entries_.back()->id);
    return *entries_.back();
}

int RunsModel::startRun(const ExperimentConfig& config) {
    const int id = startRun(newRunRecord(config, {}), false);
    if (auto* e = find(id)) { // named once its session number is known
        e->record.name = tr("Run %1: %2").arg(id).arg(describe(config));
        changed(id);
    }
    return id;
}

int RunsModel::startRun(RunRecord record, bool inStore, std::optional<ResumePoint> resume) {
    auto entry = std::make_unique<RunEntry>();
    const ExperimentConfig config = record.config;
    if (!inStore) { // not in the store yet: its id may still be chosen
        record.id = idWithFreeColor(record.id);
    }
    entry->record = std::move(record);
    entry->run = std::make_unique<TrainingRun>(config);
    if (resume) {
        entry->run->setResumePoint(std::move(*resume));
    }
    entry->recorder = std::make_unique<RunRecorder>(store_, entry->record, inStore);
    auto* run = entry->run.get();
    const int id = add(std::move(entry)).id;

    run->setPredictionInterval(500); // live, at a modest rate (bench_gui_overhead)
    run->setKeepCheckpoints(store_ != nullptr);
    connectRun(id, run);
    run->start();
    return id;
}

void RunsModel::connectRun(int id, TrainingRun* run) {
    connect(run, &TrainingRun::stateChanged, this, [this, id] { changed(id); });
    connect(run, &TrainingRun::ready, this, [this, id](const RunData& data) {
        if (auto* e = find(id)) {
            const auto& resume = e->run->resumePoint();
            e->recorder->started(data.setup,
                                 dataFingerprint(e->run->config().data, data.coords, data.targets),
                                 resume ? &*resume : nullptr);
            Q_EMIT dataReady(id);
            changed(id);
        }
    });
    connect(run, &TrainingRun::progress, this, [this, id](const ProgressBatch& batch) {
        if (auto* e = find(id)) {
            e->recorder->progress(batch);
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
    connect(run, &TrainingRun::parametersKept, this, [this, id](const ParameterFrames& frames) {
        if (auto* e = find(id)) {
            e->recorder->parameters(frames);
            Q_EMIT parametersKept(id);
        }
    });
    connect(run, &TrainingRun::checkpoint, this, [this, id](const TrainingCheckpoint& checkpoint) {
        if (auto* e = find(id); e && e->recorder) {
            e->recorder->checkpoint(checkpoint);
        }
    });
    connect(run, &TrainingRun::changed, this, [this, id](const SettingChange& change) {
        if (auto* e = find(id)) {
            // A store's request was answered there from the training thread.
            e->recorder->change(change, /*toStore=*/change.requestId <= 0 || !store_);
            Q_EMIT journalChanged(id);
            changed(id);
        }
    });
    if (store_) { // a shell's runs set/pause/resume/stop reach it through the store
        const auto& recordId = find(id)->record.id;
        store_->watchRequests(recordId, [control = run->control()](const SettingChange& request) {
            control->handle(request);
        });
        run->control()->setAnswerer([store = store_, recordId](const SettingChange& change) {
            store->recordChange(recordId, change); // thread-safe: queued to the store's thread
        });
    }
    connect(run, &TrainingRun::finished, this, [this, id](const TrainResult& result) {
        if (auto* e = find(id)) {
            if (store_) {
                store_->watchRequests(e->record.id, {});
            }
            e->run->control()->setAnswerer({}); // before the store may go
            e->recorder->finished(result, e->run->losses());
            changed(id);
            Q_EMIT runEnded(id);
        }
    });
    connect(run, &TrainingRun::historyReplaced, this, [this, id] { Q_EMIT lossesReplaced(id); });
}

int RunsModel::addSavedRun(const SavedRun& saved) {
    auto entry = std::make_unique<RunEntry>();
    entry->record.name = saved.name;
    entry->record.config = saved.config;
    recordOutcome(entry->record, saved.result, 0.0);
    entry->saved.losses = saved.result.lossHistory;
    entry->saved.timeline =
        RunTimeline::steady(0, saved.result.epochsDone, saved.result.msPerEpoch);
    entry->saved.journal = saved.journal;
    entry->record.changes = journalSummary(saved.journal);
    return add(std::move(entry)).id;
}

int RunsModel::addStoredRun(const LoadedRun& run) {
    if (const int shown = idOfStored(run.record.id)) {
        return shown;
    }
    auto entry = std::make_unique<RunEntry>();
    const auto& r = run.record;
    entry->record = r;
    entry->saved.losses = run.losses;
    entry->saved.validationLosses = run.validationLosses;
    entry->saved.averagedLosses = run.averagedLosses;
    entry->saved.timeline = RunTimeline::steady(r.forkEpoch, r.epochsDone, r.msPerEpoch);
    entry->saved.parameters = run.parameters;
    entry->saved.gradientNorms = run.gradientNorms;
    entry->saved.journal = run.journal;
    entry->saved.rungs = run.rungs;
    entry->record.changes = journalSummary(run.journal);
    for (const auto& s : run.snapshots) {
        entry->snapshots.push_back(PredictionSnapshot{s.epoch, s.values, true, -1.0, s.stride});
    }
    if (!entry->snapshots.empty() || !run.parameters.empty()) {
        // Without its data the run still shows its losses; the prediction
        // view says why it has none.
        entry->saved.data = storedRunData(r, &entry->dataProblem);
    }
    return add(std::move(entry)).id;
}

QString RunsModel::relocateData(int id, const QString& path) {
    auto* e = find(id);
    if (!e || e->record.id.isEmpty() || e->run) {
        return tr("only a stored run's file can be located");
    }
    QString error;
    auto record = e->record;
    auto data = relocatedRunData(record, path, &error);
    if (!data) {
        return error;
    }
    e->record = std::move(record);
    e->saved.data = std::move(data);
    e->dataProblem.clear();
    if (store_) {
        store_->updateRun(e->record);
    }
    Q_EMIT dataReady(id);
    changed(id);
    return {};
}

int RunsModel::idOfStored(const QString& recordId) const {
    for (const auto& e : entries_) {
        if (!recordId.isEmpty() && e->record.id == recordId) {
            return e->id;
        }
    }
    return 0;
}

void RunsModel::removeRun(int id) {
    const int row = rowOf(id);
    if (row < 0) {
        return;
    }
    if (auto& run = entries_[size_t(row)]->run) {
        run->finishNow(); // its outcome reaches the record (and store) first
    }
    beginRemoveRows({}, row, row);
    auto removed = std::move(entries_[size_t(row)]);
    entries_.erase(entries_.begin() + row);
    endRemoveRows();
    Q_EMIT runRemoved(id);
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
        if (!e->ended()) {
            continue;
        }
        const auto& r = e->record;
        TrainResult result;
        result.status = runStatusOf(r.status);
        result.lossHistory = e->losses();
        result.finalLoss = r.finalLoss;
        result.bestLoss = r.bestLoss;
        result.epochsDone = r.epochsDone;
        result.msPerEpoch = r.msPerEpoch;
        result.error = r.error.toStdString();
        if (e->run && e->run->result()) { // what only a live run knows
            result.stopReason = e->run->result()->stopReason;
            result.bestEpoch = e->run->result()->bestEpoch;
            result.restoredBest = e->run->result()->restoredBest;
            result.divergedAtEpoch = e->run->result()->divergedAtEpoch;
            result.skippedSteps = e->run->result()->skippedSteps;
            result.wallSeconds = e->run->result()->wallSeconds;
        }
        runs.push_back({r.name, r.config, std::move(result), e->journal()});
    }
    return runs;
}

QByteArray RunsModel::lossHistoryCsv() const {
    QByteArray csv = lossCsvHeader({"validation_loss", "averaged_loss"});
    for (const auto& e : entries_) {
        const auto& h = e->history();
        csv += lossCsvRows(e->record.id, e->name(), h.losses, 0, [&h](size_t epoch) {
            return QList<QByteArray>{csvCell(h.validationLosses, epoch),
                                     csvCell(h.averagedLosses, epoch)};
        });
    }
    return csv;
}

const ExperimentConfig& RunEntry::currentConfig() const {
    if (run) {
        return run->currentConfig();
    }
    if (!endConfig_ || endConfigChanges_ != saved.journal.size()) {
        endConfig_ = configAt(record.config, saved.journal, record.epochsDone);
        endConfigChanges_ = saved.journal.size();
    }
    return *endConfig_;
}

void RunsModel::change(int id, std::vector<SettingChange> changes) {
    if (auto* e = find(id); e && e->isLive()) {
        e->run->change(std::move(changes));
    }
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
    static const char* names[] = {"",           "Name",      "Data",  "Model",  "Kernel",
                                  "Params",     "AMP",       "Clip",  "Epochs", "Epochs/s",
                                  "Final loss", "Best loss", "Status"};
    return tr(names[section]);
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
    const auto* e = entryAt(index.row());
    if (!e) {
        return {};
    }
    const auto column = Column(index.column());
    const auto& r = e->record;
    if (role == Qt::CheckStateRole && column == Visible) {
        return e->visible ? Qt::Checked : Qt::Unchecked;
    }
    if (role == Qt::DecorationRole && column == Name) {
        return e->color;
    }
    if (role == Qt::ToolTipRole && column == Status && !r.error.isEmpty()) {
        return r.error;
    }
    if (role == Qt::ToolTipRole && column == FinalLoss && !e->losses().empty()) {
        // The last epoch's figures; a stored run knows its PSNR, not its peak.
        const double last = e->losses().back();
        const double peak = e->data() ? e->data()->setup.targetPeak : 0.0;
        QString text = fitText(last, r.zeroPredictorMse, peak);
        if (peak <= 0.0 && std::isfinite(r.psnrDb)) {
            text += tr(" · PSNR %1 dB").arg(r.psnrDb, 0, 'f', 1);
        }
        return text;
    }
    if (role == Qt::ToolTipRole && column == Kernel) {
        const auto note = kernelNote(r.config);
        return note.empty() ? QVariant() : QVariant(QString::fromStdString(note));
    }
    if (role == Qt::ToolTipRole && column == Clip) {
        return tr("Clipping scaled the gradient in %1 of %2 epochs")
            .arg(r.clippedEpochs)
            .arg(e->losses().size());
    }
    if (role == Qt::ToolTipRole && column == EpochsPerSecond && !r.spans.empty()) {
        return tr("Kernel, precision and rate by span of epochs: %1").arg(describeSpans(r.spans));
    }
    if (role != Qt::DisplayRole && role != Qt::EditRole) {
        return {};
    }
    const auto& c = e->currentConfig(); // live changes included
    switch (column) {
    case Name:
        return r.name;
    case Data:
        return QString::fromUtf8(dataKindName(c.data.kind).data()) +
               (c.data.kind == DataKind::Volume4d || c.data.kind == DataKind::Hyper6d ||
                        c.data.kind == DataKind::Packet4d
                    ? QStringLiteral(" G=%1").arg(effectiveGrid(c.data))
                    : QString());
    case Model:
        return QString::fromUtf8(modelKindName(c.model.kind).data());
    case Kernel: // the one its epochs take (a CUDA AMP run's are composed)
        return QString::fromUtf8(waveKernelName(kernelUsed(c)).data());
    case Parameters:
        return r.parameters > 0 ? QVariant(qlonglong(r.parameters)) : QVariant();
    case Amp:
        return c.train.mixedPrecision ? tr("on") : tr("off");
    case Clip: { // its norm now, and how often clipping has scaled (live changes may have moved it)
        const QString now =
            c.train.clipGradients ? QString::number(c.train.clipMaxNorm) : tr("off");
        return r.clippedEpochs > 0 ? tr("%1 · clipped %2").arg(now).arg(r.clippedEpochs) : now;
    }
    case Epochs:
        return QStringLiteral("%1 / %2").arg(e->losses().size()).arg(c.train.epochs);
    case EpochsPerSecond:
        if (r.spans.size() > 1) { // before and after a live AMP toggle
            QStringList rates;
            for (const auto& span : r.spans) {
                rates.append(QString::number(span.epochsPerSecond(), 'f', 0));
            }
            return rates.join(QStringLiteral(" → "));
        }
        return e->epochsPerSecond() > 0 ? QString::number(e->epochsPerSecond(), 'f', 0) : QString();
    case FinalLoss: {
        if (e->losses().empty()) {
            return {};
        }
        const double last = e->losses().back();
        const double zero = r.zeroPredictorMse;
        // docs/reference.md §6: the loss beside the flat-line baseline, so a fit can be told
        // from predicting zero.
        const QString relative = relativeText(last, zero);
        return relative.isEmpty() ? lossText(last)
                                  : QStringLiteral("%1 (%2)").arg(lossText(last), relative);
    }
    case BestLoss:
        return e->ended() ? lossText(r.bestLoss) : QString();
    case Status:
        return e->statusText();
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
        e->record.name = value.toString().trimmed();
        if (store_ && !e->record.id.isEmpty()) {
            // The stored run gets the new name; its tags and notes, which the
            // History panel may have changed meanwhile, are left as they are.
            store_->renameRun(e->record.id, e->record.name);
        }
    } else {
        return false;
    }
    changed(e->id);
    return true;
}

void refreshOnRunChanges(RunsModel* runs, QTimer* timer, QObject* receiver,
                         std::function<void()> refresh) {
    timer->setSingleShot(true);
    timer->setInterval(300);
    QObject::connect(timer, &QTimer::timeout, receiver, std::move(refresh));
    for (auto signal : {&RunsModel::runAdded, &RunsModel::runRemoved, &RunsModel::runEnded}) {
        QObject::connect(runs, signal, timer, qOverload<>(&QTimer::start));
    }
}

} // namespace dredge
