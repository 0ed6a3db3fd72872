#pragma once
// Data-driven tests over the data sets: the columns that name one (kind,
// grid, times) and the DataConfig a row's columns make.

#include "DataConfig.h"

#include <QtTest>

namespace dredge {

inline void addDataSetColumns() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("grid");
    QTest::addColumn<int>("times");
}

inline DataConfig fetchedDataSet() {
    QFETCH(int, kind);
    QFETCH(int, grid);
    QFETCH(int, times);
    DataConfig config;
    config.kind = DataKind(kind);
    config.grid = grid;
    config.times = times;
    return config;
}

} // namespace dredge
