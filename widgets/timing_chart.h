#pragma once
// Horizontal bar chart of a run's stage timings (vision encode, prefill, decode, ...).
#include <QtCharts/QChartView>

#include "core/trace/timings.h"

QT_BEGIN_NAMESPACE
class QHorizontalBarSeries;
class QBarCategoryAxis;
class QValueAxis;
QT_END_NAMESPACE

namespace vitcop::widgets {

class TimingChart : public QChartView {
  Q_OBJECT
 public:
  explicit TimingChart(QWidget* parent = nullptr);

  // Replaces the bars with the stages of `timings`; an empty run shows an empty chart.
  void setTimings(const vitcop::trace::RunTimings& timings);
  int barCount() const;

 private:
  QHorizontalBarSeries* series_;
  QBarCategoryAxis* stageAxis_;
  QValueAxis* msAxis_;
};

}  // namespace vitcop::widgets
