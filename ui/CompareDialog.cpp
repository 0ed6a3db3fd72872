#include "CompareDialog.h"

#include "RunRecordJson.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QTableWidget>
#include <QVBoxLayout>
#include <map>

namespace dredge {
namespace {

// "config.train.lr" → "0.001": a record as rows, nested objects flattened.
void flatten(const QJsonObject& object, const QString& prefix, std::map<QString, QString>& out) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix + it.key();
        const auto value = it.value();
        if (value.isObject()) {
            flatten(value.toObject(), key + u'.', out);
        } else if (value.isArray()) {
            QStringList items;
            for (const auto& item : value.toArray()) {
                items.append(item.toVariant().toString());
            }
            out[key] = items.join(QStringLiteral(", "));
        } else if (value.isDouble()) {
            out[key] = QString::number(value.toDouble(), 'g', 10);
        } else {
            out[key] = value.toVariant().toString();
        }
    }
}

} // namespace

CompareDialog::CompareDialog(const std::vector<RunRecord>& runs, QWidget* parent)
    : QDialog(parent)
    , table_(new QTableWidget)
    , differencesOnly_(new QCheckBox(tr("Differences only"))) {
    setWindowTitle(tr("Compare %1 runs").arg(runs.size()));
    resize(900, 640);
    std::vector<std::map<QString, QString>> columns(runs.size());
    std::map<QString, int> rowOf; // every key any run has, sorted
    for (size_t i = 0; i < runs.size(); ++i) {
        flatten(toJson(runs[i]), {}, columns[i]);
        for (const auto& [key, value] : columns[i]) {
            rowOf.emplace(key, 0);
        }
    }
    table_->setObjectName(QStringLiteral("compareTable"));
    table_->setRowCount(int(rowOf.size()));
    table_->setColumnCount(int(runs.size()));
    QStringList headers;
    for (const auto& r : runs) {
        headers.append(r.name);
    }
    table_->setHorizontalHeaderLabels(headers);
    int row = 0;
    for (auto& [key, index] : rowOf) {
        index = row;
        table_->setVerticalHeaderItem(row, new QTableWidgetItem(key));
        for (size_t i = 0; i < runs.size(); ++i) {
            const auto it = columns[i].find(key);
            table_->setItem(row, int(i),
                            new QTableWidgetItem(it != columns[i].end() ? it->second : QString()));
        }
        ++row;
    }
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(differencesOnly_);
    layout->addWidget(table_);
    layout->addWidget(buttons);
    connect(differencesOnly_, &QCheckBox::toggled, this, &CompareDialog::filterRows);
    differencesOnly_->setChecked(runs.size() > 1);
    filterRows();
}

void CompareDialog::filterRows() {
    const bool onlyDifferent = differencesOnly_->isChecked();
    for (int row = 0; row < table_->rowCount(); ++row) {
        bool same = true;
        for (int column = 1; column < table_->columnCount() && same; ++column) {
            same = table_->item(row, column)->text() == table_->item(row, 0)->text();
        }
        table_->setRowHidden(row, onlyDifferent && same);
    }
}

} // namespace dredge
