#pragma once
// "Fork from a checkpoint…" and "Revert to best…": a new run that goes on from
// one of a stored run's checkpoints (docs/reference.md §8) with the training
// settings changed here (epochs, learning rate, AMP, clipping, schedule and
// stopping); its data, model and seed stay its parent's.

#include "ExperimentConfig.h"

#include <QDialog>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace dredge {

class TrainingDynamicsBox;

class ForkDialog : public QDialog {
    Q_OBJECT
public:
    // `epochs`: the parent's checkpoints; `preselected`: the one offered first.
    ForkDialog(const QString& parentName, const ExperimentConfig& parent,
               const std::vector<qint64>& epochs, qint64 preselected, QWidget* owner = nullptr);

    qint64 checkpointEpoch() const;
    // The parent's config with this dialog's training settings; empty problem
    // when it can run.
    ExperimentConfig config(QString* problem) const;

    QComboBox* checkpointBox() const { return checkpoint_; }
    QLineEdit* learningRateEdit() const { return learningRate_; }

private:
    void revalidate();

    ExperimentConfig parent_;
    QComboBox* checkpoint_;
    QSpinBox* epochs_;
    QLineEdit* learningRate_;
    QCheckBox* amp_;
    QCheckBox* clip_;
    QDoubleSpinBox* clipNorm_;
    TrainingDynamicsBox* dynamics_;
    QLabel* problem_;
};

} // namespace dredge
