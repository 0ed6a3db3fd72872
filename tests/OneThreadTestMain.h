#pragma once
// main() for the numerics suites: LibTorch on one thread, so that reductions
// sum in one order (tests compare bits) and a 2-core CI runner is not
// oversubscribed. A test that wants more threads sets them and puts them back.

#include <ATen/Parallel.h>
#include <QCoreApplication>
#include <QTest>

#define DREDGE_ONE_THREAD_TEST_MAIN(TestObject)                                                    \
    int main(int argc, char** argv) {                                                              \
        at::set_num_threads(1);                                                                    \
        QCoreApplication app(argc, argv);                                                          \
        TestObject test;                                                                           \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&test, argc, argv);                                                    \
    }
