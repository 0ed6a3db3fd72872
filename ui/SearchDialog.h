#pragma once
// A search view: the selected runs' sweeps, one beside another. Left, the
// best mean final loss of the settings complete so far against the epochs
// trained (a step each time it improved; grid, asha, hyperband and tpe
// compare on one axis of cost). Right, what mattered: each axis's share of
// the variance of log10 final loss, a bar per sweep with its spread over
// seeds (SearchSummary). Summaries come from the store thread as they are
// read.

#include "SearchSummary.h"

#include <QDialog>
#include <vector>

class QCPBarsGroup;
class QCustomPlot;
class QLabel;

namespace dredge {

class SearchDialog : public QDialog {
    Q_OBJECT
public:
    explicit SearchDialog(QWidget* parent = nullptr);

    // A sweep's search, drawn beside those already shown (once per sweep).
    void addSearch(const SearchSummary& search);
    // Why a sweep could not be summarised, said under the plots.
    void addProblem(const QString& sweepId, const QString& error);

    int searches() const { return int(searches_.size()); }
    QCustomPlot* progressPlot() const { return progress_; }
    QCustomPlot* importancePlot() const { return importance_; }
    QString notes() const;

private:
    void drawProgress(const SearchSummary& search, const QColor& color);
    void drawImportance();

    QCustomPlot* progress_;
    QCustomPlot* importance_;
    QLabel* notes_;
    QCPBarsGroup* barsGroup_ = nullptr; // a sweep's bars beside another's
    QStringList noteLines_;
    std::vector<SearchSummary> searches_;
};

} // namespace dredge
