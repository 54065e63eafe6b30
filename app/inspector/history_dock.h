#pragma once
// Run history: one row per finished run (method, budget, tokens, latency, answer). Selecting a
// row makes that run the current one through the shared Selection, so every view redraws it
// from its cached trace without touching the model.
#include <QDockWidget>
#include <QString>

QT_BEGIN_NAMESPACE
class QTableWidget;
QT_END_NAMESPACE

namespace vitcop::widgets {
class Selection;
}

namespace vitcop::inspector {

struct RunOutcome;

class HistoryDock : public QDockWidget {
  Q_OBJECT
 public:
  explicit HistoryDock(QWidget* parent = nullptr);
  void setSelection(widgets::Selection* selection);
  void addRun(const QString& runId, const QString& input, const RunOutcome& run);
  int rowCount() const;
  QTableWidget* table() const { return table_; }

 private:
  QTableWidget* table_;
  widgets::Selection* selection_ = nullptr;
};

}  // namespace vitcop::inspector
