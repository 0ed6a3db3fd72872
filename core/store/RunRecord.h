#pragma once
// One run as the store keeps it: identity, lifecycle, the whole config, where
// and on what it ran, its figures and the user's fields. Plain data; the loss
// history and prediction snapshots are kept beside it and read on demand.

#include "ExperimentConfig.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace dredge {

// A stored run's status: the training outcomes (RunStatus) plus the states
// before and instead of one.
enum class RecordStatus {
    Queued,
    Running,
    Finished,
    Stopped,
    Diverged,
    Failed,
    Interrupted,
    Pruned // ended at a rung by successive halving; its history is kept
};

QString recordStatusName(RecordStatus status);
std::optional<RecordStatus> recordStatusFromName(const QString& name);
RecordStatus recordStatusOf(RunStatus outcome);
// How an experiment file keeps a stored run's outcome; not yet ended is Stopped.
RunStatus runStatusOf(RecordStatus status);
inline bool isEnded(RecordStatus status) {
    return status != RecordStatus::Queued && status != RecordStatus::Running;
}

struct RunRecord {
    QString id; // UUID, lower case, no braces
    QString name;
    QDateTime created, started, ended; // UTC; invalid until it happened
    RecordStatus status = RecordStatus::Queued;
    ExperimentConfig config;
    QString dataFingerprint; // SHA-256: coordinates and targets, or the CSV file's bytes
    QString appVersion, torchVersion, host, device;
    qint64 pid = 0;        // of the process writing it while it runs
    QDateTime heartbeat;   // last sign of life from that process
    qint64 parameters = 0; // once the model existed
    qint64 points = 0;
    double zeroPredictorMse = 0.0;
    qint64 epochsDone = 0;
    double finalLoss = std::nan("");
    double bestLoss = std::nan("");
    double msPerEpoch = 0.0;
    double psnrDb = std::nan("");
    QString error; // why it failed or was interrupted
    // The user's fields.
    QString notes;
    QStringList tags;
    bool starred = false;
    bool archived = false;
    QString parentId;     // the run it was forked from
    qint64 forkEpoch = 0; // ... at this epoch: its first forkEpoch losses are its parent's
    QString sweepId;      // the sweep that started it, and its task there
    int sweepTask = -1;
    qint64 clippedEpochs = 0;     // epochs whose gradient clipping scaled down
    std::vector<EpochSpan> spans; // kernel and precision per epoch span, once ended
    QString replayOf;             // the run it replays (train --replay)
    QString changes;              // its journal in a few words (journalSummary), when listed
};

// Spans as the store keeps them (a JSON array) and back; "" is none.
QString spansText(const std::vector<EpochSpan>& spans);
std::vector<EpochSpan> spansFromText(const QString& text);
// "fused float32 2100/s → composed bfloat16 330/s": what ran and how fast.
QString describeSpans(const std::vector<EpochSpan>& spans);

// A sweep as the store keeps it: its file, and how many runs it starts.
struct SweepRecord {
    QString id;
    QString name;
    QDateTime created;
    QByteArray spec; // the dredge-sweep JSON
    int tasks = 0;
};

// A prediction of the model at one epoch, on every `stride`-th training point.
struct StoredSnapshot {
    qint64 epoch = 0;
    int stride = 1;
    std::vector<float> values;
};

// A run's settings in a few words, its default name: "wave-ensemble n=16 on
// chirp, AMP, clip 1".
QString describe(const ExperimentConfig& config);

// A fresh record for a run about to start: new UUID, created now, this host,
// app and LibTorch versions.
RunRecord newRunRecord(const ExperimentConfig& config, const QString& name);
// The epochs the run trained itself: a fork's first forkEpoch are its parent's.
inline qint64 epochsTrained(const RunRecord& r) {
    return r.parentId.isEmpty() ? r.epochsDone : std::max<qint64>(0, r.epochsDone - r.forkEpoch);
}

// Whether a record matches every whitespace-separated term of `filter`
// (case-insensitive): name, tags, notes, data, model, status, id prefix, or
// the created date as yyyy-MM-dd. Shared by `runs list --filter` and the GUI.
bool matchesFilter(const RunRecord& record, const QString& filter);

} // namespace dredge
