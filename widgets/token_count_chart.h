#pragma once
// Visual tokens alive at the input of each LLM layer as a step chart, the run's equivalent
// average as a dashed line, and a marker on the layer the Selection points at.
#include <QList>
#include <QPointF>
#include <QPointer>
#include <QtCharts/QChartView>
#include <memory>

#include "core/trace/run_trace.h"

QT_BEGIN_NAMESPACE
class QLineSeries;
class QScatterSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace vitcop::widgets {

class Selection;

class TokenCountChart : public QChartView {
  Q_OBJECT
 public:
  explicit TokenCountChart(QWidget* parent = nullptr);

  // Follows Selection::point() (never null: starts with a private one).
  void setSelection(Selection* selection);
  Selection* selection() const { return selection_; }
  void setTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace);

  // What is plotted, for tests and tooltips.
  QList<QPointF> stepPoints() const;
  double averageTokens() const { return average_; }
  // LLM layer the marker sits on; -1 when hidden (no trace, or the point is not "llm:N").
  int markerLayer() const { return markerLayer_; }

 private:
  void updateMarker();

  QPointer<Selection> selection_;
  QMetaObject::Connection connection_;
  std::shared_ptr<const vitcop::trace::RunTrace> trace_;
  QLineSeries* steps_;
  QLineSeries* averageLine_;
  QScatterSeries* marker_;
  QValueAxis* layerAxis_;
  QValueAxis* countAxis_;
  double average_ = 0.0;
  int markerLayer_ = -1;
};

}  // namespace vitcop::widgets
