#pragma once
// An image fit as pictures: truth | prediction | error side by side, at the
// image's own pixels (grey or RGB). The error picture is each pixel's
// |prediction − truth| (the channels' root mean square), black for none and
// white for the largest in the picture, which its caption gives. The wheel
// zooms all three together (pixels stay sharp), a double-click fits them.

#include <QGraphicsView>
#include <QImage>
#include <vector>

class QGraphicsPixmapItem;
class QGraphicsSimpleTextItem;

namespace dredge {

class ImageFieldView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ImageFieldView(QWidget* parent = nullptr);

    // Values [height × width × channels] in [0, 1] (outside: clamped);
    // `prediction` empty or of the wrong size: none yet.
    void draw(int width, int height, int channels, const std::vector<float>& truth,
              const std::vector<float>& prediction);

    const QImage& truthImage() const { return truth_; }
    const QImage& predictionImage() const { return prediction_; }
    const QImage& errorImage() const { return error_; }
    double largestError() const { return largestError_; }

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void fit();

    QImage truth_, prediction_, error_;
    double largestError_ = 0.0;
    QGraphicsPixmapItem* pictures_[3];
    QGraphicsSimpleTextItem* captions_[3];
    bool zoomed_ = false; // the user's zoom stays while the run trains
};

} // namespace dredge
