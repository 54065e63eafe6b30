#include "app/inspector/charts_dock.h"

#include <QTabWidget>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <numeric>

#include "app/inspector/inference_worker.h"
#include "gpu/memory_probe.h"
#include "widgets/timing_chart.h"

namespace vitcop::inspector {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double stage(const trace::RunTimings& t, const char* name) {
  return std::max(0.0, t.stageMs(name));
}

double meanDecode(const RunOutcome& run) {
  const auto& d = run.result.decodeMs;
  return d.empty() ? 0.0 : std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
}

}  // namespace

ChartsDock::ChartsDock(QWidget* parent) : QDockWidget(tr("Charts"), parent) {
  setObjectName(QStringLiteral("chartsDock"));
  tabs_ = new QTabWidget(this);
  latency_ = new widgets::TimingChart(tabs_);
  latency_->chart()->setTitle(tr("Latency breakdown"));
  tabs_->addTab(latency_, tr("Latency"));

  auto* memChart = new QChart;
  memChart->setTitle(tr("Memory during the run"));
  rss_ = new QLineSeries(memChart);
  rss_->setName(tr("process RSS (MiB)"));
  kv_ = new QLineSeries(memChart);
  kv_->setName(tr("KV cache (MiB)"));
  memChart->addSeries(rss_);
  memChart->addSeries(kv_);
  memTime_ = new QValueAxis(memChart);
  memTime_->setTitleText(tr("s since the run started"));
  memBytes_ = new QValueAxis(memChart);
  memBytes_->setTitleText(tr("MiB"));
  memChart->addAxis(memTime_, Qt::AlignBottom);
  memChart->addAxis(memBytes_, Qt::AlignLeft);
  for (auto* s : {rss_, kv_}) {
    s->attachAxis(memTime_);
    s->attachAxis(memBytes_);
  }
  memory_ = new QChartView(memChart, tabs_);
  memory_->setRenderHint(QPainter::Antialiasing);
  tabs_->addTab(memory_, tr("Memory"));

  auto* histChart = new QChart;
  histChart->setTitle(tr("Runs"));
  history_chart_ = new QChartView(histChart, tabs_);
  tabs_->addTab(history_chart_, tr("History"));
  setWidget(tabs_);

  sampler_.setInterval(100);
  connect(&sampler_, &QTimer::timeout, this, &ChartsDock::sampleMemory);
}

void ChartsDock::runStarted(const QString& label) {
  rss_->clear();
  kv_->clear();
  memMax_ = 1.0;
  memory_->chart()->setTitle(tr("Memory during the run — %1").arg(label));
  clock_.start();
  sampleMemory();
  sampler_.start();
}

void ChartsDock::runStopped() {
  sampler_.stop();
}

void ChartsDock::sampleMemory() {
  const auto m = gpu::sampleMemory(c10::Device(c10::kCPU));
  if (!m.valid) return;
  const double t = clock_.elapsed() / 1000.0;
  const double mib = static_cast<double>(m.currentBytes) / kMiB;
  rss_->append(t, mib);
  memMax_ = std::max(memMax_, mib);
  memTime_->setRange(0.0, std::max(1.0, t));
  memBytes_->setRange(0.0, memMax_ * 1.1);
}

void ChartsDock::showLatency(const RunOutcome& run) {
  trace::RunTimings t;
  // Selection runs inside vision encode / prefill; shown separately so its share is visible.
  t.add("vision encode", stage(run.result.timings, "vision encode"));
  t.add("selection", run.result.selectionMs);
  t.add("prefill", stage(run.result.timings, "prefill"));
  t.add("decode / token", meanDecode(run));
  latency_->setTimings(t);
  latency_->chart()->setTitle(tr("Latency (ms) — %1").arg(run.label));
}

void ChartsDock::addRun(const RunOutcome& run) {
  showLatency(run);
  // KV cache per decoded token, derived from the final per-layer lengths: every layer's cache
  // grows by one position per token, so bytes per position are the same all run long.
  const auto& lengths = run.result.kvCacheLengths;
  const int64_t positions = std::accumulate(lengths.begin(), lengths.end(), int64_t{0});
  const int tokens = static_cast<int>(run.tokenAtMs.size());
  if (positions > 0 && run.result.kvCacheBytes > 0 && clock_.isValid()) {
    const double perPosition = static_cast<double>(run.result.kvCacheBytes) / positions;
    const double layers = static_cast<double>(lengths.size());
    // Offset of the run's own clock inside the sampled window: the run ended about now.
    const double endS = clock_.elapsed() / 1000.0;
    const double startS = std::max(0.0, endS - run.totalMs / 1000.0);
    kv_->clear();
    for (int i = 0; i < tokens; ++i) {
      const double remaining = tokens - 1 - i;
      const double bytes = perPosition * (static_cast<double>(positions) - layers * remaining);
      kv_->append(startS + run.tokenAtMs[i] / 1000.0, bytes / kMiB);
    }
    kv_->append(endS, run.result.kvCacheBytes / kMiB);
    memMax_ = std::max(memMax_, run.result.kvCacheBytes / kMiB);
    memBytes_->setRange(0.0, memMax_ * 1.1);
    memTime_->setRange(0.0, std::max(1.0, endS));
  }
  history_.push_back(
      {QStringLiteral("#%1 %2").arg(history_.size() + 1).arg(run.label),
       stage(run.result.timings, "vision encode"), run.result.selectionMs,
       stage(run.result.timings, "prefill"),
       std::accumulate(run.result.decodeMs.begin(), run.result.decodeMs.end(), 0.0)});
  rebuildHistory();
}

void ChartsDock::rebuildHistory() {
  auto* chart = history_chart_->chart();
  chart->removeAllSeries();
  for (auto* axis : chart->axes()) {
    chart->removeAxis(axis);
    delete axis;
  }
  auto* series = new QStackedBarSeries;
  auto* vision = new QBarSet(tr("vision encode"));
  auto* selection = new QBarSet(tr("selection"));
  auto* prefill = new QBarSet(tr("prefill"));
  auto* decode = new QBarSet(tr("decode (all tokens)"));
  QStringList labels;
  double maxMs = 1.0;
  for (const auto& h : history_) {
    *vision << h.visionMs;
    *selection << h.selectionMs;
    *prefill << h.prefillMs;
    *decode << h.decodeMs;
    labels << h.label;
    maxMs = std::max(maxMs, h.visionMs + h.selectionMs + h.prefillMs + h.decodeMs);
  }
  series->append({vision, selection, prefill, decode});
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(labels);
  auto* y = new QValueAxis;
  y->setTitleText(tr("ms"));
  y->setRange(0.0, maxMs * 1.1);
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->setTitle(tr("Latency across runs (method · budget)"));
}

int ChartsDock::latencyBars() const {
  return latency_->barCount();
}

int ChartsDock::memoryPoints() const {
  return static_cast<int>(rss_->count() + kv_->count());
}

}  // namespace vitcop::inspector
