#include "widgets/timing_chart.h"

#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QHorizontalBarSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace vitcop::widgets {

TimingChart::TimingChart(QWidget* parent)
    : QChartView(parent),
      series_(new QHorizontalBarSeries),
      stageAxis_(new QBarCategoryAxis),
      msAxis_(new QValueAxis) {
  auto* chart = new QChart;
  chart->setTitle(tr("Stage latency"));
  chart->legend()->hide();
  chart->addSeries(series_);
  chart->addAxis(stageAxis_, Qt::AlignLeft);
  chart->addAxis(msAxis_, Qt::AlignBottom);
  series_->attachAxis(stageAxis_);
  series_->attachAxis(msAxis_);
  msAxis_->setTitleText(tr("ms"));
  msAxis_->setLabelFormat("%.1f");
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
}

void TimingChart::setTimings(const vitcop::trace::RunTimings& timings) {
  series_->clear();
  stageAxis_->clear();
  if (timings.stages.empty()) return;
  auto* set = new QBarSet(tr("ms"));
  QStringList names;
  double maxMs = 0.0;
  // Horizontal bars list bottom-up; reverse so the first stage reads at the top.
  for (auto it = timings.stages.rbegin(); it != timings.stages.rend(); ++it) {
    *set << it->milliseconds;
    names << QString::fromStdString(it->stage);
    maxMs = std::max(maxMs, it->milliseconds);
  }
  series_->append(set);
  stageAxis_->append(names);
  msAxis_->setRange(0.0, maxMs > 0.0 ? maxMs * 1.1 : 1.0);
}

int TimingChart::barCount() const {
  const auto sets = series_->barSets();
  return sets.isEmpty() ? 0 : static_cast<int>(sets.front()->count());
}

}  // namespace vitcop::widgets
