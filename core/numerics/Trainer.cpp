#include "Trainer.h"

#include <c10/util/Exception.h>

#include "AutocastScope.h"
#include "Datasets.h"
#include "FlatAdam.h"
#include "LearningRateSchedule.h"
#include "LossScaler.h"
#include "ModelFactory.h"
#include "RankGroup.h"
#include "RankedEpochs.h"
#include "StopCheck.h"
#include "TrainingPoints.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <tuple>

namespace dredge {
namespace {

at::Device toTorchDevice(ComputeDevice device) {
    return device == ComputeDevice::Cuda ? at::Device(at::kCUDA) : at::Device(at::kCPU);
}

std::vector<float> toVector(const at::Tensor& t) {
    const auto cpu = t.detach().to(at::kCPU, at::kFloat).contiguous();
    return {cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()};
}

} // namespace

struct Trainer::Impl {
    ExperimentConfig config;
    RunSetup setup;
    at::Device device{at::kCPU};
    EpochData data;              // every point, with the split's weights (TrainingPoints.h)
    bool holdsEveryPoint = true; // false: rank 0 of several, `data` its shard alone
    double validationLoss = std::numeric_limits<double>::quiet_NaN();
    std::shared_ptr<FieldModel> model;
    std::optional<FlatAdam> optimizer;
    std::optional<LossScaler> scaler;               // CUDA mixed precision only
    at::Tensor lastPrediction;                      // the last epoch's forward output, detached
    std::function<at::Tensor()> deferredPrediction; // or how to make it (EpochOutcome)
    int64_t epochs = 0;
    // stop.restoreBest: the flat parameters that gave the lowest loss.
    at::Tensor bestParameters;
    double bestLoss = std::numeric_limits<double>::infinity();
    // checkpointEvery: the whole state that gave the lowest (watched) loss.
    std::optional<TrainingCheckpoint> bestState;
    double bestStateLoss = std::numeric_limits<double>::infinity();
    // Weight averaging: the running mean of the averaged weights, and its loss.
    at::Tensor averaged;
    int64_t averagedModels = 0;
    double averagedLoss = std::numeric_limits<double>::quiet_NaN();
    bool holdsAverage = false; // the model's weights are the average now
    // The last epoch's gradient norm before clipping, whether clipping
    // scaled it, and whether it ran the fused path.
    double gradientNorm = std::numeric_limits<double>::quiet_NaN();
    bool clipped = false;
    bool fusedLast = false;
    std::vector<EpochSpan> spans;       // the epochs this trainer ran, by kernel path and precision
    std::optional<RankedEpochs> ranked; // rank 0 of a data-parallel run

    // The autograd path's forward and losses; `loss` receives the tensor to
    // run backward from.
    EpochOutcome composedForward(at::Tensor& loss);
    // The state after `epoch` epochs: the current parameters and moments.
    TrainingCheckpoint stateAt(int64_t epoch) const;
    // After the update of epoch `epoch` (0-based): takes the new weights into
    // the average when the averaging settings say so.
    void average(int64_t epoch);
    // The MSE of the model with the averaged weights on the points the run
    // watches (the held-out ones with a split), in full precision.
    double averagedModelLoss();
    // The fused epoch's outcome (losses; the gradient is dropped) with
    // `parameters` (flat) in place of the model's own, in full precision, on
    // every rank's points; nullopt where the model has no fused epoch.
    std::optional<EpochOutcome> fusedLossWith(const at::Tensor& parameters);
    // The model's output at every point with `parameters` (flat) in place of
    // its own, which stay as they were.
    at::Tensor predictionWith(const at::Tensor& parameters) const;
    // A data-parallel epoch (RankedEpochs), its prediction made when asked.
    EpochOutcome rankedEpoch();
    // After a forward and its loss: the gradient (backward() where autograd
    // made the loss), its norm, clipping and the Adam step.
    void takeStep(bool fused, at::Tensor& loss);
    // An epoch of mini-batches (TrainConfig::batch): the mean of their
    // losses, NaN as soon as one is not finite.
    double batchedEpoch();
    // The model's output at every point, a block of points at a time: a
    // mini-batched run's data may be too large for one forward.
    at::Tensor predictionInBlocks() const;
};

namespace {

// Points a mini-batched run predicts at once (predictionInBlocks).
constexpr int64_t kPredictionBlock = 65536;

// The rows `rows` of every point's tensors.
EpochData rowsOf(const EpochData& all, const at::Tensor& rows) {
    EpochData part;
    part.coords = all.coords.index_select(0, rows);
    part.time = all.time.index_select(0, rows);
    part.target = all.target.index_select(0, rows);
    part.bfloat16Products = all.bfloat16Products;
    return part;
}

} // namespace

Trainer::Trainer(const ExperimentConfig& config, RankGroup* ranks)
    : impl_(std::make_unique<Impl>()) {
    if (const auto problem = validate(config); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    auto& d = *impl_;
    d.config = config;
    const auto& tc = config.train;
    if (tc.device == ComputeDevice::Cuda && !at::hasCUDA()) {
        throw std::invalid_argument(
            "CUDA was requested but this LibTorch has no usable CUDA device");
    }
    // Intra-op threads are a per-thread setting in LibTorch's OpenMP build, so
    // each run sets its own on the thread that trains it.
    at::set_num_threads(tc.threads);
    d.device = toTorchDevice(tc.device);

    const bool ranked = ranks != nullptr && ranks->size() > 1;
    if (ranked) {
        if (const auto problem = rankedTrainingProblem(config, ranks->size()); !problem.empty()) {
            throw std::invalid_argument(problem);
        }
    }
    // Rank 0 of several makes its shard alone, as every rank does: memory
    // per rank falls with the number of ranks. Only the tensors are kept.
    const auto data = ranked ? makeDatasetPart(config.data,
                                               [size = ranks->size()](int64_t points) {
                                                   return shardBounds(points, 0, size);
                                               })
                             : makeDataset(config.data);
    d.holdsEveryPoint = !ranked;
    d.data = trainingPointsOf(config, data, d.device, d.setup);
    d.model = makeModel(config.model, d.setup.dims, tc.seed, d.setup.outputs);
    d.setup.parameters = d.model->parameterCount();
    d.model->to(d.device);
    d.optimizer.emplace(d.model->parameters(),
                        AdamSettings{tc.learningRate, tc.beta1, tc.beta2, tc.adamEps});
    if (ranked) {
        d.setup.ranks = ranks->size();
        d.setup.hosts = ranks->gather(thisHostName());
        chainTargetSums(*ranks, d.data.target, d.setup); // as every rank does, in this order
        d.ranked.emplace(*ranks, shardOf(d.data, data, 0, ranks->size(), ranks),
                         d.optimizer->flatParameters());
    }
    // bfloat16 has float32's range, so only float16 (CUDA) needs loss scaling.
    if (tc.mixedPrecision && tc.device == ComputeDevice::Cuda) {
        d.scaler.emplace();
    }
}

Trainer::~Trainer() = default;

double Trainer::runEpoch() {
    const auto start = std::chrono::steady_clock::now();
    const double loss = runEpochUntimed();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto& spans = impl_->spans;
    const char* path = lastEpochKernel(); // compared without a string made each epoch
    const char* precision = lastEpochPrecision();
    if (spans.empty() || spans.back().path != path || spans.back().precision != precision) {
        spans.push_back({impl_->epochs - 1, 0, path, precision, 0.0});
    }
    ++spans.back().epochs;
    spans.back().seconds += seconds;
    return loss;
}

const std::vector<EpochSpan>& Trainer::spans() const {
    return impl_->spans;
}

double Trainer::runEpochUntimed() {
    auto& d = *impl_;
    const auto& tc = d.config.train;
    if (tc.batch > 0 && tc.batch < d.data.coords.size(0)) {
        return d.batchedEpoch();
    }
    // A model with a fused whole-epoch path (the fused kernels, the RFF
    // readout) computes output, losses and gradient itself, without an
    // autograd graph, in CPU mixed precision too where it emulates
    // autocast's bfloat16 products (data.bfloat16Products); else autograd,
    // under autocast when mixed precision is on. CUDA mixed precision always
    // takes autograd: its loss scaler unscales a gradient that only a scaled
    // loss's backward makes.
    const bool cudaMixed = tc.mixedPrecision && tc.device == ComputeDevice::Cuda;
    const auto fused = cudaMixed  ? std::nullopt
                       : d.ranked ? std::optional<EpochOutcome>(d.rankedEpoch())
                                  : d.model->fusedEpoch(d.data, d.optimizer->gradientToWrite());
    if (!fused) {
        // Only backward() makes gradients: the fused path has none to release.
        d.model->zero_grad(/*set_to_none=*/true);
    }
    at::Tensor loss; // the autograd path's, to run backward from
    const auto outcome = fused ? *fused : d.composedForward(loss);
    d.validationLoss = outcome.validationLoss;
    d.lastPrediction = outcome.prediction; // a handle, no copy: snapshots read it
    d.deferredPrediction = outcome.deferredPrediction;
    const double lossValue = outcome.loss;
    ++d.epochs;
    d.fusedLast = fused.has_value();
    d.gradientNorm = std::numeric_limits<double>::quiet_NaN();
    d.clipped = false;
    if (!std::isfinite(lossValue)) {
        return lossValue;
    }

    const double watched = watchesValidation() ? d.validationLoss : lossValue;
    if (tc.stop.restoreBest && watched < d.bestLoss) {
        // The weights that gave this loss are those before this epoch's update.
        d.bestLoss = watched;
        const auto& current = d.optimizer->flatParameters();
        if (!d.bestParameters.defined()) {
            d.bestParameters = at::empty_like(current);
        }
        d.bestParameters.copy_(current);
    }
    if (tc.checkpointEvery > 0 && watched < d.bestStateLoss) {
        d.bestStateLoss = watched;
        d.bestState = d.stateAt(d.epochs - 1); // before this epoch's update
    }
    d.takeStep(fused.has_value(), loss);
    d.average(d.epochs - 1);
    return lossValue;
}

void Trainer::Impl::takeStep(bool fused, at::Tensor& loss) {
    const auto& tc = config.train;
    if (!fused) {
        (scaler ? scaler->scaleLoss(loss) : loss).backward();
    }
    auto& gradient = fused ? optimizer->gradientToWrite() : optimizer->gatherGradients();
    const bool stepIsSafe = !scaler || scaler->unscale(gradient);
    if (stepIsSafe) { // one pass over the gradient; clipping needs it anyway
        gradientNorm = optimizer->gradientNorm();
    }
    if (stepIsSafe && tc.clipGradients) {
        clipped = optimizer->clipGradientNorm(tc.clipMaxNorm, gradientNorm);
    }
    if (stepIsSafe) {
        optimizer->step();
    }
    if (scaler) {
        scaler->update(stepIsSafe);
    }
}

double Trainer::Impl::batchedEpoch() {
    const auto& tc = config.train;
    const int64_t n = data.coords.size(0);
    // The weights (and state) this epoch starts from: what restore-best and
    // the best checkpoint keep when its mean loss is the best.
    const bool keepsStart = tc.stop.restoreBest || tc.checkpointEvery > 0;
    const auto startWeights = keepsStart ? optimizer->flatParameters().clone() : at::Tensor();
    auto startState = tc.checkpointEvery > 0 ? std::optional(stateAt(epochs)) : std::nullopt;
    // The order depends on (seed, epoch) alone: a resumed or replayed run
    // draws the same batches.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(tc.seed * 1000003u + uint64_t(epochs));
    const auto order = at::randperm(n, gen, at::kLong).to(device);
    double sum = 0.0;
    bool anyClipped = false;
    clipped = false;
    gradientNorm = std::numeric_limits<double>::quiet_NaN();
    for (int64_t first = 0; first < n; first += tc.batch) {
        const int64_t count = std::min(tc.batch, n - first);
        const auto part = rowsOf(data, order.narrow(0, first, count));
        auto fused = scaler ? std::nullopt : model->fusedEpoch(part, optimizer->gradientToWrite());
        at::Tensor loss;
        if (!fused) {
            model->zero_grad(/*set_to_none=*/true);
            AutocastScope autocast(tc.mixedPrecision, tc.device);
            loss = at::mse_loss(model->forward(part.coords, part.time).to(at::kFloat), part.target);
        }
        const double value = fused ? fused->loss : loss.item<double>();
        fusedLast = fused.has_value();
        if (!std::isfinite(value)) {
            sum = value;
            break;
        }
        sum += value * double(count);
        takeStep(fused.has_value(), loss);
        anyClipped = anyClipped || clipped;
    }
    ++epochs;
    clipped = anyClipped; // the norm is the last batch's
    validationLoss = std::numeric_limits<double>::quiet_NaN();
    lastPrediction = at::Tensor();
    deferredPrediction = [this] { return predictionInBlocks(); };
    const double loss = std::isfinite(sum) ? sum / double(n) : sum;
    if (!std::isfinite(loss)) {
        return loss;
    }
    if (tc.stop.restoreBest && loss < bestLoss) {
        bestLoss = loss;
        bestParameters = startWeights;
    }
    if (startState && loss < bestStateLoss) {
        bestStateLoss = loss;
        bestState = std::move(startState);
    }
    average(epochs - 1);
    return loss;
}

at::Tensor Trainer::Impl::predictionInBlocks() const {
    at::NoGradGuard noGrad;
    const int64_t n = data.coords.size(0);
    std::vector<at::Tensor> blocks;
    for (int64_t first = 0; first < n; first += kPredictionBlock) {
        const int64_t count = std::min(kPredictionBlock, n - first);
        blocks.push_back(
            model->forward(data.coords.narrow(0, first, count), data.time.narrow(0, first, count)));
    }
    return at::cat(blocks);
}

EpochOutcome Trainer::Impl::composedForward(at::Tensor& loss) {
    const auto& tc = config.train;
    EpochOutcome outcome;
    {
        AutocastScope autocast(tc.mixedPrecision, tc.device);
        outcome.prediction = model->forward(data.coords, data.time);
    }
    // With a split the one forward pass serves both: the loss weighs the
    // training rows (only they get gradients), validation the held-out ones.
    const auto output = outcome.prediction.to(at::kFloat);
    if (data.trainWeight.defined()) {
        const auto squared = (output - data.target).square();
        loss = (squared * data.trainWeight).sum();
        outcome.validationLoss = (squared.detach() * data.validationWeight).sum().item<double>();
    } else {
        loss = at::mse_loss(output, data.target);
    }
    outcome.prediction = outcome.prediction.detach();
    outcome.loss = loss.item<double>();
    return outcome;
}

void Trainer::Impl::average(int64_t epoch) {
    const auto& avg = config.train.averaging;
    if (!avg.start || epoch < *avg.start || (epoch - *avg.start) % avg.every != 0) {
        return;
    }
    at::NoGradGuard noGrad;
    const auto& current = optimizer->flatParameters();
    if (averagedModels == 0) {
        averaged = current.clone();
    } else { // a running mean: avg + (w − avg) / (n + 1)
        averaged.add_(current - averaged, 1.0 / double(averagedModels + 1));
    }
    ++averagedModels;
    averagedLoss = averagedModelLoss();
}

at::Tensor Trainer::Impl::predictionWith(const at::Tensor& parameters) const {
    at::NoGradGuard noGrad;
    const auto& flat = optimizer->flatParameters(); // the model's parameters are views of it
    const auto current = flat.clone();
    flat.copy_(parameters);
    auto output = model->forward(data.coords, data.time);
    flat.copy_(current);
    return output;
}

EpochOutcome Trainer::Impl::rankedEpoch() {
    auto outcome = ranked->run(*model, optimizer->flatParameters(), optimizer->gradientToWrite(),
                               data.bfloat16Products);
    if (!outcome) {
        throw std::runtime_error("the fused epoch does not take these points, and several ranks "
                                 "train through it alone");
    }
    // Its prediction holds rank 0's points only, which nothing shows.
    outcome->prediction = at::Tensor();
    outcome->deferredPrediction = nullptr;
    return *outcome;
}

std::optional<EpochOutcome> Trainer::Impl::fusedLossWith(const at::Tensor& parameters) {
    at::NoGradGuard noGrad;
    const auto& flat = optimizer->flatParameters(); // the model's parameters are views of it
    const auto current = flat.clone();
    flat.copy_(parameters);
    auto gradient = at::empty_like(flat);
    std::optional<EpochOutcome> outcome;
    if (ranked) {
        outcome = ranked->run(*model, flat, gradient, false);
    } else {
        auto fullPrecision = data;
        fullPrecision.bfloat16Products = false;
        outcome = model->fusedEpoch(fullPrecision, gradient);
    }
    flat.copy_(current);
    return outcome;
}

double Trainer::Impl::averagedModelLoss() {
    // The fused epoch's chunk sums where the model has one: the same bits on
    // any number of ranks, which hold the points between them.
    if (device.is_cpu()) {
        if (const auto outcome = fusedLossWith(averaged)) {
            return data.trainWeight.defined() ? outcome->validationLoss : outcome->loss;
        }
    }
    at::NoGradGuard noGrad;
    const auto output = predictionWith(averaged).to(at::kFloat);
    const auto loss = data.validationWeight.defined()
                          ? ((output - data.target).square() * data.validationWeight).sum()
                          : at::mse_loss(output, data.target);
    return loss.item<double>();
}

const ExperimentConfig& Trainer::config() const {
    return impl_->config;
}
const RunSetup& Trainer::setup() const {
    return impl_->setup;
}
int64_t Trainer::epochsDone() const {
    return impl_->epochs;
}
int64_t Trainer::skippedSteps() const {
    return impl_->scaler ? impl_->scaler->skippedSteps() : 0;
}

double Trainer::lastValidationLoss() const {
    return impl_->validationLoss;
}

bool Trainer::watchesValidation() const {
    return impl_->data.trainWeight.defined(); // some points are held out
}

double Trainer::averagedLoss() const {
    return impl_->averagedLoss;
}

int64_t Trainer::averagedModels() const {
    return impl_->averagedModels;
}

bool Trainer::useAveragedWeights() {
    auto& d = *impl_;
    if (d.averagedModels == 0) {
        return false;
    }
    at::NoGradGuard noGrad;
    d.optimizer->flatParameters().copy_(d.averaged);
    d.holdsAverage = true;
    return true;
}

bool Trainer::holdsAveragedWeights() const {
    return impl_->holdsAverage;
}

void Trainer::setLearningRate(double rate) {
    impl_->optimizer->setLearningRate(rate);
}

void Trainer::changeTrainConfig(const TrainConfig& next) {
    auto& d = *impl_;
    if (const auto problem = validate(next); !problem.empty()) {
        throw std::invalid_argument(problem);
    }
    const auto& now = d.config.train;
    // What the data, the model or the optimizer's state was built from.
    const auto builtFrom = [](const TrainConfig& c) {
        return std::make_tuple(c.seed, c.device, c.threads, c.beta1, c.beta2, c.adamEps,
                               c.validationShare, c.keepMib, c.stop.restoreBest);
    };
    if (builtFrom(next) != builtFrom(now)) {
        throw std::invalid_argument(
            "only live settings may change while a run trains: its seed, device, threads, "
            "Adam's betas and epsilon, validation share, kept-parameter budget and restore-best "
            "may not (fork the run instead)");
    }
    d.config.train = next;
    d.data.bfloat16Products = cpuMixedPrecision(next);
    // bfloat16 has float32's range, so only float16 (CUDA) needs loss scaling.
    if (next.mixedPrecision && next.device == ComputeDevice::Cuda) {
        if (!d.scaler) {
            d.scaler.emplace();
        }
    } else {
        d.scaler.reset();
    }
}

double Trainer::lastGradientNorm() const {
    return impl_->gradientNorm;
}

bool Trainer::lastEpochClipped() const {
    return impl_->clipped;
}

const char* Trainer::lastEpochKernel() const {
    return impl_->fusedLast ? "fused" : "composed";
}

const char* Trainer::lastEpochPrecision() const {
    const auto& tc = impl_->config.train;
    if (!tc.mixedPrecision) {
        return "float32";
    }
    return tc.device == ComputeDevice::Cuda ? "float16" : "bfloat16";
}

bool Trainer::restoreBestWeights() {
    auto& d = *impl_;
    if (!d.bestParameters.defined()) {
        return false;
    }
    at::NoGradGuard noGrad;
    d.optimizer->flatParameters().copy_(d.bestParameters); // in place: the model sees it
    return true;
}

TrainingCheckpoint Trainer::checkpoint() const {
    return impl_->stateAt(impl_->epochs);
}

const std::optional<TrainingCheckpoint>& Trainer::bestCheckpoint() const {
    return impl_->bestState;
}

void Trainer::setBestLossBefore(double loss) {
    impl_->bestStateLoss = loss;
}

TrainingCheckpoint Trainer::Impl::stateAt(int64_t epoch) const {
    const auto& d = *this;
    TrainingCheckpoint c;
    c.epoch = epoch;
    d.optimizer->saveTo(c);
    if (d.bestParameters.defined()) {
        const auto best = d.bestParameters.to(at::kCPU, at::kDouble).contiguous();
        c.bestParameters.assign(best.data_ptr<double>(), best.data_ptr<double>() + best.numel());
        c.bestLoss = d.bestLoss;
    }
    if (d.averagedModels > 0) {
        const auto avg = d.averaged.to(at::kCPU, at::kDouble).contiguous();
        c.averagedParameters.assign(avg.data_ptr<double>(), avg.data_ptr<double>() + avg.numel());
        c.averagedModels = d.averagedModels;
        c.averagedLoss = d.averagedLoss;
    }
    if (d.scaler) {
        c.lossScale = d.scaler->scale();
        c.lossScalerGoodSteps = d.scaler->goodStepsInARow();
        c.skippedSteps = d.scaler->skippedSteps();
    }
    return c;
}

void Trainer::resumeFrom(const TrainingCheckpoint& c) {
    auto& d = *impl_;
    d.optimizer->restoreFrom(c);
    d.epochs = c.epoch;
    d.bestParameters = at::Tensor();
    d.bestLoss = std::numeric_limits<double>::infinity();
    if (!c.bestParameters.empty()) {
        d.bestParameters = at::from_blob(const_cast<double*>(c.bestParameters.data()),
                                         {int64_t(c.bestParameters.size())}, at::kDouble)
                               .to(d.optimizer->flatParameters().options());
        d.bestLoss = c.bestLoss;
    }
    d.averaged = at::Tensor();
    d.averagedModels = 0;
    d.averagedLoss = std::numeric_limits<double>::quiet_NaN();
    if (!c.averagedParameters.empty() && c.averagedModels > 0) {
        d.averaged = at::from_blob(const_cast<double*>(c.averagedParameters.data()),
                                   {int64_t(c.averagedParameters.size())}, at::kDouble)
                         .to(d.optimizer->flatParameters().options());
        d.averagedModels = c.averagedModels;
        d.averagedLoss = c.averagedLoss;
    }
    if (d.scaler && c.lossScale > 0.0) {
        d.scaler->restore(c.lossScale, c.lossScalerGoodSteps, c.skippedSteps);
    }
}

bool Trainer::holdsEveryPoint() const {
    return impl_->holdsEveryPoint;
}

namespace {
void requireEveryPoint(bool holds, const char* what) {
    if (!holds) {
        throw std::logic_error(
            std::string(what) +
            ": rank 0 of a data-parallel run holds its shard of the points alone");
    }
}
} // namespace

std::vector<float> Trainer::predictTrainingPoints() const {
    requireEveryPoint(impl_->holdsEveryPoint, "predictTrainingPoints");
    if (impl_->config.train.batch > 0) {
        return toVector(impl_->predictionInBlocks());
    }
    at::NoGradGuard noGrad;
    return toVector(impl_->model->forward(impl_->data.coords, impl_->data.time));
}

std::vector<float> Trainer::lastEpochPrediction() const {
    const auto& d = *impl_;
    if (d.lastPrediction.defined()) {
        return toVector(d.lastPrediction);
    }
    return d.deferredPrediction ? toVector(d.deferredPrediction()) : std::vector<float>{};
}

std::vector<float> Trainer::predict(const std::vector<float>& coords) const {
    const auto& d = *impl_;
    const int64_t dims = d.setup.dims;
    if (coords.size() % size_t(dims) != 0) {
        throw std::invalid_argument("coordinate count is not a multiple of the dimension");
    }
    const int64_t n = int64_t(coords.size()) / dims;
    at::NoGradGuard noGrad;
    const auto x =
        at::from_blob(const_cast<float*>(coords.data()), {n, dims}, at::kFloat).to(d.device);
    const auto t = at::zeros({n}, x.options());
    return toVector(d.model->forward(x, t));
}

std::vector<float> Trainer::trainingCoordinates() const {
    requireEveryPoint(impl_->holdsEveryPoint, "trainingCoordinates");
    return toVector(impl_->data.coords);
}
std::vector<float> Trainer::trainingTargets() const {
    requireEveryPoint(impl_->holdsEveryPoint, "trainingTargets");
    return toVector(impl_->data.target);
}
std::vector<float> Trainer::trainingTimes() const {
    requireEveryPoint(impl_->holdsEveryPoint, "trainingTimes");
    const auto& time = impl_->data.time;
    return time.defined() && time.numel() > 0 && time.abs().max().item<double>() > 0.0
               ? toVector(time)
               : std::vector<float>{};
}

void Trainer::visitData(DataColumn column,
                        const std::function<void(const float*, int64_t)>& visit) const {
    const auto visitTensor = [&](const Dataset& part) {
        const auto& t = column == DataColumn::Coordinates ? part.coords : part.target;
        const auto values = t.to(at::kCPU, at::kFloat).contiguous();
        visit(values.data_ptr<float>(), values.numel());
    };
    const auto& d = *impl_;
    if (d.holdsEveryPoint) {
        Dataset here;
        here.coords = d.data.coords;
        here.target = d.data.target;
        visitTensor(here);
        return;
    }
    // A CSV file is read whole anyway; a generated data set block by block.
    const int64_t block = d.config.data.kind == DataKind::CsvSignal ? d.setup.points : 1 << 18;
    for (int64_t first = 0; first < d.setup.points; first += block) {
        visitTensor(makeDatasetPart(d.config.data, [&](int64_t points) {
            return std::pair(first, std::min(points, first + block));
        }));
    }
}

namespace {
// A CPU float32 tensor (every model here) copies straight from its buffer.
void appendFloats(const at::Tensor& flat, std::vector<float>& out, double scale = 1.0) {
    const auto cpu = flat.device().is_cpu() && flat.scalar_type() == at::kFloat
                         ? flat
                         : flat.detach().to(at::kCPU, at::kFloat).contiguous();
    const float* begin = cpu.data_ptr<float>();
    const auto first = out.size();
    out.insert(out.end(), begin, begin + cpu.numel());
    if (scale != 1.0) {
        for (auto i = first; i < out.size(); ++i) {
            out[i] = float(double(out[i]) * scale);
        }
    }
}
} // namespace

void Trainer::appendParameters(std::vector<float>& out) const {
    appendFloats(impl_->optimizer->flatParameters(), out);
}

void Trainer::appendGradient(std::vector<float>& out) const {
    const auto& optimizer = *impl_->optimizer;
    appendFloats(optimizer.flatGradient(), out, 1.0 / optimizer.clipCoefficient());
}

std::vector<double> averagedPrefix(const ResumePoint& resume, const TrainConfig& config) {
    if (!config.averaging.start) {
        return {};
    }
    auto prefix = resume.averagedHistory;
    prefix.resize(resume.lossHistory.size(), std::numeric_limits<double>::quiet_NaN());
    return prefix;
}

namespace {

using Clock = std::chrono::steady_clock;
double secondsOf(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// One call of train(): the epoch loop and what it watches (the schedule, the
// stop rules, the best epoch), which a live change of settings rebuilds.
class EpochLoop {
public:
    EpochLoop(Trainer& trainer, TrainResult& result)
        : trainer_(trainer)
        , result_(result)
        , split_(trainer.config().train.validationShare > 0.0)
        , averaging_(trainer.config().train.averaging.start.has_value()) {
        rebuildWatchers();
    }

    // What the rules had seen of a resumed run's parent.
    void replayParent(const ResumePoint& resume) {
        const auto& tc = trainer_.config().train;
        if (split_ && resume.validationHistory.size() != resume.lossHistory.size()) {
            throw std::invalid_argument(
                "the resume point lacks the validation losses of its split");
        }
        const auto averagedBefore = averagedPrefix(resume, tc);
        for (size_t e = 0; e < resume.lossHistory.size(); ++e) {
            watch(int64_t(e), resume.lossHistory[e], split_ ? resume.validationHistory[e] : 0.0,
                  averaging_ ? averagedBefore[e] : 0.0);
            result_.gradientNorms.push_back(e < resume.gradientNorms.size()
                                                ? resume.gradientNorms[e]
                                                : std::numeric_limits<double>::quiet_NaN());
        }
        trainer_.setBestLossBefore(bestWatched_); // the parent's best stays the best checkpoint
    }

    // Runs epochs from `first` until the last, a stop or divergence.
    void run(int64_t first, const EpochCallback& onEpoch, const SettingsCallback& onBoundary) {
        for (int64_t epoch = first; epoch < trainer_.config().train.epochs; ++epoch) {
            if (onBoundary) {
                if (auto next = onBoundary(trainer_, epoch)) {
                    change(*next);
                    if (epoch >= trainer_.config().train.epochs) {
                        break; // shortened to the epochs done
                    }
                }
            }
            if (!runOne(epoch, onEpoch)) {
                break;
            }
        }
    }

    double epochSeconds() const { return epochSeconds_; }

private:
    bool runOne(int64_t epoch, const EpochCallback& onEpoch) {
        const auto epochStart = Clock::now();
        trainer_.setLearningRate(schedule_->rate());
        const double loss = trainer_.runEpoch();
        const double took = secondsOf(Clock::now() - epochStart);
        epochSeconds_ += took;
        result_.gradientNorms.push_back(trainer_.lastGradientNorm());
        result_.clippedEpochs += trainer_.lastEpochClipped() ? 1 : 0;
        if (!std::isfinite(loss)) {
            history(loss, trainer_.lastValidationLoss(), trainer_.averagedLoss());
            result_.status = RunStatus::Diverged;
            result_.divergedAtEpoch = epoch;
            return false;
        }
        auto reason = watch(epoch, loss, trainer_.lastValidationLoss(), trainer_.averagedLoss());
        if (const auto verdict = onEpoch ? onEpoch(trainer_, epoch, loss) : EpochVerdict::Continue;
            verdict != EpochVerdict::Continue) {
            result_.status =
                verdict == EpochVerdict::Prune ? RunStatus::Pruned : RunStatus::Stopped;
            return false;
        }
        if (!reason.empty()) {
            result_.stopReason = std::move(reason); // a rule's end is a finished run
            return false;
        }
        return true;
    }

    void history(double loss, double validation, double averaged) {
        result_.lossHistory.push_back(loss);
        if (split_) {
            result_.validationHistory.push_back(validation);
        }
        if (averaging_) {
            result_.averagedHistory.push_back(averaged);
        }
    }

    std::string watch(int64_t epoch, double loss, double validation, double averaged) {
        history(loss, validation, averaged);
        const double watched = trainer_.watchesValidation() ? validation : loss;
        watched_.push_back(watched);
        if (watched < bestWatched_) {
            bestWatched_ = watched;
            result_.bestEpoch = epoch;
            result_.bestLoss = watched;
        }
        schedule_->advance(watched);
        return stopCheck_->after(epoch, watched);
    }

    // The schedule and stop rules of the current settings, as if they had
    // held from the start: replayed over the watched losses so far.
    void rebuildWatchers() {
        const auto& tc = trainer_.config().train;
        schedule_.emplace(tc.schedule, tc.learningRate, tc.epochs);
        stopCheck_.emplace(tc.stop);
        for (size_t e = 0; e < watched_.size(); ++e) {
            schedule_->advance(watched_[e]);
            stopCheck_->after(int64_t(e), watched_[e]); // an end it says now comes next epoch
        }
    }

    void change(const TrainConfig& next) {
        trainer_.changeTrainConfig(next);
        if (!averaging_ && next.averaging.start) { // averaging from now: NaN before
            averaging_ = true;
            result_.averagedHistory.assign(result_.lossHistory.size(),
                                           std::numeric_limits<double>::quiet_NaN());
        }
        rebuildWatchers();
    }

    Trainer& trainer_;
    TrainResult& result_;
    const bool split_;
    bool averaging_;
    std::optional<LearningRateSchedule> schedule_;
    std::optional<StopCheck> stopCheck_;
    std::vector<double> watched_; // each epoch's watched loss, for a rebuild
    double bestWatched_ = std::numeric_limits<double>::infinity();
    double epochSeconds_ = 0.0;
};

} // namespace

TrainResult train(const ExperimentConfig& config, const EpochCallback& onEpoch,
                  const ReadyCallback& onReady, const ResumePoint* resume, const EndCallback& onEnd,
                  const SettingsCallback& onBoundary, RankGroup* ranks) {
    TrainResult result;
    const auto setupStart = Clock::now();
    Trainer trainer(config, ranks);
    if (resume) {
        if (resume->checkpoint.epoch != int64_t(resume->lossHistory.size()) ||
            resume->checkpoint.epoch >= config.train.epochs) {
            throw std::invalid_argument(
                "the resume point has " + std::to_string(resume->lossHistory.size()) +
                " losses for epoch " + std::to_string(resume->checkpoint.epoch) +
                ", or the run has no epochs left after it");
        }
        trainer.resumeFrom(resume->checkpoint);
    }
    const double setupSeconds = secondsOf(Clock::now() - setupStart);
    if (onReady) {
        onReady(trainer);
    }

    result.lossHistory.reserve(size_t(config.train.epochs));
    result.bestLoss = std::numeric_limits<double>::infinity();
    const int64_t firstEpoch = resume ? resume->checkpoint.epoch : 0;
    EpochLoop loop(trainer, result);
    if (resume) {
        loop.replayParent(*resume);
    }
    loop.run(firstEpoch, onEpoch, onBoundary);

    result.spans = trainer.spans();
    const auto& tc = trainer.config().train; // as the run ended, after live changes
    if (tc.checkpointEvery > 0) {
        result.endCheckpoint = trainer.checkpoint();
        result.bestCheckpoint = trainer.bestCheckpoint();
    }
    if (tc.stop.restoreBest && result.status != RunStatus::Diverged) {
        result.restoredBest = trainer.restoreBestWeights();
    }
    result.averagedModels = trainer.averagedModels();
    if (tc.averaging.start && result.status != RunStatus::Diverged) {
        result.endedAveraged = trainer.useAveragedWeights();
    }
    if (onEnd) {
        onEnd(trainer);
    }
    result.epochsDone = int64_t(result.lossHistory.size());
    result.finalLoss = result.lossHistory.empty() ? 0.0 : result.lossHistory.back();
    result.skippedSteps = trainer.skippedSteps();
    result.wallSeconds = setupSeconds + loop.epochSeconds();
    const int64_t trained = result.epochsDone - firstEpoch; // by this call
    result.msPerEpoch = trained > 0 ? 1e3 * loop.epochSeconds() / double(trained) : 0;
    return result;
}

std::string failureText(const std::exception& e) {
    if (dynamic_cast<const std::bad_alloc*>(&e)) {
        return "out of memory";
    }
    const auto* torchError = dynamic_cast<const c10::Error*>(&e);
    std::string text = torchError ? torchError->what_without_backtrace() : e.what();
    text = text.substr(0, text.find('\n'));
    // "DefaultCPUAllocator: can't allocate memory: you tried to allocate N bytes..."
    return text.find("can't allocate memory") != std::string::npos ? "out of memory: " + text
                                                                   : text;
}

double psnr(double mse, double peak) {
    if (mse <= 0.0) {
        return std::numeric_limits<double>::infinity();
    }
    return 20.0 * std::log10(peak / std::sqrt(mse));
}

bool cudaAvailable() {
    return at::hasCUDA();
}

std::string torchVersion() {
    return DREDGE_TORCH_VERSION;
}

} // namespace dredge
