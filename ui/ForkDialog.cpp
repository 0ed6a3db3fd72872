#include "ForkDialog.h"

#include "ExperimentForm.h"
#include "Settings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace dredge {

ForkDialog::ForkDialog(const QString& parentName, const ExperimentConfig& parent,
                       const std::vector<qint64>& epochs, qint64 preselected, QWidget* owner)
    : QDialog(owner)
    , parent_(parent) {
    setWindowTitle(tr("Fork %1").arg(parentName));
    auto* layout = new QVBoxLayout(this);
    auto* top = new QFormLayout;
    checkpoint_ = new QComboBox;
    checkpoint_->setObjectName(QStringLiteral("checkpoint"));
    for (qint64 epoch : epochs) {
        checkpoint_->addItem(tr("after epoch %1").arg(epoch), epoch);
    }
    checkpoint_->setCurrentIndex(std::max(0, checkpoint_->findData(preselected)));
    top->addRow(tr("Go on from"), checkpoint_);
    layout->addLayout(top);
    form_ = new ExperimentForm(InForm | Live);
    form_->setConfig(parent);
    auto* scroll = new QScrollArea;
    scroll->setWidget(form_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    layout->addWidget(scroll, 1);
    problem_ = new QLabel;
    problem_->setWordWrap(true);
    problem_->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(problem_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start the fork"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(checkpoint_, &QComboBox::currentIndexChanged, this, &ForkDialog::offerEpochs);
    connect(form_, &ExperimentForm::changed, this, &ForkDialog::revalidate);
    offerEpochs();
    revalidate();
}

// Going on from a run's end means more epochs: as many again by default.
void ForkDialog::offerEpochs() {
    auto c = form_->config();
    if (c.train.epochs <= checkpointEpoch()) {
        c.train.epochs = checkpointEpoch() + parent_.train.epochs;
        form_->setConfig(c);
    }
    revalidate();
}

qint64 ForkDialog::checkpointEpoch() const {
    return checkpoint_->currentData().toLongLong();
}

ExperimentConfig ForkDialog::config(QString* problem) const {
    const ExperimentConfig c = form_->config();
    *problem = form_->problem();
    if (problem->isEmpty() && c.train.epochs <= checkpointEpoch()) {
        *problem = tr("Give more epochs than the checkpoint's %1").arg(checkpointEpoch());
    }
    return c;
}

void ForkDialog::revalidate() {
    QString problem;
    config(&problem);
    // The form says its own problems; this label the fork's.
    problem_->setText(problem == form_->problem() ? QString() : problem);
    problem_->setVisible(!problem_->text().isEmpty());
    if (auto* buttons = findChild<QDialogButtonBox*>()) {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    }
}

} // namespace dredge
