#pragma once
// What the window's test suites share: how long a condition may take, and
// setting the form's epochs the way a user edits the experiment.

#include "ExperimentForm.h"
#include "MainWindow.h"

#include <cstdint>

constexpr int kTimeoutMs = 60000;

inline void setEpochs(dredge::MainWindow& w, int64_t epochs) {
    auto config = w.form()->config();
    config.train.epochs = epochs;
    w.form()->setConfig(config);
}
