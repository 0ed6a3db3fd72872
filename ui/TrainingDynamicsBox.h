#pragma once
// The experiment form's "Schedule and stopping" group: the learning-rate
// schedule, the stop rules, the validation split, weight averaging and the
// checkpoint interval of a TrainConfig (docs/reference.md §8).
// Rows show only where the chosen schedule reads them; defaults come from TrainConfig.

#include "TrainConfig.h"

#include <QGroupBox>
#include <vector>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace dredge {

class TrainingDynamicsBox : public QGroupBox {
    Q_OBJECT
public:
    explicit TrainingDynamicsBox(QWidget* parent = nullptr);

    // Fills the schedule and stop rules of `config`; false with the field's
    // problem when a text field holds no number.
    bool read(TrainConfig& config, QString* problem) const;
    void write(const TrainConfig& config);

    QComboBox* scheduleBox() const { return schedule_; }

Q_SIGNALS:
    void changed();

private:
    void updateRows();
    void addAveragingRows(QFormLayout* form);

    QComboBox* schedule_;
    QSpinBox* warmup_;
    QDoubleSpinBox* gamma_;
    QSpinBox* stepEvery_;
    QSpinBox* patience_;
    QLineEdit* minLr_;
    QLineEdit* targetLoss_;
    QSpinBox* earlyStop_;
    QLineEdit* minDelta_;
    QCheckBox* restoreBest_;
    QSpinBox* checkpointEvery_;
    QDoubleSpinBox* validationShare_;
    QSpinBox* averageFrom_; // -1: no averaging
    QSpinBox* averageEvery_;
    std::vector<QWidget*> gammaRow_, stepRow_, patienceRow_, averageRow_;
};

} // namespace dredge
