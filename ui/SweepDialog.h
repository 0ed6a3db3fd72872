#pragma once
// The sweep builder: the form's experiment as the base, axes typed as a user
// would ("0.001, 0.003", "1e-4 .. 1e-2 x5 log", "on, off", "siren, rff"),
// seeds ("0-4" or "0, 3, 7"), the mode (grid, random, or an adaptive one:
// asha, hyperband, tpe, pbt, with its keys typed as "min_epochs=20,
// reduction=3"), and how many runs at once. It says how many runs the sweep
// starts (or what is wrong) as you type, and opens and saves dredge-sweep
// files. The text becomes the file's JSON, so the file format's checks are
// the builder's.

#include "Sweep.h"

#include <QDialog>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace dredge {

class SweepDialog : public QDialog {
    Q_OBJECT
public:
    SweepDialog(const ExperimentConfig& base, int defaultJobs, QWidget* parent = nullptr);

    // Row `row` (added when needed): the setting and its values as typed.
    void setAxis(int row, const QString& setting, const QString& values);
    QLineEdit* seedsBox() const { return seeds_; }
    QLineEdit* nameBox() const { return name_; }
    QComboBox* modeBox() const { return mode_; }
    QSpinBox* samplesBox() const { return samples_; }
    QLineEdit* methodBox() const { return method_; }
    QSpinBox* jobsBox() const { return jobs_; }
    QLabel* countLabel() const { return count_; }
    QPushButton* startButton() const { return start_; }

    std::optional<SweepSpec> spec(QString* error) const;
    int jobs() const;
    bool openFile(const QString& path, QString* error);
    bool saveFile(const QString& path, QString* error) const;

private:
    QJsonObject json(QString* error) const;
    void recount();
    void addAxisRow();
    void modeChanged();

    ExperimentConfig base_;
    QLineEdit* name_;
    QComboBox* mode_;
    QSpinBox* samples_;
    QLineEdit* method_; // an adaptive mode's keys: "min_epochs=20, reduction=3"
    QTableWidget* axes_;
    QLineEdit* seeds_;
    QSpinBox* jobs_;
    QLabel* count_;
    QPushButton* start_;
};

} // namespace dredge
