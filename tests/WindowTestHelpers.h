#pragma once
// What the window's test suites share: how long a condition may take, and
// setting the form's epochs the way a user edits the experiment.

#include "ExperimentForm.h"
#include "MainWindow.h"
#include "RunsModel.h"
#include "StoreClient.h"

#include <cstdint>

constexpr int kTimeoutMs = 60000;

inline void setEpochs(dredge::MainWindow& w, int64_t epochs) {
    auto config = w.form()->config();
    config.train.epochs = epochs;
    w.form()->setConfig(config);
}

// A stored run shown in the window with these losses (History → Show in plot).
inline int showStored(dredge::MainWindow& w, const dredge::RunRecord& record,
                      std::vector<double> losses) {
    dredge::LoadedRun run;
    run.record = record;
    run.losses = std::move(losses);
    return w.runs()->addStoredRun(run);
}
