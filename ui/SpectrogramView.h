#pragma once
// A sound fit as spectrograms (core's spectrogramOf): truth, prediction and
// error (prediction − truth) one above the other over the same seconds and
// kHz, on one dB scale, so that where in time and frequency the fit misses
// shows beside what is there to fit. The error's row reads how far under the
// signal the miss lies at each frequency. The truth's row is computed again
// only when the truth changes: a training run redraws the other two a few
// times a second.

#include <QWidget>
#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;

namespace dredge {

struct Spectrogram;

class SpectrogramView : public QWidget {
    Q_OBJECT
public:
    explicit SpectrogramView(QWidget* parent = nullptr);

    // `count` samples of one channel, every `stride`-th float, at `rate` Hz;
    // `prediction` null: none yet (its rows stay empty).
    void draw(const float* truth, const float* prediction, int64_t count, int64_t stride,
              double rate);

    QCustomPlot* plot() const { return plot_; }
    // 0 truth, 1 prediction, 2 error.
    QCPColorMap* map(int row) const { return maps_[size_t(row)]; }
    QCPColorScale* scale() const { return scale_; }

private:
    // What the truth's row was drawn from; the sum of its samples catches a
    // buffer refilled in place.
    struct TruthSource {
        const float* samples = nullptr;
        int64_t count = 0, stride = 0;
        double rate = 0.0, sum = 0.0;
        bool operator==(const TruthSource& o) const {
            return samples == o.samples && count == o.count && stride == o.stride &&
                   rate == o.rate && sum == o.sum;
        }
    };

    void fill(int row, const Spectrogram& s);
    void drawTruth(const TruthSource& source);

    QCustomPlot* plot_;
    TruthSource truthSource_;
    float loudestTruthDb_ = 0.0f;
    std::vector<QCPColorMap*> maps_;
    QCPColorScale* scale_;
};

} // namespace dredge
