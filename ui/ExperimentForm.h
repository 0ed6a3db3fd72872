#pragma once
// The experiment panel, made from the settings table: a group box per group
// of rows, a field per row the form shows (spin box, text field, check box,
// list, file). A field shows only where its setting applies to the config in
// the form. Text that is not a value of its kind, or lies out of range, is
// flagged inline, never clamped. config() starts from the config the form was
// given, so settings it does not show (or that do not apply) survive.

#include "ExperimentConfig.h"
#include "SettingChange.h"

#include <QWidget>
#include <map>
#include <vector>

class QLabel;
class QPushButton;

namespace dredge {

struct Setting;

class ExperimentForm : public QWidget {
    Q_OBJECT
public:
    // Shows the rows that have every use in `shown` (SettingUse bits): the
    // experiment panel shows InForm rows, a fork's dialog InForm | Live.
    explicit ExperimentForm(unsigned shown = 4 /* InForm */, QWidget* parent = nullptr);

    ExperimentConfig config() const;
    void setConfig(const ExperimentConfig& config);
    // Why the current values cannot be run, or an empty string.
    QString problem() const { return problem_; }
    // What to know before running these values (a cost this machine would
    // add), shown under the fields; it does not stop a run.
    QString note() const;
    // Whether the CPU has bfloat16 dot products, as the notes assume (found
    // at start; tests set it to see both cases on one machine).
    void setCpuHasBFloat16Dot(bool has);

    // Live mode: the form shows a training run's settings as they are now;
    // the rows the settings table marks live stay editable and go to the run
    // on Apply (or Enter), the others are read-only and say why. The draft
    // the form held before comes back with endLive().
    void showLive(const QString& runName, const ExperimentConfig& current);
    // The run's settings changed (a change applied, here or from a shell):
    // fields not being edited follow.
    void updateLive(const ExperimentConfig& current);
    void endLive();
    bool isLive() const { return live_; }
    // What Apply sends: each live row whose field differs from the run's value.
    std::vector<SettingChange> liveChanges() const;

    // The field of a setting (its table name), for tests that drive the real
    // widgets; nullptr when the form does not show it.
    QWidget* fieldWidget(const QString& setting) const;
    template <typename Widget>
    Widget* field(const QString& setting) const {
        return qobject_cast<Widget*>(fieldWidget(setting));
    }

Q_SIGNALS:
    void changed();
    void applyRequested();     // Apply or Enter in live mode, with changes to send
    void leaveLiveRequested(); // "New experiment" in live mode

private:
    struct Field {
        const Setting* setting;
        QWidget* editor;           // the spin box, line edit, check box or combo box
        std::vector<QWidget*> row; // what shows and hides with it
    };

    QWidget* makeEditor(const Setting& setting);
    void addFields(unsigned shown);
    void onEdited(const Setting* edited);
    void write(const Field& field, const ExperimentConfig& config);
    // The field's value, or why its text is none (*problem).
    std::optional<QJsonValue> read(const Field& field, QString* problem) const;
    ExperimentConfig readConfig(QString* problem) const;
    void updateVisibility(const ExperimentConfig& config);
    void revalidate();
    QWidget* makeLiveBar();
    void setFieldsLive(bool live);

    std::vector<Field> fields_;
    ExperimentConfig base_;
    QLabel* message_;
    QLabel* note_;
    QString problem_;
    bool bfloat16Dot_;
    QString checkedCsvPath_, csvProblem_;
    bool writing_ = false;
    bool live_ = false;
    ExperimentConfig draft_;    // what the form held before live mode
    ExperimentConfig liveBase_; // the run's settings as last shown
    QWidget* liveBar_ = nullptr;
    QLabel* liveLabel_ = nullptr;
    QPushButton* apply_ = nullptr;
    // Setting::followsDefaultOf: the leaders' last values, and the followers'
    // values kept for each leader value ("grid" for "data" = "volume4d").
    std::map<QString, QString> leaderValues_;
    std::map<std::pair<QString, QString>, QJsonValue> followerValues_;
};

} // namespace dredge
