#include "ImageFieldView.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace dredge {
namespace {

int byteOf(float value) {
    return int(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
}

QImage pictureOf(int width, int height, int channels, const float* values) {
    QImage image(width, height, QImage::Format_RGB32);
    for (int y = 0; y < height; ++y) {
        auto* row = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            const float* v = values + (size_t(y) * size_t(width) + size_t(x)) * size_t(channels);
            row[x] = channels >= 3 ? qRgb(byteOf(v[0]), byteOf(v[1]), byteOf(v[2]))
                                   : qRgb(byteOf(v[0]), byteOf(v[0]), byteOf(v[0]));
        }
    }
    return image;
}

// Each pixel's RMS error over its channels, scaled so that the largest is white.
QImage errorPicture(int width, int height, int channels, const std::vector<float>& truth,
                    const std::vector<float>& prediction, double* largest) {
    const size_t pixels = size_t(width) * size_t(height);
    std::vector<float> error(pixels);
    float worst = 0.0f;
    for (size_t p = 0; p < pixels; ++p) {
        double sum = 0.0;
        for (int c = 0; c < channels; ++c) {
            const double d = double(prediction[p * size_t(channels) + size_t(c)]) -
                             double(truth[p * size_t(channels) + size_t(c)]);
            sum += d * d;
        }
        error[p] = float(std::sqrt(sum / channels));
        worst = std::max(worst, std::isfinite(error[p]) ? error[p] : worst);
    }
    *largest = worst;
    for (auto& e : error) {
        e = worst > 0.0f && std::isfinite(e) ? e / worst : 1.0f;
    }
    return pictureOf(width, height, 1, error.data());
}

} // namespace

ImageFieldView::ImageFieldView(QWidget* parent)
    : QGraphicsView(parent) {
    setObjectName(QStringLiteral("imageFieldView"));
    setScene(new QGraphicsScene(this));
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setBackgroundBrush(palette().window());
    for (int i = 0; i < 3; ++i) {
        pictures_[i] = scene()->addPixmap(QPixmap());
        pictures_[i]->setTransformationMode(Qt::FastTransformation); // sharp pixels when zoomed
        captions_[i] = scene()->addSimpleText(QString());
    }
}

void ImageFieldView::draw(int width, int height, int channels, const std::vector<float>& truth,
                          const std::vector<float>& prediction) {
    const size_t values = size_t(width) * size_t(height) * size_t(channels);
    if (width < 1 || height < 1 || truth.size() != values) {
        return;
    }
    truth_ = pictureOf(width, height, channels, truth.data());
    const bool predicted = prediction.size() == values;
    prediction_ = predicted ? pictureOf(width, height, channels, prediction.data()) : QImage();
    error_ = predicted ? errorPicture(width, height, channels, truth, prediction, &largestError_)
                       : QImage();
    const QImage* images[3] = {&truth_, &prediction_, &error_};
    const QString captions[3] = {
        tr("truth"), predicted ? tr("prediction") : tr("prediction: none yet"),
        predicted ? tr("error |prediction − truth|, white = %1").arg(largestError_, 0, 'g', 3)
                  : QString()};
    const double gap = std::max(4.0, width * 0.05);
    // Captions keep a readable size whatever the image's: a fraction of its height.
    const double captionScale = std::max(height / 160.0, 0.1);
    for (int i = 0; i < 3; ++i) {
        pictures_[i]->setPixmap(QPixmap::fromImage(*images[i]));
        pictures_[i]->setPos(i * (width + gap), 0);
        captions_[i]->setText(captions[i]);
        captions_[i]->setScale(captionScale);
        captions_[i]->setPos(i * (width + gap), height + gap / 2);
    }
    scene()->setSceneRect(
        QRectF(-gap, -gap, 3 * width + 4 * gap, height + 12 * captionScale + 3 * gap));
    if (!zoomed_) {
        fit();
    }
}

void ImageFieldView::fit() {
    fitInView(sceneRect(), Qt::KeepAspectRatio);
}

void ImageFieldView::wheelEvent(QWheelEvent* event) {
    const double factor = std::pow(1.2, event->angleDelta().y() / 120.0);
    scale(factor, factor);
    zoomed_ = true;
}

void ImageFieldView::mouseDoubleClickEvent(QMouseEvent*) {
    zoomed_ = false;
    fit();
}

void ImageFieldView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (!zoomed_) {
        fit();
    }
}

} // namespace dredge
