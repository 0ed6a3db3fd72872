#include "TrainingDynamicsBox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <limits>

namespace dredge {
namespace {

QSpinBox* epochSpin(int lo, int value, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, 100'000'000);
    s->setValue(value);
    s->setToolTip(tip);
    s->setGroupSeparatorShown(true);
    return s;
}

QLineEdit* numberEdit(const QString& placeholder, const QString& tip) {
    auto* e = new QLineEdit;
    e->setPlaceholderText(placeholder);
    e->setToolTip(tip);
    return e;
}

// An empty field means `fallback`; anything else must be a number.
bool readNumber(const QLineEdit* edit, const QString& label, std::optional<double>* out,
                QString* problem) {
    const QString text = edit->text().trimmed();
    if (text.isEmpty()) {
        return true;
    }
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok) {
        *problem = QObject::tr("%1: '%2' is not a number").arg(label, text);
        return false;
    }
    *out = value;
    return true;
}

} // namespace

TrainingDynamicsBox::TrainingDynamicsBox(QWidget* parent)
    : QGroupBox(tr("Schedule and stopping"), parent) {
    const TrainConfig defaults;
    auto* form = new QFormLayout(this);
    schedule_ = new QComboBox;
    schedule_->setObjectName(QStringLiteral("schedule"));
    schedule_->addItem(tr("Constant"), int(LrSchedule::Constant));
    schedule_->addItem(tr("Step (× γ every k epochs)"), int(LrSchedule::Step));
    schedule_->addItem(tr("Exponential (× γ each epoch)"), int(LrSchedule::Exponential));
    schedule_->addItem(tr("Cosine to the floor"), int(LrSchedule::Cosine));
    schedule_->addItem(tr("Reduce on plateau"), int(LrSchedule::Plateau));
    form->addRow(tr("LR schedule"), schedule_);
    warmup_ = epochSpin(0, int(defaults.schedule.warmupEpochs),
                        tr("Epochs of linear warm-up to the learning rate (any schedule)"));
    form->addRow(tr("Warm-up"), warmup_);
    gamma_ = new QDoubleSpinBox;
    gamma_->setRange(0.0, 0.999999);
    gamma_->setDecimals(6);
    gamma_->setSingleStep(0.05);
    gamma_->setSpecialValueText(tr("default"));
    gamma_->setToolTip(tr("The factor: step 0.5, exponential 0.999, plateau 0.5 by default"));
    form->addRow(tr("γ"), gamma_);
    gammaRow_ = {gamma_, form->labelForField(gamma_)};
    stepEvery_ = epochSpin(1, int(defaults.schedule.stepEvery), tr("Epochs between two factors"));
    stepEvery_->setObjectName(QStringLiteral("stepEvery"));
    form->addRow(tr("Step every"), stepEvery_);
    stepRow_ = {stepEvery_, form->labelForField(stepEvery_)};
    patience_ = epochSpin(1, int(defaults.schedule.patience),
                          tr("Epochs without improvement before the rate is cut"));
    form->addRow(tr("Plateau patience"), patience_);
    patienceRow_ = {patience_, form->labelForField(patience_)};
    minLr_ = numberEdit(QString::number(defaults.schedule.minLr),
                        tr("The rate never goes below this; cosine ends here"));
    form->addRow(tr("LR floor"), minLr_);
    validationShare_ = new QDoubleSpinBox;
    validationShare_->setObjectName(QStringLiteral("validationShare"));
    validationShare_->setRange(0.0, 0.5);
    validationShare_->setDecimals(3);
    validationShare_->setSingleStep(0.05);
    validationShare_->setValue(defaults.validationShare);
    validationShare_->setSpecialValueText(tr("none"));
    validationShare_->setToolTip(tr("Points held out: every k-th of a grid, a seeded random share "
                                    "of a CSV signal. Their loss is drawn dashed; plateau, "
                                    "early stopping and the best epoch then watch it."));
    form->addRow(tr("Validation share"), validationShare_);
    targetLoss_ = numberEdit(tr("none"), tr("Stop once the loss is at or below this"));
    form->addRow(tr("Target loss"), targetLoss_);
    earlyStop_ = epochSpin(0, int(defaults.stop.earlyStopPatience),
                           tr("Stop after this many epochs without improvement"));
    earlyStop_->setSpecialValueText(tr("off"));
    form->addRow(tr("Early stop after"), earlyStop_);
    minDelta_ = numberEdit(QString::number(defaults.stop.minDelta),
                           tr("Improvement means beating the best loss by more than this"));
    form->addRow(tr("Min delta"), minDelta_);
    restoreBest_ = new QCheckBox(tr("End with the best epoch's weights"));
    restoreBest_->setChecked(defaults.stop.restoreBest);
    form->addRow(restoreBest_);
    checkpointEvery_ = epochSpin(0, int(defaults.checkpointEvery),
                                 tr("Keep the run's state in the store every N epochs and at "
                                    "its end, to resume or fork from"));
    checkpointEvery_->setSpecialValueText(tr("none"));
    form->addRow(tr("Checkpoint every"), checkpointEvery_);
    addAveragingRows(form);

    connect(schedule_, &QComboBox::currentIndexChanged, this, [this] {
        updateRows();
        Q_EMIT changed();
    });
    for (auto* s : {warmup_, stepEvery_, patience_, earlyStop_, checkpointEvery_, averageFrom_,
                    averageEvery_}) {
        connect(s, &QSpinBox::valueChanged, this, &TrainingDynamicsBox::changed);
    }
    connect(averageFrom_, &QSpinBox::valueChanged, this, &TrainingDynamicsBox::updateRows);
    for (auto* d : {gamma_, validationShare_}) {
        connect(d, &QDoubleSpinBox::valueChanged, this, &TrainingDynamicsBox::changed);
    }
    for (auto* e : {minLr_, targetLoss_, minDelta_}) {
        connect(e, &QLineEdit::textChanged, this, &TrainingDynamicsBox::changed);
    }
    connect(restoreBest_, &QCheckBox::toggled, this, &TrainingDynamicsBox::changed);
    updateRows();
}

void TrainingDynamicsBox::addAveragingRows(QFormLayout* form) {
    const AveragingConfig defaults;
    averageFrom_ = epochSpin(-1, -1,
                             tr("Stochastic weight averaging: from this epoch, average the "
                                "weights every few epochs; the run ends with the average and "
                                "its loss is drawn dotted"));
    averageFrom_->setObjectName(QStringLiteral("averageFrom"));
    averageFrom_->setSpecialValueText(tr("off"));
    form->addRow(tr("Average weights from"), averageFrom_);
    averageEvery_ = epochSpin(1, int(defaults.every), tr("Epochs between two averaged weights"));
    form->addRow(tr("Average every"), averageEvery_);
    averageRow_ = {averageEvery_, form->labelForField(averageEvery_)};
}

void TrainingDynamicsBox::updateRows() {
    const auto kind = LrSchedule(schedule_->currentData().toInt());
    const auto show = [](const std::vector<QWidget*>& row, bool visible) {
        for (auto* w : row) {
            w->setVisible(visible);
        }
    };
    show(gammaRow_, kind == LrSchedule::Step || kind == LrSchedule::Exponential ||
                        kind == LrSchedule::Plateau);
    show(stepRow_, kind == LrSchedule::Step);
    show(patienceRow_, kind == LrSchedule::Plateau);
    show(averageRow_, averageFrom_->value() >= 0);
}

bool TrainingDynamicsBox::read(TrainConfig& c, QString* problem) const {
    auto& s = c.schedule;
    s.kind = LrSchedule(schedule_->currentData().toInt());
    s.warmupEpochs = warmup_->value();
    s.gamma = gamma_->value() > 0.0 ? std::optional<double>(gamma_->value()) : std::nullopt;
    s.stepEvery = stepEvery_->value();
    s.patience = patience_->value();
    c.stop.earlyStopPatience = earlyStop_->value();
    c.stop.restoreBest = restoreBest_->isChecked();
    c.checkpointEvery = checkpointEvery_->value();
    c.validationShare = validationShare_->value();
    c.averaging.start =
        averageFrom_->value() >= 0 ? std::optional<int64_t>(averageFrom_->value()) : std::nullopt;
    c.averaging.every = averageEvery_->value();
    std::optional<double> minLr, minDelta;
    c.stop.targetLoss.reset();
    const bool ok = readNumber(minLr_, tr("LR floor"), &minLr, problem) &&
                    readNumber(targetLoss_, tr("Target loss"), &c.stop.targetLoss, problem) &&
                    readNumber(minDelta_, tr("Min delta"), &minDelta, problem);
    s.minLr = minLr.value_or(TrainConfig{}.schedule.minLr);
    c.stop.minDelta = minDelta.value_or(TrainConfig{}.stop.minDelta);
    return ok;
}

void TrainingDynamicsBox::write(const TrainConfig& c) {
    const auto& s = c.schedule;
    schedule_->setCurrentIndex(schedule_->findData(int(s.kind)));
    warmup_->setValue(int(std::min<int64_t>(s.warmupEpochs, warmup_->maximum())));
    gamma_->setValue(s.gamma.value_or(0.0));
    stepEvery_->setValue(int(std::min<int64_t>(s.stepEvery, stepEvery_->maximum())));
    patience_->setValue(int(std::min<int64_t>(s.patience, patience_->maximum())));
    minLr_->setText(s.minLr != TrainConfig{}.schedule.minLr ? QString::number(s.minLr, 'g', 10)
                                                            : QString());
    targetLoss_->setText(c.stop.targetLoss ? QString::number(*c.stop.targetLoss, 'g', 10)
                                           : QString());
    earlyStop_->setValue(int(std::min<int64_t>(c.stop.earlyStopPatience, earlyStop_->maximum())));
    minDelta_->setText(c.stop.minDelta != TrainConfig{}.stop.minDelta
                           ? QString::number(c.stop.minDelta, 'g', 10)
                           : QString());
    restoreBest_->setChecked(c.stop.restoreBest);
    validationShare_->setValue(c.validationShare);
    checkpointEvery_->setValue(
        int(std::min<int64_t>(c.checkpointEvery, checkpointEvery_->maximum())));
    averageFrom_->setValue(c.averaging.start
                               ? int(std::min<int64_t>(*c.averaging.start, averageFrom_->maximum()))
                               : -1);
    averageEvery_->setValue(int(std::min<int64_t>(c.averaging.every, averageEvery_->maximum())));
    updateRows();
}

} // namespace dredge
