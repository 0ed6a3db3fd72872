#include "HistoryModel.h"

#include "FitFigures.h"

#include <QColor>
#include <cmath>
#include <limits>

namespace dredge {
namespace {

// Losses read as everywhere in the window (FitFigures); no loss, no text.
QString figure(double value) {
    return std::isfinite(value) ? lossText(value) : QString();
}
// NaN sorts after every number in both directions' natural reading.
QVariant sortable(double value) {
    return std::isfinite(value) ? value : std::numeric_limits<double>::max();
}

} // namespace

HistoryModel::HistoryModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void HistoryModel::setRuns(std::vector<RunRecord> runs) {
    beginResetModel();
    runs_ = std::move(runs);
    endResetModel();
}

const RunRecord* HistoryModel::recordAt(int row) const {
    return row >= 0 && row < int(runs_.size()) ? &runs_[size_t(row)] : nullptr;
}

int HistoryModel::rowOf(const QString& id) const {
    for (size_t i = 0; i < runs_.size(); ++i) {
        if (runs_[i].id == id) {
            return int(i);
        }
    }
    return -1;
}

int HistoryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(runs_.size());
}
int HistoryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::ToolTipRole && section == Star) {
        return tr("Starred");
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    static const char* names[] = {"★",      "Name",       "Created",   "Status",   "Data",
                                  "Model",  "LR",         "Seed",      "AMP",      "Clip",
                                  "Epochs", "Final loss", "Best loss", "ms/epoch", "Live changes",
                                  "Tags",   "Notes"};
    return tr(names[section]);
}

QVariant HistoryModel::display(const RunRecord& r, Column column) const {
    const auto& c = r.config;
    switch (column) {
    case Star:
        return r.starred ? QStringLiteral("★") : QString();
    case Name:
        return r.archived ? tr("%1 (archived)").arg(r.name) : r.name;
    case Created:
        return r.created.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    case Status:
        return recordStatusName(r.status);
    case Data:
        return QString::fromUtf8(dataKindName(c.data.kind).data());
    case Model:
        return QString::fromUtf8(modelKindName(c.model.kind).data());
    case LearningRate:
        return QString::number(c.train.learningRate, 'g', 3);
    case Seed:
        return QString::number(c.train.seed);
    case Amp:
        return c.train.mixedPrecision ? tr("on") : tr("off");
    case Clip:
        return c.train.clipGradients ? QString::number(c.train.clipMaxNorm) : tr("off");
    case Epochs:
        return QStringLiteral("%1 / %2").arg(r.epochsDone).arg(c.train.epochs);
    case FinalLoss:
        return figure(r.finalLoss);
    case BestLoss:
        return figure(r.bestLoss);
    case MsPerEpoch:
        return r.msPerEpoch > 0 ? QString::number(r.msPerEpoch, 'f', 3) : QString();
    case Changes:
        return r.changes;
    case Tags:
        return r.tags.join(QStringLiteral(", "));
    case Notes:
        return r.notes.section(u'\n', 0, 0);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant HistoryModel::sortKey(const RunRecord& r, Column column) const {
    switch (column) {
    case Created: // a sweep's runs share their moment: then its task order, then the name
        return QStringLiteral("%1 %2 %3")
            .arg(r.created.toMSecsSinceEpoch(), 15, 10, QLatin1Char('0'))
            .arg(r.sweepTask + 1, 9, 10, QLatin1Char('0'))
            .arg(r.name);
    case LearningRate:
        return r.config.train.learningRate;
    case Seed:
        return qulonglong(r.config.train.seed);
    case Epochs:
        return r.epochsDone;
    case FinalLoss:
        return sortable(r.finalLoss);
    case BestLoss:
        return sortable(r.bestLoss);
    case MsPerEpoch:
        return r.msPerEpoch;
    case Star:
        return r.starred;
    default:
        return display(r, column);
    }
}

QVariant HistoryModel::data(const QModelIndex& index, int role) const {
    const auto* r = recordAt(index.row());
    if (!r) {
        return {};
    }
    const auto column = Column(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return display(*r, column);
    case Qt::EditRole:
        return column == Name ? r->name : display(*r, column);
    case Qt::UserRole:
        return sortKey(*r, column);
    case Qt::ToolTipRole:
        if (column == Notes && !r->notes.isEmpty()) {
            return r->notes;
        }
        if (column == Status && !r->error.isEmpty()) {
            return r->error;
        }
        if (column == Name) {
            return tr("%1\nid %2\n%3 on %4, DREDGE Studio %5, LibTorch %6")
                .arg(describe(r->config), r->id, r->device, r->host, r->appVersion,
                     r->torchVersion);
        }
        return {};
    case Qt::ForegroundRole:
        return r->archived ? QVariant(QColor(Qt::gray)) : QVariant();
    default:
        return {};
    }
}

Qt::ItemFlags HistoryModel::flags(const QModelIndex& index) const {
    auto f = QAbstractTableModel::flags(index);
    return index.column() == Name ? f | Qt::ItemIsEditable : f;
}

bool HistoryModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || index.column() != Name || !recordAt(index.row())) {
        return false;
    }
    const QString name = value.toString().trimmed();
    auto& r = runs_[size_t(index.row())];
    if (name.isEmpty() || name == r.name) {
        return false;
    }
    r.name = name;
    Q_EMIT dataChanged(index, index);
    Q_EMIT edited(r);
    return true;
}

} // namespace dredge
