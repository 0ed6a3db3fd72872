#pragma once
// A look inside the model shown in the prediction view, at the epoch its
// slider is on (docs/user-guide.md, "Model inspector"): for wave models each
// wave's (or field's) parameters in a table, their trajectories over the kept
// epochs, each one's contribution under the sum (1-D) or as small multiples
// of the slice (grids), and muting units to see the fit and MSE without them;
// for every model the norms of its tensors and the gradient's over epochs,
// with TensorBoard-style percentile bands; for RFF its frequencies against
// the data's spectrum. Everything it draws is computed from the run's kept
// parameters and gradients (ModelInspection); every plot exports.

#include "ModelInspection.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <set>

class QComboBox;
class QCustomPlot;
class QLabel;
class QTableWidget;
class QTabWidget;

namespace dredge {

class PredictionView;
class RunsModel;
struct RunEntry;

class ModelInspector : public QWidget {
    Q_OBJECT
public:
    ModelInspector(RunsModel* runs, PredictionView* view, QWidget* parent = nullptr);

    // Mutes or unmutes a unit (as its checkbox in the table does).
    void setMuted(int64_t unit, bool muted);
    // The MSE of the fit with the muted units left out (the frame's own MSE
    // with none muted); NaN with nothing shown.
    double mutedMse() const { return mutedMse_; }
    int64_t shownEpoch() const { return epoch_; }
    QString summaryText() const;
    QString sharedText() const; // the interference basis' shared envelope
    QTabWidget* tabs() const { return tabs_; }
    QTableWidget* unitTable() const { return table_; }
    QComboBox* trajectoryBox() const { return trajectoryOf_; }
    QComboBox* gradientTensorBox() const { return gradientTensor_; }
    QComboBox* normsOfBox() const { return normsOf_; } // parameters or gradients
    QCustomPlot* trajectoryPlot() const { return trajectory_; }
    QCustomPlot* contributionPlot() const { return contributions_; }
    QCustomPlot* normPlot() const { return norms_; }
    QCustomPlot* gradientPlot() const { return gradients_; }
    QCustomPlot* spectrumPlot() const { return spectrum_; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    void refresh();
    // What changed since the last refresh decides what is computed again.
    void rebuildForRun(const RunEntry& e);
    void fillTable(const RunEntry& e, size_t frame);
    void drawTrajectory(const RunEntry& e);
    void drawContributions(const RunEntry& e, size_t frame);
    void drawLineContributions(const RunEntry& e, const std::vector<float>& prediction,
                               const UnitContributions& units);
    void drawGridContributions(const UnitContributions& units);
    void drawNorms(const RunEntry& e);
    void drawGradients(const RunEntry& e);
    void drawSpectrum(const RunEntry& e);
    void updateSummary(const RunEntry& e, size_t frame);
    void markEpoch(); // the current epoch's line on the plots over epochs
    void exportCurrent();
    QWidget* page(QCustomPlot* plot, QWidget* above = nullptr);

    RunsModel* runs_;
    PredictionView* view_;
    QLabel* summary_;
    QTabWidget* tabs_;
    QTableWidget* table_;
    QLabel* shared_;
    QComboBox* trajectoryOf_;
    QComboBox* gradientTensor_;
    QComboBox* normsOf_;
    QCustomPlot* trajectory_;
    QCustomPlot* contributions_;
    QCustomPlot* norms_;
    QCustomPlot* gradients_;
    QCustomPlot* spectrum_;
    QWidget* unitsPage_;
    QWidget* contributionsPage_;
    QWidget* spectrumPage_;

    int runId_ = 0;
    size_t framesSeen_ = 0; // the run's frames when its series were drawn
    int64_t epoch_ = -1;
    ModelAnatomy anatomy_;
    std::vector<ParameterSlot> layout_;
    std::set<int64_t> muted_;
    double mutedMse_ = 0.0;
    double frameMse_ = 0.0;
    QElapsedTimer sinceRedraw_; // a live run's last redraw
    QTimer pendingRedraw_;
};

} // namespace dredge
