#include "MainWindow.h"

namespace dredge {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent) {
    setWindowTitle(tr("DREDGE Studio"));
    resize(1280, 800);
}

} // namespace dredge
