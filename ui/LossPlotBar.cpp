#include "LossPlotBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSlider>
#include <QToolButton>

namespace dredge {

LossPlotBar::LossPlotBar(QWidget* parent)
    : QWidget(parent)
    , smoothing_(new QSlider(Qt::Horizontal))
    , smoothingValue_(new QLabel)
    , xAxis_(new QComboBox)
    , gradientNorm_(new QToolButton) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(4, 2, 4, 0);
    smoothing_->setObjectName(QStringLiteral("smoothingSlider"));
    smoothing_->setRange(0, 99);
    smoothing_->setMaximumWidth(160);
    smoothing_->setToolTip(tr("Debiased exponential moving average of each loss curve, over "
                              "its full history; the raw curve stays faint behind"));
    smoothingValue_->setMinimumWidth(
        QFontMetrics(font()).horizontalAdvance(QStringLiteral("0.00")));
    smoothingValue_->setText(tr("off"));
    xAxis_->setObjectName(QStringLiteral("xAxisBox"));
    xAxis_->addItem(tr("Epoch"), int(LossAxisX::Epoch));
    xAxis_->addItem(tr("Training time"), int(LossAxisX::TrainingTime));
    xAxis_->addItem(tr("Wall clock"), int(LossAxisX::WallClock));
    auto* exporter = new QToolButton;
    exporter->setObjectName(QStringLiteral("exportPlot"));
    exporter->setText(tr("Export"));
    exporter->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(exporter);
    const auto offer = [&](const QString& text, PlotFile format) {
        connect(menu->addAction(text), &QAction::triggered, this,
                [this, format] { Q_EMIT exportRequested(format); });
    };
    offer(tr("PNG image (2× resolution)…"), PlotFile::Png2x);
    offer(tr("PDF (vector)…"), PlotFile::Pdf);
    offer(tr("SVG (vector)…"), PlotFile::Svg);
    offer(tr("CSV of raw and smoothed curves…"), PlotFile::Csv);
    exporter->setMenu(menu);

    row->addWidget(new QLabel(tr("Smoothing")));
    row->addWidget(smoothing_);
    row->addWidget(smoothingValue_);
    row->addSpacing(12);
    row->addWidget(new QLabel(tr("x axis")));
    row->addWidget(xAxis_);
    row->addStretch(1);
    gradientNorm_->setObjectName(QStringLiteral("gradientNormButton"));
    gradientNorm_->setText(tr("Gradient norm"));
    gradientNorm_->setCheckable(true);
    gradientNorm_->setToolTip(tr("The selected run's global gradient norm before clipping, "
                                 "every epoch, under the loss, with its clip threshold"));
    connect(gradientNorm_, &QToolButton::toggled, this, &LossPlotBar::gradientNormToggled);
    row->addWidget(gradientNorm_);
    row->addWidget(exporter);

    connect(smoothing_, &QSlider::valueChanged, this, [this](int position) {
        smoothingValue_->setText(position ? QString::number(weightOf(position), 'f', 2)
                                          : tr("off"));
        Q_EMIT smoothingChanged(weightOf(position));
    });
    connect(xAxis_, &QComboBox::currentIndexChanged, this,
            [this] { Q_EMIT xAxisChanged(LossAxisX(xAxis_->currentData().toInt())); });
}

} // namespace dredge
