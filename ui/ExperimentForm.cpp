#include "ExperimentForm.h"

#include "CsvSignal.h"
#include "FusedKernelSelection.h"
#include "Trainer.h"
#include "TrainingDynamicsBox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <cmath>

namespace dredge {
namespace {

QSpinBox* spin(int lo, int hi, int value, const QString& tip) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setValue(value);
    s->setToolTip(tip);
    s->setGroupSeparatorShown(true);
    return s;
}

} // namespace

ExperimentForm::ExperimentForm(QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* dataBox = new QGroupBox(tr("Data"));
    auto* dataForm = new QFormLayout(dataBox);
    data_ = new QComboBox;
    data_->addItem(tr("Glitchy chirp (1-D)"), int(DataKind::Chirp));
    data_->addItem(tr("4-D volume (x, y, z, t)"), int(DataKind::Volume4d));
    data_->addItem(tr("6-D hyper-grid (x1…x5, t)"), int(DataKind::Hyper6d));
    data_->addItem(tr("1-D signal from a CSV file"), int(DataKind::CsvSignal));
    data_->addItem(tr("Moving wave packet (x, t)"), int(DataKind::Packet1d));
    data_->addItem(tr("Moving wave packet (x, y, z, t)"), int(DataKind::Packet4d));
    dataForm->addRow(tr("Data set"), data_);
    grid_ = spin(2, 322, 20, tr("Points per axis"));
    dataForm->addRow(tr("Grid size"), grid_);
    gridRow_ = {grid_, dataForm->labelForField(grid_)};
    csvPath_ = new QLineEdit;
    csvPath_->setPlaceholderText(tr("two columns: x,y"));
    browse_ = new QPushButton(tr("Browse…"));
    auto* csvRow = new QWidget;
    auto* csvLayout = new QHBoxLayout(csvRow);
    csvLayout->setContentsMargins(0, 0, 0, 0);
    csvLayout->addWidget(csvPath_, 1);
    csvLayout->addWidget(browse_);
    dataForm->addRow(tr("CSV file"), csvRow);
    csvRow_ = {csvRow, dataForm->labelForField(csvRow)};
    const DataConfig dataDefaults;
    velocity_ = new QDoubleSpinBox;
    velocity_->setRange(-100.0, 100.0);
    velocity_->setDecimals(3);
    velocity_->setValue(dataDefaults.velocity);
    velocity_->setToolTip(tr("The packet's drift speed (along x; y gets half of it in 4-D)"));
    dataForm->addRow(tr("Velocity"), velocity_);
    times_ = spin(1, 1000, dataDefaults.times, tr("Instants sampled over t in [0, 2]"));
    dataForm->addRow(tr("Instants"), times_);
    packetRows_ = {velocity_, dataForm->labelForField(velocity_), times_,
                   dataForm->labelForField(times_)};
    layout->addWidget(dataBox);

    auto* modelBox = new QGroupBox(tr("Model"));
    auto* modelForm = new QFormLayout(modelBox);
    model_ = new QComboBox;
    model_->addItem(tr("Quasimoto wave ensemble"), int(ModelKind::WaveEnsemble));
    model_->addItem(tr("Quasimoto interference basis"), int(ModelKind::Interference));
    model_->addItem(tr("SIREN"), int(ModelKind::Siren));
    model_->addItem(tr("Random Fourier features"), int(ModelKind::RandomFourier));
    modelForm->addRow(tr("Model"), model_);
    waves_ = spin(1, 4096, 16, tr("Number of waves n"));
    modelForm->addRow(tr("Waves"), waves_);
    kernel_ = new QComboBox;
    kernel_->addItem(tr("Fused kernel"), int(WaveKernel::Fused));
    kernel_->addItem(tr("Composed tensor ops"), int(WaveKernel::Composed));
    kernel_->setToolTip(
        tr("The fused kernel computes forward and backward in one pass each\n"
           "(wave ensemble, interference basis, SIREN's sine layers).\n"
           "Runs with AMP use the composed ops, so autocast has tensor ops to act on.") +
        (fusedCudaKernelsBuilt() ? tr("\nOn CUDA, SIREN runs composed; the others fused.")
                                 : QString()));
    modelForm->addRow(tr("Kernel"), kernel_);
    wavesRow_ = {waves_, modelForm->labelForField(waves_)};
    kernelRow_ = {kernel_, modelForm->labelForField(kernel_)};
    fields_ = spin(1, 4096, 8, tr("Number of fields F"));
    modelForm->addRow(tr("Fields"), fields_);
    fieldsRow_ = {fields_, modelForm->labelForField(fields_)};
    hidden_ = spin(1, 4096, 64, tr("Hidden width H"));
    modelForm->addRow(tr("Hidden width"), hidden_);
    hiddenRow_ = {hidden_, modelForm->labelForField(hidden_)};
    features_ = spin(1, 65536, 128, tr("Number of frequencies M"));
    scale_ = new QDoubleSpinBox;
    scale_->setRange(0.001, 1000.0);
    scale_->setDecimals(3);
    scale_->setValue(5.0);
    modelForm->addRow(tr("Features"), features_);
    modelForm->addRow(tr("Scale"), scale_);
    featuresRow_ = {features_, modelForm->labelForField(features_), scale_,
                    modelForm->labelForField(scale_)};
    layout->addWidget(modelBox);

    auto* trainBox = new QGroupBox(tr("Training"));
    auto* trainForm = new QFormLayout(trainBox);
    epochs_ = spin(1, 100'000'000, 2000, tr("Full-batch epochs"));
    trainForm->addRow(tr("Epochs"), epochs_);
    learningRate_ = new QLineEdit(QStringLiteral("1e-3"));
    learningRate_->setObjectName(QStringLiteral("learningRate"));
    learningRate_->setToolTip(tr("Adam learning rate, e.g. 1e-3"));
    trainForm->addRow(tr("Learning rate"), learningRate_);
    seed_ = spin(0, std::numeric_limits<int>::max(), 0, tr("Seed of the initial parameters"));
    trainForm->addRow(tr("Seed"), seed_);
    device_ = new QComboBox;
    device_->addItem(tr("CPU"), int(ComputeDevice::Cpu));
    if (cudaAvailable()) {
        device_->addItem(tr("CUDA"), int(ComputeDevice::Cuda));
    }
    trainForm->addRow(tr("Device"), device_);
    threads_ =
        spin(1, std::max(1, QThread::idealThreadCount()), 1, tr("Intra-op threads for this run"));
    trainForm->addRow(tr("Threads"), threads_);
    amp_ = new QCheckBox(tr("Mixed precision (AMP)"));
    amp_->setObjectName(QStringLiteral("amp"));
    amp_->setToolTip(tr("CPU: bfloat16 autocast of the linear layers (wave phases stay float32).\n"
                        "CUDA: float16 autocast with dynamic loss scaling."));
    trainForm->addRow(amp_);
    clip_ = new QCheckBox(tr("Clip gradient norm to"));
    clip_->setObjectName(QStringLiteral("clip"));
    clipNorm_ = new QDoubleSpinBox;
    clipNorm_->setRange(1e-6, 1e6);
    clipNorm_->setDecimals(6);
    clipNorm_->setValue(1.0);
    clipNorm_->setEnabled(false);
    trainForm->addRow(clip_, clipNorm_);
    layout->addWidget(trainBox);
    dynamics_ = new TrainingDynamicsBox;
    layout->addWidget(dynamics_);

    message_ = new QLabel;
    message_->setObjectName(QStringLiteral("formProblem"));
    message_->setWordWrap(true);
    message_->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(message_);
    layout->addStretch(1);

    connect(clip_, &QCheckBox::toggled, clipNorm_, &QWidget::setEnabled);
    connect(dynamics_, &TrainingDynamicsBox::changed, this, &ExperimentForm::revalidate);
    connect(browse_, &QPushButton::clicked, this, [this] {
        const auto path =
            QFileDialog::getOpenFileName(this, tr("Open a signal"), csvPath_->text(),
                                         tr("CSV files (*.csv *.txt);;All files (*)"));
        if (!path.isEmpty()) {
            csvPath_->setText(path);
        }
    });
    for (auto* combo : {data_, model_, kernel_, device_}) {
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            updateVisibility();
            revalidate();
        });
    }
    for (auto* s : {grid_, waves_, fields_, hidden_, features_, epochs_, seed_, threads_, times_}) {
        connect(s, &QSpinBox::valueChanged, this, &ExperimentForm::revalidate);
    }
    for (auto* d : {scale_, clipNorm_, velocity_}) {
        connect(d, &QDoubleSpinBox::valueChanged, this, &ExperimentForm::revalidate);
    }
    for (auto* c : {amp_, clip_}) {
        connect(c, &QCheckBox::toggled, this, &ExperimentForm::revalidate);
    }
    for (auto* e : {learningRate_, csvPath_}) {
        connect(e, &QLineEdit::textChanged, this, &ExperimentForm::revalidate);
    }
    updateVisibility();
    revalidate();
}

void ExperimentForm::updateVisibility() {
    const auto data = DataKind(data_->currentData().toInt());
    const auto model = ModelKind(model_->currentData().toInt());
    const auto show = [](const std::vector<QWidget*>& row, bool visible) {
        for (auto* w : row) {
            if (w) {
                w->setVisible(visible);
            }
        }
    };
    show(gridRow_,
         data == DataKind::Volume4d || data == DataKind::Hyper6d || data == DataKind::Packet4d);
    show(csvRow_, data == DataKind::CsvSignal);
    show(packetRows_, isTimeVarying(data));
    show(wavesRow_, model == ModelKind::WaveEnsemble);
    show(kernelRow_, model != ModelKind::RandomFourier); // RFF has no fused kernel
    show(fieldsRow_, model == ModelKind::Interference);
    show(hiddenRow_, model == ModelKind::Siren);
    show(featuresRow_, model == ModelKind::RandomFourier);
    // The largest grid whose points still fit the limit (2^25 points).
    const int maxGrid = data == DataKind::Hyper6d ? 31 : 322;
    grid_->setMaximum(maxGrid);
}

ExperimentConfig ExperimentForm::config() const {
    ExperimentConfig c;
    c.data.kind = DataKind(data_->currentData().toInt());
    if (c.data.kind == DataKind::Volume4d || c.data.kind == DataKind::Hyper6d ||
        c.data.kind == DataKind::Packet4d) {
        c.data.grid = grid_->value();
    }
    c.data.velocity = velocity_->value();
    c.data.times = times_->value();
    c.data.csvPath = c.data.kind == DataKind::CsvSignal ? csvPath_->text().trimmed().toStdString()
                                                        : std::string();
    c.model.kind = ModelKind(model_->currentData().toInt());
    c.model.kernel = WaveKernel(kernel_->currentData().toInt());
    c.model.waves = waves_->value();
    c.model.fields = fields_->value();
    c.model.hidden = hidden_->value();
    c.model.features = features_->value();
    c.model.rffScale = scale_->value();
    c.train.epochs = epochs_->value();
    bool ok = false;
    const double lr = learningRate_->text().trimmed().toDouble(&ok);
    c.train.learningRate = ok ? lr : std::nan("");
    c.train.seed = uint64_t(seed_->value());
    c.train.device = ComputeDevice(device_->currentData().toInt());
    c.train.threads = threads_->value();
    c.train.mixedPrecision = amp_->isChecked();
    c.train.clipGradients = clip_->isChecked();
    c.train.clipMaxNorm = clipNorm_->value();
    QString ignored; // revalidate() reports it
    dynamics_->read(c.train, &ignored);
    return c;
}

void ExperimentForm::setConfig(const ExperimentConfig& c) {
    data_->setCurrentIndex(data_->findData(int(c.data.kind)));
    velocity_->setValue(c.data.velocity);
    times_->setValue(c.data.times);
    if (c.data.kind == DataKind::Volume4d || c.data.kind == DataKind::Hyper6d ||
        c.data.kind == DataKind::Packet4d) {
        updateVisibility(); // the grid's maximum depends on the data set
        grid_->setValue(effectiveGrid(c.data));
    }
    csvPath_->setText(QString::fromStdString(c.data.csvPath));
    model_->setCurrentIndex(model_->findData(int(c.model.kind)));
    kernel_->setCurrentIndex(kernel_->findData(int(c.model.kernel)));
    waves_->setValue(c.model.waves);
    fields_->setValue(c.model.fields);
    hidden_->setValue(c.model.hidden);
    features_->setValue(c.model.features);
    scale_->setValue(c.model.rffScale);
    epochs_->setValue(int(std::min<int64_t>(c.train.epochs, epochs_->maximum())));
    learningRate_->setText(QString::number(c.train.learningRate, 'g', 10));
    seed_->setValue(int(std::min<uint64_t>(c.train.seed, uint64_t(seed_->maximum()))));
    const int device = device_->findData(int(c.train.device));
    device_->setCurrentIndex(device < 0 ? 0 : device);
    threads_->setValue(c.train.threads);
    amp_->setChecked(c.train.mixedPrecision);
    clip_->setChecked(c.train.clipGradients);
    clipNorm_->setValue(c.train.clipMaxNorm);
    dynamics_->write(c.train);
    updateVisibility();
    revalidate();
}

void ExperimentForm::revalidate() {
    const auto c = config();
    QString problem = QString::fromStdString(validate(c));
    bool ok = false;
    learningRate_->text().trimmed().toDouble(&ok);
    if (!ok) {
        problem = tr("Learning rate: '%1' is not a number").arg(learningRate_->text());
    }
    TrainConfig scratch;
    if (QString textProblem; !dynamics_->read(scratch, &textProblem)) {
        problem = textProblem;
    }
    if (problem.isEmpty() && c.data.kind == DataKind::CsvSignal) {
        // Check the file when its path changes, so a bad one is flagged here,
        // not after Start.
        const auto path = QString::fromStdString(c.data.csvPath);
        if (path != checkedCsvPath_) {
            checkedCsvPath_ = path;
            try {
                const auto signal = loadCsvSignal(c.data.csvPath);
                csvProblem_.clear();
                csvPath_->setToolTip(tr("%1 points").arg(signal.x.size()));
            } catch (const CsvError& e) {
                csvProblem_ = tr("CSV file: %1").arg(QString::fromUtf8(e.what()));
            }
        }
        problem = csvProblem_;
    }
    learningRate_->setStyleSheet(ok && std::isfinite(c.train.learningRate) &&
                                         c.train.learningRate > 0
                                     ? QString()
                                     : QStringLiteral("background: #fde7e9;"));
    problem_ = problem;
    message_->setText(problem);
    message_->setVisible(!problem.isEmpty());
    Q_EMIT changed();
}

} // namespace dredge
