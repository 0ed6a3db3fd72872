#include "CompareDialog.h"

#include "DecadeTicker.h"
#include "FitFigures.h"
#include "QCustomPlotInclude.h"
#include "Settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <functional>

namespace dredge {
namespace {

const QColor kDifferent(255, 236, 179); // the rows where the runs disagree

// The runs' palette in the dialog: its own, since the runs need not be shown.
QColor colourOf(size_t column) {
    static const QColor palette[] = {QColor(31, 119, 180),  QColor(255, 127, 14),
                                     QColor(44, 160, 44),   QColor(214, 39, 40),
                                     QColor(148, 103, 189), QColor(140, 86, 75)};
    return palette[column % std::size(palette)];
}

// A result row: its label and how a record reads in it.
struct ResultRow {
    const char* label;
    CompareDialog::RowKind kind;
    std::function<QString(const RunRecord&)> text;
};

QString number(double value, int digits) {
    return std::isfinite(value) && value != 0.0 ? QString::number(value, 'g', digits) : QString();
}

QString time(const QDateTime& t) {
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm:ss"))
                       : QString();
}

std::vector<ResultRow> resultRows() {
    using K = CompareDialog::RowKind;
    return {
        {"Status", K::Result, [](const RunRecord& r) { return recordStatusName(r.status); }},
        {"Epochs done", K::Result,
         [](const RunRecord& r) { return QString::number(r.epochsDone); }},
        {"Final loss", K::Result, [](const RunRecord& r) { return lossText(r.finalLoss); }},
        {"Best loss", K::Result, [](const RunRecord& r) { return lossText(r.bestLoss); }},
        {"Share of zero", K::Result,
         [](const RunRecord& r) { return relativeText(r.finalLoss, r.zeroPredictorMse); }},
        {"PSNR (dB)", K::Result, [](const RunRecord& r) { return number(r.psnrDb, 3); }},
        {"ms/epoch", K::Result, [](const RunRecord& r) { return number(r.msPerEpoch, 3); }},
        {"Parameters", K::Result,
         [](const RunRecord& r) {
             return r.parameters ? QString::number(r.parameters) : QString();
         }},
        {"Points", K::Result,
         [](const RunRecord& r) { return r.points ? QString::number(r.points) : QString(); }},
        {"Error", K::Result, [](const RunRecord& r) { return r.error; }},
        {"Live changes", K::Result, [](const RunRecord& r) { return r.changes; }},
        {"Clipped epochs", K::Result,
         [](const RunRecord& r) { return QString::number(r.clippedEpochs); }},
        {"Kernel and rate", K::Result, [](const RunRecord& r) { return describeSpans(r.spans); }},
        {"Id", K::Identity, [](const RunRecord& r) { return r.id.left(8); }},
        {"Created", K::Identity, [](const RunRecord& r) { return time(r.created); }},
        {"Ended", K::Identity, [](const RunRecord& r) { return time(r.ended); }},
        {"Host", K::Identity, [](const RunRecord& r) { return r.host; }},
        {"App version", K::Identity, [](const RunRecord& r) { return r.appVersion; }},
        {"LibTorch", K::Identity, [](const RunRecord& r) { return r.torchVersion; }},
        {"Data fingerprint", K::Identity,
         [](const RunRecord& r) { return r.dataFingerprint.left(12); }},
    };
}

} // namespace

CompareDialog::CompareDialog(const std::vector<RunRecord>& runs, QWidget* parent)
    : QDialog(parent)
    , runs_(runs)
    , table_(new QTableWidget(0, int(runs.size())))
    , differencesOnly_(new QCheckBox(tr("Differences only")))
    , plot_(new QCustomPlot) {
    setWindowTitle(tr("Compare %n runs", nullptr, int(runs.size())));
    resize(900, 700);
    QStringList headers;
    for (const auto& r : runs) {
        headers.append(r.name);
    }
    table_->setObjectName(QStringLiteral("compareTable"));
    table_->setHorizontalHeaderLabels(headers);
    for (const auto& s : settings()) {
        if (std::none_of(runs.begin(), runs.end(),
                         [&s](const RunRecord& r) { return s.applies(r.config); })) {
            continue; // no run has it: the grid of chirp runs
        }
        QStringList values;
        for (const auto& r : runs) {
            values.append(s.applies(r.config) ? valueText(s, s.get(r.config)) : QString());
        }
        addRow(s.label, RowKind::Setting, values);
    }
    for (const auto& row : resultRows()) {
        QStringList values;
        for (const auto& r : runs) {
            values.append(row.text(r));
        }
        addRow(tr(row.label), row.kind, values);
    }
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);

    plot_->setObjectName(QStringLiteral("compareLosses"));
    plot_->xAxis->setLabel(tr("epoch"));
    plot_->yAxis->setLabel(tr("loss (MSE)"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<DecadeTicker>::create()); // as the loss plot labels it
    plot_->setMinimumHeight(160);
    for (size_t i = 0; i < runs.size(); ++i) {
        auto* graph = plot_->addGraph();
        graph->setPen(QPen(colourOf(i), 1.4));
        graph->setName(runs[i].name);
        table_->horizontalHeaderItem(int(i))->setForeground(colourOf(i));
    }

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(table_);
    split->addWidget(plot_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(differencesOnly_);
    layout->addWidget(split, 1);
    layout->addWidget(buttons);
    connect(differencesOnly_, &QCheckBox::toggled, this, &CompareDialog::filterRows);
    differencesOnly_->setChecked(runs.size() > 1);
    filterRows();
}

void CompareDialog::addRow(const QString& label, RowKind kind, const QStringList& values) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    table_->setVerticalHeaderItem(row, new QTableWidgetItem(label));
    const bool differ = std::any_of(values.begin(), values.end(),
                                    [&values](const QString& v) { return v != values.first(); });
    for (int column = 0; column < int(values.size()); ++column) {
        auto* item = new QTableWidgetItem(values[column]);
        if (differ && kind != RowKind::Identity) {
            item->setBackground(kDifferent);
        }
        table_->setItem(row, column, item);
    }
    rowKinds_.push_back(kind);
}

void CompareDialog::filterRows() {
    const bool onlyDifferent = differencesOnly_->isChecked();
    for (int row = 0; row < table_->rowCount(); ++row) {
        bool same = true;
        for (int column = 1; column < table_->columnCount() && same; ++column) {
            same = table_->item(row, column)->text() == table_->item(row, 0)->text();
        }
        const bool identity = rowKinds_[size_t(row)] == RowKind::Identity;
        table_->setRowHidden(row, onlyDifferent && (same || identity));
    }
}

void CompareDialog::showLosses(const QString& id, const std::vector<double>& losses) {
    for (size_t i = 0; i < runs_.size(); ++i) {
        if (runs_[i].id != id) {
            continue;
        }
        QVector<double> keys(qsizetype(losses.size())), values(qsizetype(losses.size()));
        for (size_t e = 0; e < losses.size(); ++e) {
            keys[qsizetype(e)] = double(e + 1);
            values[qsizetype(e)] = losses[e];
        }
        plot_->graph(int(i))->setData(keys, values, true);
    }
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace dredge
