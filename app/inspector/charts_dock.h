#pragma once
// Charts of runs, each titled with its method and budget: the latency breakdown of the current
// run (vision encode, selection, prefill, decode per token), memory over time during a run
// (process RSS sampled live; KV-cache bytes per decoded token) and the history across runs.
#include <QDockWidget>
#include <QElapsedTimer>
#include <QTimer>
#include <QVector>
#include <memory>

QT_BEGIN_NAMESPACE
class QChartView;
class QLineSeries;
class QTabWidget;
class QValueAxis;
QT_END_NAMESPACE

namespace vitcop::widgets {
class TimingChart;
}

namespace vitcop::inspector {

struct RunOutcome;

class ChartsDock : public QDockWidget {
  Q_OBJECT
 public:
  explicit ChartsDock(QWidget* parent = nullptr);

  // Live RSS sampling while a job runs (a /proc read every 100 ms on the GUI thread).
  void runStarted(const QString& label);
  void runStopped();
  // The finished run: latency bars, its KV-cache curve, a new history entry.
  void addRun(const RunOutcome& run);
  // Show a past run's latency breakdown (history selection).
  void showLatency(const RunOutcome& run);

  int latencyBars() const;
  int memoryPoints() const;
  int historyRuns() const { return static_cast<int>(history_.size()); }
  QTabWidget* tabs() const { return tabs_; }

 private:
  void sampleMemory();
  void rebuildHistory();

  QTabWidget* tabs_;
  widgets::TimingChart* latency_;
  QChartView* memory_;
  QLineSeries* rss_;
  QLineSeries* kv_;
  QValueAxis* memTime_;
  QValueAxis* memBytes_;
  QChartView* history_chart_;
  QTimer sampler_;
  QElapsedTimer clock_;
  double memMax_ = 1.0;
  struct HistoryEntry {
    QString label;
    double visionMs, selectionMs, prefillMs, decodeMs;
  };
  QVector<HistoryEntry> history_;
};

}  // namespace vitcop::inspector
