#pragma once
// The insight server panel: start/stop, address, port and token, live counters
// (requests, cache hit rate, entries), the last lifts, and a box to lift an
// insight from the window. Counters refresh twice a second from snapshots.

#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

#include "StoreLocation.h"

#include <optional>

namespace dredge {

class InsightServer;

class ServerPanel : public QWidget {
    Q_OBJECT
public:
    ServerPanel(InsightServer* server, QWidget* parent = nullptr);

    QPushButton* toggleButton() const { return toggle_; }
    QSpinBox* portBox() const { return port_; }
    QString address() const;
    void setAddress(const QString& address);
    // The store /predict and /runs read: the window's (none: they say so).
    // A running server takes a new one at its next start.
    void setStoreLocation(std::optional<StoreLocation> location);

private:
    void toggle();
    void refresh();
    void liftFromBox();

    InsightServer* server_;
    QLineEdit* address_;
    QSpinBox* port_;
    QLineEdit* token_;
    QPushButton* toggle_;
    QLabel* status_;
    QLabel* counters_;
    QListWidget* recent_;
    QLineEdit* liftText_;
    QLineEdit* liftResult_;
    QTimer refreshTimer_;
    bool starting_ = false;
    std::optional<StoreLocation> store_;
};

} // namespace dredge
