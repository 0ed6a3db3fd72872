#pragma once
// The selected run's prediction against its data (docs/reference.md §4): for
// 1-D, truth and prediction over x with the residual beneath (zoom in x with
// the wheel, double-click to fit); for the grid data sets (4-D volume and
// packet, 6-D hyper-grid), ground truth | prediction | residual of a 2-D slice
// (GridSliceView). Where time moves, a slider picks the instant. The title
// gives the fit's MSE, PSNR and MSE relative to zero.

#include "RunMetaTypes.h"

#include <QHash>
#include <QTimer>
#include <QWidget>
#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPGraph;
class QCPAxisRect;
class QLabel;
class QPushButton;
class QSlider;
class QStackedWidget;
class QToolButton;
class QVBoxLayout;

namespace dredge {

class GridSliceView;
class ImageFieldView;
class SpectrogramView;
class RunsModel;
struct RunEntry;

class PredictionView : public QWidget {
    Q_OBJECT
public:
    PredictionView(RunsModel* runs, QWidget* parent = nullptr);

    void showRun(int runId);
    // Other selected runs, drawn at the same epoch (their kept prediction at
    // or before it; the latest at the latest) where they trained on the same
    // data: over a 1-D view in their colours, as rows of prediction |
    // residual under a grid view's.
    void setComparedRuns(std::vector<int> runIds);
    // The prediction drawn for a compared run, or null.
    QCPGraph* comparedGraphOf(int runId) const { return compared_.value(runId); }
    int shownRun() const { return runId_; }
    QCustomPlot* linePlot() const { return line_; }
    GridSliceView* gridView() const { return grid_; }
    ImageFieldView* imageView() const { return image_; }
    QString titleText() const;
    QString mseNote(const RunEntry& e) const;
    QSlider* epochSlider() const { return epochSlider_; }
    // The kept epoch drawn (the slider's, snapped to a kept one), or -1 when
    // the view shows a live prediction or a store's old kept predictions.
    int64_t shownFrameEpoch() const { return shownFrameEpoch_; }
    QToolButton* playButton() const { return play_; }

Q_SIGNALS:
    // After each draw: another run, epoch, slice or prediction is shown.
    void drawn();
    // The user asks to find the moved file of this stored run.
    void locateDataRequested(int runId);

private:
    void buildLinePage();
    void buildReplayRow(QVBoxLayout* layout);
    void updateReplayRange();
    // The prediction to draw: a kept one (the slider) or the latest.
    const PredictionSnapshot* shownPrediction(const RunEntry& e);
    const PredictionSnapshot* replayedPrediction(const RunEntry& e);
    int nextPlayedPosition() const;
    void refresh();
    void updateTimeSlider(const RunData& data);
    void drawLine();
    void setParityStyle(bool parity);
    void drawGrid();
    void drawImage();
    bool showsSpectrogram() const;
    void drawSpectrogram();
    // The chosen value of point `point` among values of shownChannels_ per point.
    double valueAt(const std::vector<float>& values, size_t point) const;
    void drawCompared(const RunEntry& shown, const QVector<double>& x, bool sorted);
    int64_t shownEpoch(const RunEntry& shown) const; // the slider's kept epoch; -1: latest
    // Another run, when it trained on the same points as `shown`.
    const RunEntry* comparable(int id, const RunEntry& shown) const;
    // A compared run's prediction at the shown epoch (-1: the latest), or null.
    static const PredictionSnapshot* predictionAt(const RunEntry& e, int64_t epoch);

    RunsModel* runs_;
    int runId_ = 0;
    QLabel* title_;
    QStackedWidget* pages_;
    QWidget* emptyPage_;      // while there is nothing to draw:
    QLabel* emptyState_;      // what to do
    QPushButton* locateData_; // a stored run whose file moved: find it
    QCustomPlot* line_;
    QCPAxisRect* residualRect_ = nullptr;
    bool lineZoomed_ = false; // the user zoomed x: refreshes keep the range
    GridSliceView* grid_;
    ImageFieldView* image_;
    SpectrogramView* spectrogram_;
    QWidget* timeRow_;
    QWidget* replayRow_ = nullptr; // play and the epoch slider: hidden with nothing to replay
    QSlider* tSlider_;
    QLabel* tLabel_;
    QComboBox* channel_;   // which of several values per point is drawn
    QComboBox* soundView_; // "soundView": a sound's waveforms (0) or spectrograms (1)
    int shownChannels_ = 1, shownChannel_ = 0;
    RunData channelData_; // the shown run's data with that value alone
    std::vector<float> channelPrediction_;
    size_t instantOffset_ = 0;        // the shown instant's first point
    size_t instantPoints_ = 0;        // points per instant
    std::optional<bool> parityStyle_; // the line view's style now; none before the first
    QString instantText_;             // ", t = 0.50" where time moves
    QToolButton* play_;
    QSlider* epochSlider_;
    QLabel* epochLabel_;
    QTimer playTimer_;
    PredictionSnapshot replayed_; // the kept prediction shown, spread over all points
    PredictionSnapshot endFrame_; // the end frame's prediction, marked as the end model
    int64_t shownFrameEpoch_ = -1;
    std::vector<int> comparedRuns_;
    std::vector<std::vector<float>> comparedValues_; // the grid rows of compared runs
    QHash<int, QCPGraph*> compared_;
};

} // namespace dredge
