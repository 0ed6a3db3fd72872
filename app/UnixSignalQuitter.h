#pragma once
// Turns SIGINT and SIGTERM into QCoreApplication::quit() on the event loop,
// through a self-pipe: a signal handler may only write a byte, and the event
// loop reads it safely. Restores the previous handlers when destroyed.

#include <QObject>
#include <csignal>

class QSocketNotifier;

namespace dredge {

class UnixSignalQuitter : public QObject {
public:
    explicit UnixSignalQuitter(QObject* parent = nullptr);
    ~UnixSignalQuitter() override;
    int lastSignal() const;

private:
    QSocketNotifier* notifier_ = nullptr;
    struct sigaction previousInt_ {};
    struct sigaction previousTerm_ {};
};

} // namespace dredge
