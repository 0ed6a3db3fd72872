#pragma once
// The sweeps of this session, one row each: done / total, running, queued,
// and Pause, Resume and Cancel for the selected one. A view of the queues
// (grid and random sweeps, trained here) and of the `sweep` processes
// (adaptive ones); cancelling a queue is asked of the window, which also
// stops the sweep's runs; cancelling a process stops it as Ctrl+C does.

#include <QWidget>
#include <vector>

class QPushButton;
class QTableWidget;

namespace dredge {

class SweepProcess;
class SweepQueue;

class SweepPanel : public QWidget {
    Q_OBJECT
public:
    explicit SweepPanel(QWidget* parent = nullptr);

    void addQueue(SweepQueue* queue);
    void addProcess(SweepProcess* process);
    QTableWidget* table() const { return table_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* resumeButton() const { return resume_; }
    QPushButton* cancelButton() const { return cancel_; }

Q_SIGNALS:
    void cancelRequested(dredge::SweepQueue* queue);

private:
    struct Row {
        SweepQueue* queue = nullptr;
        SweepProcess* process = nullptr;
    };
    void addRow(Row row);
    const Row* selected() const;
    void refresh(const QObject* sweep);
    void refreshRow(int row);
    void updateButtons();

    QTableWidget* table_;
    QPushButton* pause_;
    QPushButton* resume_;
    QPushButton* cancel_;
    std::vector<Row> rows_;
};

} // namespace dredge
