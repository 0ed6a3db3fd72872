#pragma once

#include <QMainWindow>

namespace dredge {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};

} // namespace dredge
