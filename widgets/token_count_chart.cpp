#include "widgets/token_count_chart.h"

#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <QtWidgets/QGraphicsLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "widgets/selection.h"

namespace vitcop::widgets {

TokenCountChart::TokenCountChart(QWidget* parent)
    : QChartView(parent),
      steps_(new QLineSeries),
      averageLine_(new QLineSeries),
      marker_(new QScatterSeries),
      layerAxis_(new QValueAxis),
      countAxis_(new QValueAxis) {
  auto* chart = new QChart;
  chart->setTitle(tr("Visual tokens per LLM layer"));
  steps_->setName(tr("visual tokens"));
  averageLine_->setName(tr("equivalent average"));
  QPen dashed(QColor(0xd5, 0x5e, 0x00), 1.5, Qt::DashLine);
  averageLine_->setPen(dashed);
  marker_->setName(tr("current layer"));
  marker_->setMarkerShape(QScatterSeries::MarkerShapeCircle);
  marker_->setMarkerSize(11.0);
  for (auto* s :
       {static_cast<QAbstractSeries*>(steps_), static_cast<QAbstractSeries*>(averageLine_),
        static_cast<QAbstractSeries*>(marker_)})
    chart->addSeries(s);
  chart->addAxis(layerAxis_, Qt::AlignBottom);
  chart->addAxis(countAxis_, Qt::AlignLeft);
  for (auto* s : chart->series()) {
    s->attachAxis(layerAxis_);
    s->attachAxis(countAxis_);
  }
  layerAxis_->setTitleText(tr("LLM layer"));
  layerAxis_->setLabelFormat("%d");
  countAxis_->setTitleText(tr("tokens"));
  countAxis_->setLabelFormat("%d");
  chart->legend()->setAlignment(Qt::AlignBottom);
  // Docked under the scrubber the chart gets ~200 px. With Qt Charts' default margins and fonts
  // the title, two axis titles and the legend left a plot so short that every tick label was
  // elided to "..." (docs/screenshots/startup.png before 2026-12-08): tight margins and smaller
  // fonts keep the layer numbers and token counts readable.
  chart->setMargins(QMargins(2, 2, 2, 2));
  chart->layout()->setContentsMargins(0, 0, 0, 0);
  chart->setBackgroundRoundness(0);
  QFont small = font();
  small.setPointSizeF(small.pointSizeF() * 0.85);
  QFont title = small;
  title.setBold(true);
  chart->setTitleFont(title);
  chart->legend()->setFont(small);
  for (QValueAxis* axis : {layerAxis_, countAxis_}) {
    axis->setLabelsFont(small);
    axis->setTitleFont(small);
  }
  // The marker explains itself; a legend entry for it would only crowd the two that matter.
  for (auto* m : chart->legend()->markers(marker_))
    m->setVisible(false);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  setSelection(new Selection(this));
}

void TokenCountChart::setSelection(Selection* selection) {
  if (!selection || selection == selection_) return;
  disconnect(connection_);
  selection_ = selection;
  connection_ = connect(selection_, &Selection::pointChanged, this, [this] { updateMarker(); });
  updateMarker();
}

void TokenCountChart::setTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace) {
  trace_ = std::move(trace);
  steps_->clear();
  averageLine_->clear();
  average_ = 0.0;
  const auto counts = trace_ ? trace_->layerVisualCounts() : std::vector<int64_t>();
  if (counts.empty()) {
    layerAxis_->setRange(0, 1);
    countAxis_->setRange(0, 1);
    updateMarker();
    return;
  }
  // A step per layer: flat across [l, l+1), so the drop shows at the layer that pruned.
  QList<QPointF> pts;
  for (size_t l = 0; l < counts.size(); ++l) {
    pts << QPointF(l, counts[l]) << QPointF(l + 1.0, counts[l]);
  }
  steps_->replace(pts);
  // RunTrace::equivalentTokens is what the run reported; older traces without it fall back to
  // the same definition (mean over LLM layers) computed here.
  average_ = trace_->equivalentTokens > 0.0
                 ? trace_->equivalentTokens
                 : std::accumulate(counts.begin(), counts.end(), 0.0) / counts.size();
  const double layers = static_cast<double>(counts.size());
  averageLine_->append(0.0, average_);
  averageLine_->append(layers, average_);
  averageLine_->setName(tr("equivalent average (%1)").arg(average_, 0, 'f', 1));
  const double top = std::max<double>(*std::max_element(counts.begin(), counts.end()), average_);
  // Whole-number ticks on both axes: labels are "%d", and a tick at 7.425 labelled "7" would
  // misplace every step.
  layerAxis_->setRange(0.0, layers);
  layerAxis_->setTickType(QValueAxis::TicksDynamic);
  layerAxis_->setTickAnchor(0.0);
  layerAxis_->setTickInterval(std::max(1.0, std::ceil(layers / 8.0)));
  countAxis_->setRange(0.0, std::max(1.0, top * 1.1));
  countAxis_->applyNiceNumbers();
  updateMarker();
}

QList<QPointF> TokenCountChart::stepPoints() const {
  return steps_->points();
}

void TokenCountChart::updateMarker() {
  marker_->clear();
  markerLayer_ = -1;
  if (!trace_) return;
  const auto layer = vitcop::trace::llmLayerOf(selection_->point().toStdString());
  const auto counts = trace_->layerVisualCounts();
  if (!layer || *layer >= static_cast<int64_t>(counts.size())) return;
  markerLayer_ = static_cast<int>(*layer);
  marker_->append(*layer + 0.5, counts[static_cast<size_t>(*layer)]);
}

}  // namespace vitcop::widgets
