#include "ForkDialog.h"

#include "TrainingDynamicsBox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace dredge {

ForkDialog::ForkDialog(const QString& parentName, const ExperimentConfig& parent,
                       const std::vector<qint64>& epochs, qint64 preselected, QWidget* owner)
    : QDialog(owner)
    , parent_(parent) {
    setWindowTitle(tr("Fork %1").arg(parentName));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    checkpoint_ = new QComboBox;
    checkpoint_->setObjectName(QStringLiteral("checkpoint"));
    for (qint64 epoch : epochs) {
        checkpoint_->addItem(tr("after epoch %1").arg(epoch), epoch);
    }
    checkpoint_->setCurrentIndex(std::max(0, checkpoint_->findData(preselected)));
    form->addRow(tr("Go on from"), checkpoint_);
    const auto& t = parent.train;
    epochs_ = new QSpinBox;
    epochs_->setRange(1, 100'000'000);
    epochs_->setGroupSeparatorShown(true);
    epochs_->setValue(int(std::min<int64_t>(t.epochs, epochs_->maximum())));
    form->addRow(tr("Epochs in all"), epochs_);
    learningRate_ = new QLineEdit(QString::number(t.learningRate, 'g', 10));
    form->addRow(tr("Learning rate"), learningRate_);
    amp_ = new QCheckBox(tr("Mixed precision (AMP)"));
    amp_->setChecked(t.mixedPrecision);
    form->addRow(amp_);
    clip_ = new QCheckBox(tr("Clip gradient norm to"));
    clip_->setChecked(t.clipGradients);
    clipNorm_ = new QDoubleSpinBox;
    clipNorm_->setRange(1e-6, 1e6);
    clipNorm_->setDecimals(6);
    clipNorm_->setValue(t.clipMaxNorm);
    form->addRow(clip_, clipNorm_);
    layout->addLayout(form);
    dynamics_ = new TrainingDynamicsBox;
    dynamics_->write(t);
    if (auto* split = dynamics_->findChild<QWidget*>(QStringLiteral("validationShare"))) {
        split->setEnabled(false); // another split would train on other points
        split->setToolTip(tr("A fork keeps its parent's validation split"));
    }
    layout->addWidget(dynamics_);
    problem_ = new QLabel;
    problem_->setWordWrap(true);
    problem_->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(problem_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start the fork"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // Going on from a run's end means more epochs: as many again by default.
    const auto offerEpochs = [this] {
        if (epochs_->value() <= checkpointEpoch()) {
            epochs_->setValue(int(
                std::min<int64_t>(checkpointEpoch() + parent_.train.epochs, epochs_->maximum())));
        }
    };
    connect(checkpoint_, &QComboBox::currentIndexChanged, this, offerEpochs);
    connect(checkpoint_, &QComboBox::currentIndexChanged, this, &ForkDialog::revalidate);
    offerEpochs();
    connect(epochs_, &QSpinBox::valueChanged, this, &ForkDialog::revalidate);
    connect(learningRate_, &QLineEdit::textChanged, this, &ForkDialog::revalidate);
    connect(dynamics_, &TrainingDynamicsBox::changed, this, &ForkDialog::revalidate);
    revalidate();
}

qint64 ForkDialog::checkpointEpoch() const {
    return checkpoint_->currentData().toLongLong();
}

ExperimentConfig ForkDialog::config(QString* problem) const {
    ExperimentConfig c = parent_;
    auto& t = c.train;
    t.epochs = epochs_->value();
    bool ok = false;
    t.learningRate = learningRate_->text().trimmed().toDouble(&ok);
    t.mixedPrecision = amp_->isChecked();
    t.clipGradients = clip_->isChecked();
    t.clipMaxNorm = clipNorm_->value();
    problem->clear();
    if (!ok) {
        *problem = tr("Learning rate: '%1' is not a number").arg(learningRate_->text());
    } else if (dynamics_->read(t, problem)) {
        *problem = QString::fromStdString(validate(c));
    }
    if (problem->isEmpty() && t.epochs <= checkpointEpoch()) {
        *problem = tr("Give more epochs than the checkpoint's %1").arg(checkpointEpoch());
    }
    return c;
}

void ForkDialog::revalidate() {
    QString problem;
    config(&problem);
    problem_->setText(problem);
    problem_->setVisible(!problem.isEmpty());
    if (auto* buttons = findChild<QDialogButtonBox*>()) {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    }
}

} // namespace dredge
