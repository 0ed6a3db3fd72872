#pragma once
// The sweeps of this session, one row each: done / total, running, queued,
// and Pause, Resume and Cancel for the selected one. A view of the queues;
// cancelling is asked of the window, which also stops the sweep's runs.

#include <QWidget>
#include <vector>

class QPushButton;
class QTableWidget;

namespace dredge {

class SweepQueue;

class SweepPanel : public QWidget {
    Q_OBJECT
public:
    explicit SweepPanel(QWidget* parent = nullptr);

    void addQueue(SweepQueue* queue);
    QTableWidget* table() const { return table_; }
    QPushButton* pauseButton() const { return pause_; }
    QPushButton* resumeButton() const { return resume_; }
    QPushButton* cancelButton() const { return cancel_; }

Q_SIGNALS:
    void cancelRequested(dredge::SweepQueue* queue);

private:
    SweepQueue* selected() const;
    void refresh(SweepQueue* queue);
    void updateButtons();

    QTableWidget* table_;
    QPushButton* pause_;
    QPushButton* resume_;
    QPushButton* cancel_;
    std::vector<SweepQueue*> queues_;
};

} // namespace dredge
