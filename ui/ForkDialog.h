#pragma once
// "Fork from a checkpoint…" and "Revert to best…": a new run that goes on from
// one of a stored run's checkpoints (docs/reference.md §8) with its training
// settings changed here: the settings table's live rows (epochs, learning rate,
// AMP, clipping, schedule, stopping, averaging); its data, model, seed and
// validation split stay its parent's.

#include "ExperimentConfig.h"

#include <QDialog>
#include <vector>

class QComboBox;
class QLabel;

namespace dredge {

class ExperimentForm;

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
    ExperimentForm* form() const { return form_; }

private:
    void offerEpochs();
    void revalidate();

    ExperimentConfig parent_;
    QComboBox* checkpoint_;
    ExperimentForm* form_;
    QLabel* problem_;
};

} // namespace dredge
