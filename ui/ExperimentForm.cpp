#include "ExperimentForm.h"

#include "CsvSignal.h"
#include "Settings.h"
#include "Trainer.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QStandardItemModel>
#include <climits>
#include <cmath>
#include <tuple>

namespace dredge {
namespace {

bool fitsSpinBox(const Setting& s) {
    return s.kind == SettingKind::Integer && !s.optional && (std::isinf(s.max) || s.max <= INT_MAX);
}

QString numberText(const QJsonValue& v) {
    return v.isDouble() ? QString::number(v.toDouble(), 'g', 10) : QString();
}

// The noun a message starts with: "learning rate must be …".
QString noun(const QString& label) {
    return label.size() > 1 && label[1].isLower() ? label.left(1).toLower() + label.mid(1) : label;
}

QComboBox* choiceBox(const Setting& s) {
    auto* box = new QComboBox;
    // The longest label ("Moving wave packet (x, y, z, t)") must not set the
    // panel's width: the list shrinks with the dock and opens full width.
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(12);
    // The table knows no machine (nor LibTorch): CUDA's availability is asked here.
    const auto cuda = QString::fromUtf8(deviceName(ComputeDevice::Cuda).data());
    for (const auto& choice : s.choices) {
        box->addItem(choice.label, choice.name);
        if (choice.name == cuda && !cudaAvailable()) {
            auto* item = qobject_cast<QStandardItemModel*>(box->model())->item(box->count() - 1);
            item->setEnabled(false);
            item->setToolTip(QObject::tr("Not available in this build or on this machine"));
        }
    }
    return box;
}

} // namespace

ExperimentForm::ExperimentForm(unsigned shown, QWidget* parent)
    : QWidget(parent)
    , bfloat16Dot_(cpuHasBFloat16Dot()) {
    static_assert(InForm == 4, "the header's default names InForm by value");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(makeLiveBar());
    addFields(shown);
    // Under the fields: why the values cannot run (red), and what running
    // them would cost on this machine (amber).
    for (auto [label, name, colour] : {std::tuple{&message_, "formProblem", "#b00020"},
                                       std::tuple{&note_, "formNote", "#8a5300"}}) {
        *label = new QLabel;
        (*label)->setObjectName(QString::fromLatin1(name));
        (*label)->setWordWrap(true);
        (*label)->setStyleSheet(QStringLiteral("color: %1;").arg(QLatin1String(colour)));
        layout->addWidget(*label);
    }
    layout->addStretch(1);
    setConfig(ExperimentConfig{});
}

QWidget* ExperimentForm::makeEditor(const Setting& s) {
    switch (s.kind) {
    case SettingKind::Switch:
        return new QCheckBox(s.label);
    case SettingKind::Choice:
        return choiceBox(s);
    case SettingKind::Integer:
        if (fitsSpinBox(s)) {
            auto* spin = new QSpinBox;
            spin->setRange(int(s.min), std::isinf(s.max) ? INT_MAX : int(s.max));
            spin->setGroupSeparatorShown(true);
            spin->setSpecialValueText(s.unsetText); // "off" for 0 where 0 means off
            return spin;
        }
        [[fallthrough]];
    case SettingKind::Real:
    case SettingKind::Path:
    case SettingKind::Text: {
        auto* edit = new QLineEdit;
        edit->setPlaceholderText(s.unsetText);
        return edit;
    }
    }
    return nullptr;
}

QWidget* ExperimentForm::makeLiveBar() {
    liveBar_ = new QWidget;
    liveBar_->setObjectName(QStringLiteral("liveBar"));
    liveBar_->setStyleSheet(
        QStringLiteral("#liveBar { background: #e8f0fe; border-radius: 4px; }"));
    auto* layout = new QVBoxLayout(liveBar_);
    liveLabel_ = new QLabel;
    liveLabel_->setWordWrap(true);
    layout->addWidget(liveLabel_);
    auto* buttons = new QHBoxLayout;
    apply_ = new QPushButton(tr("Apply"));
    apply_->setObjectName(QStringLiteral("applyLive"));
    apply_->setToolTip(tr("Send the changed live settings to the run: they apply at its next "
                          "epoch boundary and go into its journal (Enter does the same)"));
    auto* leave = new QPushButton(tr("New experiment"));
    leave->setToolTip(tr("Leave the run's settings and edit a new experiment"));
    buttons->addWidget(apply_);
    buttons->addStretch(1);
    buttons->addWidget(leave);
    layout->addLayout(buttons);
    connect(apply_, &QPushButton::clicked, this, &ExperimentForm::applyRequested);
    connect(leave, &QPushButton::clicked, this, &ExperimentForm::leaveLiveRequested);
    for (const auto key : {Qt::Key_Return, Qt::Key_Enter}) {
        auto* enter = new QShortcut(QKeySequence(key), this, nullptr, nullptr,
                                    Qt::WidgetWithChildrenShortcut);
        connect(enter, &QShortcut::activated, this, [this] {
            if (live_ && apply_->isEnabled()) {
                Q_EMIT applyRequested();
            }
        });
    }
    liveBar_->hide();
    return liveBar_;
}

void ExperimentForm::showLive(const QString& runName, const ExperimentConfig& current) {
    if (!live_) {
        draft_ = config();
    }
    live_ = true;
    liveBase_ = current;
    liveLabel_->setText(tr("<b>%1</b> is training. Its live settings (the editable ones) apply "
                           "at its next epoch boundary when you press Apply; the others are "
                           "fixed for this run.")
                            .arg(runName.toHtmlEscaped()));
    setConfig(current);
    setFieldsLive(true);
    liveBar_->show();
}

void ExperimentForm::updateLive(const ExperimentConfig& current) {
    if (!live_) {
        return;
    }
    const bool editing = !liveChanges().empty();
    liveBase_ = current;
    if (!editing) {
        setConfig(current);
    }
    revalidate();
}

void ExperimentForm::endLive() {
    if (!live_) {
        return;
    }
    live_ = false;
    setFieldsLive(false);
    liveBar_->hide();
    setConfig(draft_);
}

void ExperimentForm::setFieldsLive(bool live) {
    for (const auto& f : fields_) {
        const bool fixed = live && !f.setting->has(Live);
        for (auto* w : f.row) {
            if (w) {
                w->setEnabled(!fixed);
            }
        }
        f.editor->setToolTip(fixed ? tr("Fixed while the run trains: fork it to change %1 "
                                        "(Run ▸ Fork from a checkpoint)")
                                         .arg(noun(f.setting->label))
                                   : f.setting->help + u' ' + defaultText(*f.setting));
    }
}

std::vector<SettingChange> ExperimentForm::liveChanges() const {
    std::vector<SettingChange> changes;
    if (!live_) {
        return changes;
    }
    const ExperimentConfig now = config();
    for (const auto& f : fields_) {
        const Setting& s = *f.setting;
        if (!s.has(Live) || !s.applies(now) || s.get(now) == s.get(liveBase_)) {
            continue;
        }
        SettingChange change;
        change.setting = s.name;
        change.value = s.get(now);
        change.source = ChangeSource::Window;
        changes.push_back(std::move(change));
    }
    return changes;
}

void ExperimentForm::addFields(unsigned shown) {
    auto* layout = static_cast<QVBoxLayout*>(this->layout());
    QGroupBox* box = nullptr;
    QFormLayout* form = nullptr;
    for (const auto& s : settings()) {
        if ((s.uses & shown) != shown) {
            continue;
        }
        if (!box || box->title() != s.group) {
            box = new QGroupBox(s.group);
            form = new QFormLayout(box);
            layout->addWidget(box);
        }
        QWidget* editor = makeEditor(s);
        editor->setObjectName(s.name);
        editor->setToolTip(s.help + u' ' + defaultText(s));
        Field field{&s, editor, {}};
        if (s.kind == SettingKind::Switch) {
            form->addRow(editor);
            field.row = {editor};
        } else if (s.kind == SettingKind::Path) {
            auto* row = new QWidget;
            auto* rowLayout = new QHBoxLayout(row);
            rowLayout->setContentsMargins(0, 0, 0, 0);
            rowLayout->addWidget(editor, 1);
            auto* browse = new QPushButton(tr("Browse…"));
            rowLayout->addWidget(browse);
            auto* edit = static_cast<QLineEdit*>(editor);
            connect(browse, &QPushButton::clicked, this, [this, edit] {
                const auto path =
                    QFileDialog::getOpenFileName(this, tr("Open a signal"), edit->text(),
                                                 tr("CSV files (*.csv *.txt);;All files (*)"));
                if (!path.isEmpty()) {
                    edit->setText(path);
                }
            });
            form->addRow(s.label, row);
            field.row = {row, form->labelForField(row)};
        } else {
            form->addRow(s.label, editor);
            field.row = {editor, form->labelForField(editor)};
        }
        const auto edited = [this, setting = &s] { onEdited(setting); };
        if (auto* check = qobject_cast<QCheckBox*>(editor)) {
            connect(check, &QCheckBox::toggled, this, edited);
        } else if (auto* combo = qobject_cast<QComboBox*>(editor)) {
            connect(combo, &QComboBox::currentIndexChanged, this, edited);
        } else if (auto* spin = qobject_cast<QSpinBox*>(editor)) {
            connect(spin, &QSpinBox::valueChanged, this, edited);
        } else if (auto* edit = qobject_cast<QLineEdit*>(editor)) {
            connect(edit, &QLineEdit::textChanged, this, edited);
        }
        fields_.push_back(std::move(field));
    }
}

QWidget* ExperimentForm::fieldWidget(const QString& setting) const {
    for (const auto& f : fields_) {
        if (f.setting->name == setting) {
            return f.editor;
        }
    }
    return nullptr;
}

void ExperimentForm::write(const Field& f, const ExperimentConfig& config) {
    const QJsonValue value = f.setting->get(config);
    if (auto* check = qobject_cast<QCheckBox*>(f.editor)) {
        check->setChecked(value.toBool());
    } else if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
        const int index = combo->findData(value.toString());
        combo->setCurrentIndex(index < 0 ? 0 : index);
    } else if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
        spin->setValue(
            int(std::clamp(value.toDouble(), double(spin->minimum()), double(spin->maximum()))));
    } else if (auto* edit = qobject_cast<QLineEdit*>(f.editor)) {
        edit->setText(value.isString() ? value.toString() : numberText(value));
    }
}

std::optional<QJsonValue> ExperimentForm::read(const Field& f, QString* problem) const {
    if (auto* check = qobject_cast<QCheckBox*>(f.editor)) {
        return QJsonValue(check->isChecked());
    }
    if (auto* combo = qobject_cast<QComboBox*>(f.editor)) {
        return QJsonValue(combo->currentData().toString());
    }
    const QString where = noun(f.setting->label);
    if (auto* spin = qobject_cast<QSpinBox*>(f.editor)) {
        const QJsonValue value(spin->value());
        return checkValue(*f.setting, value, where, problem) ? std::optional(value) : std::nullopt;
    }
    const auto* edit = static_cast<QLineEdit*>(f.editor);
    if (f.setting->kind == SettingKind::Path) {
        return QJsonValue(edit->text().trimmed());
    }
    return parseValue(*f.setting, edit->text(), where, problem);
}

ExperimentConfig ExperimentForm::readConfig(QString* problem) const {
    ExperimentConfig c = base_;
    // Choices and switches first: they decide which of the other fields apply.
    for (const bool deciding : {true, false}) {
        for (const auto& f : fields_) {
            const auto kind = f.setting->kind;
            const bool decides = kind == SettingKind::Choice || kind == SettingKind::Switch;
            if (decides != deciding || (!decides && !f.setting->applies(c))) {
                continue;
            }
            QString why;
            if (const auto value = read(f, &why)) {
                f.setting->set(c, *value);
            } else if (problem && problem->isEmpty()) {
                *problem = why;
            }
        }
    }
    return c;
}

ExperimentConfig ExperimentForm::config() const {
    return readConfig(nullptr);
}

void ExperimentForm::setConfig(const ExperimentConfig& config) {
    base_ = config;
    writing_ = true;
    for (const auto& f : fields_) {
        write(f, config);
    }
    writing_ = false;
    for (const auto& f : fields_) {
        if (const auto* leader = findSetting(f.setting->followsDefaultOf)) {
            leaderValues_[leader->name] = valueText(*leader, leader->get(config));
        }
    }
    updateVisibility(config);
    revalidate();
}

void ExperimentForm::onEdited(const Setting* edited) {
    if (writing_) {
        return;
    }
    // A field that follows the edited one keeps its value for the value the
    // edited one had, and takes the one it had for the new value (or its
    // default for the new config): each data set its own grid and epochs.
    ExperimentConfig c = config();
    const QString now = valueText(*edited, edited->get(c));
    const auto before = leaderValues_.find(edited->name);
    writing_ = true;
    for (const auto& f : fields_) {
        if (f.setting->followsDefaultOf != edited->name) {
            continue;
        }
        if (before != leaderValues_.end()) {
            followerValues_[{f.setting->name, before->second}] = f.setting->get(c);
        }
        const auto kept = followerValues_.find({f.setting->name, now});
        f.setting->set(c, kept != followerValues_.end() ? kept->second : f.setting->defaultValue());
        write(f, c);
    }
    writing_ = false;
    leaderValues_[edited->name] = now;
    updateVisibility(config());
    revalidate();
}

void ExperimentForm::updateVisibility(const ExperimentConfig& config) {
    for (const auto& f : fields_) {
        for (auto* w : f.row) {
            if (w) {
                w->setVisible(f.setting->applies(config));
            }
        }
    }
}

void ExperimentForm::revalidate() {
    QString problem;
    const auto c = readConfig(&problem);
    if (problem.isEmpty()) {
        problem = QString::fromStdString(validate(c));
    }
    if (problem.isEmpty() && c.data.kind == DataKind::CsvSignal) {
        // The file is checked when its path changes, so a bad one is flagged
        // here, not after Start.
        const auto path = QString::fromStdString(c.data.csvPath);
        if (path != checkedCsvPath_) {
            checkedCsvPath_ = path;
            try {
                const auto signal = loadCsvSignal(c.data.csvPath);
                csvProblem_.clear();
            } catch (const CsvError& e) {
                csvProblem_ = tr("CSV file: %1").arg(QString::fromUtf8(e.what()));
            }
        }
        problem = csvProblem_;
    }
    for (const auto& f : fields_) {
        if (auto* edit = qobject_cast<QLineEdit*>(f.editor)) {
            QString why;
            edit->setStyleSheet(read(f, &why) ? QString() : QStringLiteral("background: #fde7e9;"));
        }
    }
    problem_ = problem;
    message_->setText(problem);
    message_->setVisible(!problem.isEmpty());
    auto note = QString::fromStdString(mixedPrecisionNote(c, bfloat16Dot_));
    if (const auto ranks = QString::fromStdString(ranksInWindowNote(c)); !ranks.isEmpty()) {
        note = note.isEmpty() ? ranks : note + u' ' + ranks;
    }
    note_->setText(note);
    note_->setVisible(!note.isEmpty());
    if (live_) {
        apply_->setEnabled(problem.isEmpty() && !liveChanges().empty());
    }
    Q_EMIT changed();
}

QString ExperimentForm::note() const {
    return note_->isHidden() ? QString() : note_->text();
}

void ExperimentForm::setCpuHasBFloat16Dot(bool has) {
    bfloat16Dot_ = has;
    revalidate();
}

} // namespace dredge
