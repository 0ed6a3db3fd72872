#pragma once
// What the window's test suites share: how long a condition may take, and
// setting the form's epochs the way a user edits the experiment.

#include "ExperimentForm.h"
#include "MainWindow.h"
#include "RunsModel.h"
#include "StoreClient.h"

#include <QAction>
#include <QTest>
#include <cstdint>

constexpr int kTimeoutMs = 60000;

inline void setEpochs(dredge::MainWindow& w, int64_t epochs) {
    auto config = w.form()->config();
    config.train.epochs = epochs;
    w.form()->setConfig(config);
}

// Starts a run of the form's experiment for `epochs` and waits for it to
// end and, with a store, for its records to be written: the run in row `row`
// of the runs table, or null when either did not happen in time.
inline const dredge::RunEntry* trainToEnd(dredge::MainWindow& w, int64_t epochs, int row = 0) {
    setEpochs(w, epochs);
    w.startAction()->trigger();
    const auto* e = w.runs()->entryAt(row);
    const bool ended = e && QTest::qWaitFor([e] { return e->ended(); }, kTimeoutMs);
    return ended && (!w.store() || w.store()->flush()) ? e : nullptr;
}

// The form's experiment with its data set to the image or sound at `path`
// and its model a SIREN `hidden` wide: a user's own file fitted.
inline dredge::ExperimentConfig sirenOnFile(dredge::MainWindow& w, dredge::DataKind kind,
                                            const QString& path, int hidden) {
    auto c = w.form()->config();
    c.data = dredge::DataConfig{};
    c.data.kind = kind;
    (kind == dredge::DataKind::Audio ? c.data.audioPath : c.data.imagePath) = path.toStdString();
    c.model.kind = dredge::ModelKind::Siren;
    c.model.hidden = hidden;
    return c;
}

// A stored run shown in the window with these losses (History → Show in plot).
inline int showStored(dredge::MainWindow& w, const dredge::RunRecord& record,
                      std::vector<double> losses) {
    dredge::LoadedRun run;
    run.record = record;
    run.losses = std::move(losses);
    return w.runs()->addStoredRun(run);
}
