#include "SweepDialog.h"

#include "ExperimentJson.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace dredge {
namespace {

enum AxisColumn { SettingColumn, ValuesColumn };

// "on", "3", "1e-3", "siren" → true, 3, 0.001, "siren".
QJsonValue valueOf(const QString& text) {
    const QString t = text.trimmed();
    if (t == QLatin1String("on") || t == QLatin1String("true")) {
        return true;
    }
    if (t == QLatin1String("off") || t == QLatin1String("false")) {
        return false;
    }
    bool number = false;
    const double d = t.toDouble(&number);
    return number ? QJsonValue(d) : QJsonValue(t);
}

// An axis as typed: "a, b, c" or "from .. to xN [log]".
QJsonObject axisJson(const QString& setting, const QString& text) {
    static const QRegularExpression range(
        QStringLiteral(R"(^\s*(\S+)\s*\.\.\s*(\S+)\s*x\s*(\d+)\s*(log|linear)?\s*$)"));
    QJsonObject axis{{"setting", setting}};
    if (const auto m = range.match(text); m.hasMatch()) {
        axis.insert(QStringLiteral("range"),
                    QJsonObject{{"from", m.captured(1).toDouble()},
                                {"to", m.captured(2).toDouble()},
                                {"points", m.captured(3).toInt()},
                                {"scale", m.captured(4).isEmpty() ? QStringLiteral("linear")
                                                                  : m.captured(4)}});
        return axis;
    }
    QJsonArray values;
    for (const auto& part : text.split(u',', Qt::SkipEmptyParts)) {
        values.append(valueOf(part));
    }
    axis.insert(QStringLiteral("values"), values);
    return axis;
}

// "0-4" → {from, to}; "0, 3, 7" → a list.
QJsonValue seedsJson(const QString& text) {
    static const QRegularExpression span(QStringLiteral(R"(^\s*(\d+)\s*-\s*(\d+)\s*$)"));
    if (const auto m = span.match(text); m.hasMatch()) {
        return QJsonObject{{"from", m.captured(1).toDouble()}, {"to", m.captured(2).toDouble()}};
    }
    QJsonArray seeds;
    for (const auto& part : text.split(u',', Qt::SkipEmptyParts)) {
        seeds.append(valueOf(part));
    }
    return seeds;
}

// The modes, and an adaptive mode's keys as the builder first offers them
// (the file format's names; docs/sweeps.md).
struct MethodKeys {
    const char* mode;
    const char* label;
    const char* defaults; // empty: the mode has no keys of its own
};
constexpr MethodKeys kMethods[] = {
    {"grid", QT_TRANSLATE_NOOP("SweepDialog", "Grid: every combination"), ""},
    {"random", QT_TRANSLATE_NOOP("SweepDialog", "Random: seeded samples"), ""},
    {"asha", QT_TRANSLATE_NOOP("SweepDialog", "ASHA: prune at rungs"),
     "min_epochs=20, reduction=3, objective=mean"},
    {"hyperband", QT_TRANSLATE_NOOP("SweepDialog", "Hyperband: brackets of ASHA"),
     "min_epochs=20, reduction=3, objective=mean"},
    {"tpe", QT_TRANSLATE_NOOP("SweepDialog", "TPE: propose from the results"),
     "trials=20, startup=10, gamma=0.25"},
    {"pbt", QT_TRANSLATE_NOOP("SweepDialog", "PBT: a population that copies its best"),
     "population=8, interval=60, quantile=0.25"},
};

// "min_epochs=20, objective=mean, perturb=0.8 1.2" → JSON keys: numbers,
// lists of numbers, else text.
QJsonObject methodJson(const QString& text) {
    QJsonObject json;
    for (const auto& part : text.split(u',', Qt::SkipEmptyParts)) {
        const auto key = part.section(u'=', 0, 0).trimmed();
        const auto value = part.section(u'=', 1).trimmed();
        const auto words = value.split(u' ', Qt::SkipEmptyParts);
        if (words.size() > 1) {
            QJsonArray list;
            for (const auto& w : words) {
                list.append(valueOf(w));
            }
            json.insert(key, list);
        } else if (!key.isEmpty()) {
            json.insert(key, valueOf(value));
        }
    }
    return json;
}

// A file's keys besides the builder's own fields, as the method box shows them.
QString methodText(const QJsonObject& file) {
    static const QStringList kFields{"format", "version", "name", "base", "mode", "axes", "seeds"};
    QStringList parts;
    for (const auto& key : file.keys()) {
        const auto v = file.value(key);
        if (kFields.contains(key)) {
            continue;
        }
        if (v.isArray()) {
            QStringList words;
            for (const auto& w : v.toArray()) {
                words.append(w.toVariant().toString());
            }
            parts.append(key + u'=' + words.join(u' '));
        } else if (!v.isUndefined()) {
            parts.append(key + u'=' + v.toVariant().toString());
        }
    }
    return parts.join(QStringLiteral(", "));
}

QString axisText(const SweepAxis& axis) {
    if (axis.isRange) {
        return QStringLiteral("%1 .. %2 x%3%4")
            .arg(axis.from)
            .arg(axis.to)
            .arg(axis.values.size())
            .arg(axis.logScale ? QStringLiteral(" log") : QString());
    }
    QStringList parts;
    for (const auto& v : axis.values) {
        parts.append(v.isBool() ? (v.toBool() ? QStringLiteral("on") : QStringLiteral("off"))
                                : v.toVariant().toString());
    }
    return parts.join(QStringLiteral(", "));
}

} // namespace

SweepDialog::SweepDialog(const ExperimentConfig& base, int defaultJobs, QWidget* parent)
    : QDialog(parent)
    , base_(base)
    , name_(new QLineEdit(tr("sweep")))
    , mode_(new QComboBox)
    , samples_(new QSpinBox)
    , method_(new QLineEdit)
    , axes_(new QTableWidget(0, 2))
    , seeds_(new QLineEdit(QStringLiteral("0-2")))
    , jobs_(new QSpinBox)
    , count_(new QLabel)
    , start_(new QPushButton(tr("Start sweep"))) {
    setWindowTitle(tr("New sweep"));
    resize(620, 480);
    for (const auto& m : kMethods) {
        mode_->addItem(tr(m.label), QLatin1String(m.mode));
    }
    method_->setObjectName(QStringLiteral("sweepMethod"));
    method_->setToolTip(tr("The adaptive mode's keys, as the sweep file names them "
                           "(docs/sweeps.md); an adaptive sweep runs as 'dredge-studio sweep', "
                           "its runs in History"));
    samples_->setRange(1, 100000);
    samples_->setValue(10);
    jobs_->setRange(1, 256);
    jobs_->setValue(std::max(1, defaultJobs));
    jobs_->setToolTip(tr("Runs training at once (default: cores / threads per run)"));
    axes_->setObjectName(QStringLiteral("sweepAxes"));
    axes_->setHorizontalHeaderLabels({tr("Setting"), tr("Values")});
    axes_->horizontalHeader()->setSectionResizeMode(ValuesColumn, QHeaderView::Stretch);
    axes_->verticalHeader()->hide();
    axes_->setToolTip(tr("Values: a list (0.001, 0.003 · on, off · siren, rff) or a range "
                         "(1e-4 .. 1e-2 x5 log)"));
    count_->setObjectName(QStringLiteral("sweepCount"));

    auto* form = new QFormLayout;
    form->addRow(tr("Name"), name_);
    form->addRow(tr("Mode"), mode_);
    form->addRow(tr("Samples"), samples_);
    form->addRow(tr("Method"), method_);
    form->addRow(tr("Seeds"), seeds_);
    form->addRow(tr("Runs at once"), jobs_);
    auto* addAxis = new QPushButton(tr("Add axis"));
    auto* removeAxis = new QPushButton(tr("Remove axis"));
    auto* open = new QPushButton(tr("Open…"));
    auto* save = new QPushButton(tr("Save…"));
    auto* axisButtons = new QHBoxLayout;
    axisButtons->addWidget(addAxis);
    axisButtons->addWidget(removeAxis);
    axisButtons->addStretch();
    axisButtons->addWidget(open);
    axisButtons->addWidget(save);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    buttons->addButton(start_, QDialogButtonBox::AcceptRole);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Base: the experiment in the form. Each axis varies one "
                                    "setting; every run is trained once per seed.")));
    layout->addLayout(form);
    layout->addWidget(axes_, 1);
    layout->addLayout(axisButtons);
    layout->addWidget(count_);
    layout->addWidget(buttons);

    connect(addAxis, &QPushButton::clicked, this, &SweepDialog::addAxisRow);
    connect(removeAxis, &QPushButton::clicked, this, [this] {
        axes_->removeRow(axes_->currentRow() >= 0 ? axes_->currentRow() : axes_->rowCount() - 1);
        recount();
    });
    connect(open, &QPushButton::clicked, this, [this] {
        const auto path =
            QFileDialog::getOpenFileName(this, tr("Open sweep"), {}, tr("Sweeps (*.json)"));
        QString error;
        if (!path.isEmpty() && !openFile(path, &error)) {
            QMessageBox::warning(this, tr("Cannot open sweep"), error);
        }
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const auto path = QFileDialog::getSaveFileName(this, tr("Save sweep"), tr("sweep.json"),
                                                       tr("Sweeps (*.json)"));
        QString error;
        if (!path.isEmpty() && !saveFile(path, &error)) {
            QMessageBox::warning(this, tr("Cannot save sweep"), error);
        }
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(axes_, &QTableWidget::itemChanged, this, &SweepDialog::recount);
    for (auto* box : {seeds_, name_, method_}) { // the count follows every field
        connect(box, &QLineEdit::textChanged, this, &SweepDialog::recount);
    }
    connect(samples_, &QSpinBox::valueChanged, this, &SweepDialog::recount);
    connect(mode_, &QComboBox::currentIndexChanged, this, &SweepDialog::modeChanged);
    samples_->setEnabled(false);
    method_->setEnabled(false);
    setAxis(0, QStringLiteral("lr"), QStringLiteral("0.001, 0.003"));
}

void SweepDialog::modeChanged() {
    const QString mode = mode_->currentData().toString();
    const auto m = std::find_if(std::begin(kMethods), std::end(kMethods),
                                [&](const MethodKeys& k) { return mode == QLatin1String(k.mode); });
    const QString defaults = m != std::end(kMethods) ? QLatin1String(m->defaults) : QString();
    samples_->setEnabled(mode == QLatin1String("random"));
    method_->setEnabled(!defaults.isEmpty());
    method_->setText(defaults);
    // A population trains side by side (docs/sweeps.md): `sweep` runs it all at once.
    const bool population = mode == QLatin1String("pbt");
    jobs_->setEnabled(!population);
    jobs_->setToolTip(population ? tr("A pbt population trains all at once: members × seeds runs")
                                 : tr("Runs training at once (default: cores / threads per run)"));
    recount();
}

void SweepDialog::addAxisRow() {
    const int row = axes_->rowCount();
    axes_->insertRow(row);
    auto* setting = new QComboBox;
    setting->addItems(sweepSettings());
    connect(setting, &QComboBox::currentIndexChanged, this, &SweepDialog::recount);
    axes_->setCellWidget(row, SettingColumn, setting);
    axes_->setItem(row, ValuesColumn, new QTableWidgetItem);
    recount();
}

void SweepDialog::setAxis(int row, const QString& setting, const QString& values) {
    while (axes_->rowCount() <= row) {
        addAxisRow();
    }
    static_cast<QComboBox*>(axes_->cellWidget(row, SettingColumn))->setCurrentText(setting);
    axes_->item(row, ValuesColumn)->setText(values);
    recount();
}

QJsonObject SweepDialog::json(QString*) const {
    QJsonArray axes;
    for (int row = 0; row < axes_->rowCount(); ++row) {
        const auto* setting = static_cast<QComboBox*>(axes_->cellWidget(row, SettingColumn));
        const auto* values = axes_->item(row, ValuesColumn);
        if (values && !values->text().trimmed().isEmpty()) {
            axes.append(axisJson(setting->currentText(), values->text()));
        }
    }
    QJsonObject json{{"format", "dredge-sweep"},
                     {"version", kSweepFileVersion},
                     {"name", name_->text().trimmed().isEmpty() ? QStringLiteral("sweep")
                                                                : name_->text().trimmed()},
                     {"base", toJson(base_)},
                     {"mode", mode_->currentData().toString()},
                     {"axes", axes},
                     {"seeds", seedsJson(seeds_->text())}};
    if (mode_->currentData() == QLatin1String("random")) {
        json.insert(QStringLiteral("samples"), samples_->value());
        json.insert(QStringLiteral("sample_seed"), 0);
    }
    if (method_->isEnabled()) {
        const auto keys = methodJson(method_->text());
        for (auto it = keys.begin(); it != keys.end(); ++it) {
            json.insert(it.key(), it.value());
        }
    }
    return json;
}

std::optional<SweepSpec> SweepDialog::spec(QString* error) const {
    return sweepFromJson(json(error), error);
}

int SweepDialog::jobs() const {
    return jobs_->value();
}

void SweepDialog::recount() {
    QString error;
    const auto s = spec(&error);
    const auto tasks = s ? expandSweep(*s, &error) : std::nullopt;
    start_->setEnabled(tasks.has_value());
    count_->setText(
        tasks
            ? (tasks->size() == 1 ? tr("Starts 1 run.") : tr("Starts %1 runs.").arg(tasks->size()))
            : QStringLiteral("<span style='color:#b00020'>%1</span>").arg(error.toHtmlEscaped()));
}

bool SweepDialog::openFile(const QString& path, QString* error) {
    const auto s = readSweepFile(path, error);
    if (!s) {
        return false;
    }
    base_ = s->base;
    name_->setText(s->name);
    mode_->setCurrentIndex(mode_->findData(sweepModeName(s->mode)));
    if (method_->isEnabled()) { // the file's own keys, not the mode's defaults
        method_->setText(methodText(toJson(*s)));
    }
    samples_->setValue(std::max(1, s->samples));
    axes_->setRowCount(0);
    for (size_t i = 0; i < s->axes.size(); ++i) {
        setAxis(int(i), s->axes[i].setting, axisText(s->axes[i]));
    }
    QStringList seeds;
    for (auto seed : s->seeds) {
        seeds.append(QString::number(seed));
    }
    seeds_->setText(seeds.join(QStringLiteral(", ")));
    recount();
    return true;
}

bool SweepDialog::saveFile(const QString& path, QString* error) const {
    const auto s = spec(error);
    if (!s) {
        return false;
    }
    const QByteArray bytes = QJsonDocument(toJson(*s)).toJson(QJsonDocument::Indented);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace dredge
