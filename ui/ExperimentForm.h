#pragma once
// The experiment panel: data set, model, training settings. Spin boxes make
// out-of-range values impossible; what a range cannot express (the learning
// rate, a CSV file) is checked as typed and flagged inline, never clamped.

#include "ExperimentConfig.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace dredge {

class TrainingDynamicsBox;

class ExperimentForm : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentForm(QWidget* parent = nullptr);

    ExperimentConfig config() const;
    void setConfig(const ExperimentConfig& config);
    // Why the current values cannot be run, or an empty string.
    QString problem() const { return problem_; }

    // Exposed for tests that drive the real widgets.
    QCheckBox* ampBox() const { return amp_; }
    QCheckBox* clipBox() const { return clip_; }
    QDoubleSpinBox* clipNormBox() const { return clipNorm_; }
    QLineEdit* learningRateEdit() const { return learningRate_; }
    TrainingDynamicsBox* dynamicsBox() const { return dynamics_; }

Q_SIGNALS:
    void changed();

private:
    void updateVisibility();
    void revalidate();

    QComboBox* data_;
    QSpinBox* grid_;
    QLineEdit* csvPath_;
    QPushButton* browse_;
    QDoubleSpinBox* velocity_;
    QSpinBox* times_;
    QComboBox* model_;
    QSpinBox* waves_;
    QComboBox* kernel_;
    QSpinBox* fields_;
    QSpinBox* hidden_;
    QSpinBox* features_;
    QDoubleSpinBox* scale_;
    QSpinBox* epochs_;
    QLineEdit* learningRate_;
    QSpinBox* seed_;
    QComboBox* device_;
    QSpinBox* threads_;
    QCheckBox* amp_;
    QCheckBox* clip_;
    TrainingDynamicsBox* dynamics_;
    QDoubleSpinBox* clipNorm_;
    QLabel* message_;
    QString problem_;
    QString checkedCsvPath_, csvProblem_;
    std::vector<QWidget*> gridRow_, csvRow_, packetRows_, wavesRow_, kernelRow_, fieldsRow_,
        hiddenRow_, featuresRow_;
};

} // namespace dredge
