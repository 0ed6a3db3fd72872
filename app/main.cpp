#include "MainWindow.h"

#include <QApplication>

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("DREDGE Studio"));
    dredge::MainWindow window;
    window.show();
    return QApplication::exec();
}
