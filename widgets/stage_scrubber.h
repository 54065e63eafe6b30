#pragma once
// Scrubs through a run's points in pipeline order (input → vision → llm:0 … llm:L−1): a track
// with one tick per point, stage boundaries (where the alive count changes) marked, ←/→ and
// Home/End to step, click/drag to jump; shows the point name and its visual-token count.
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <memory>

#include "core/trace/run_trace.h"

namespace vitcop::widgets {

class Selection;

class StageScrubber : public QWidget {
  Q_OBJECT
 public:
  explicit StageScrubber(QWidget* parent = nullptr);

  // Reads and writes Selection::point() (never null: starts with a private one).
  void setSelection(Selection* selection);
  Selection* selection() const { return selection_; }
  void setTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace);

  // The trace's points in scrub order; points with other names are left out.
  static QStringList orderedPointNames(const vitcop::trace::RunTrace& trace);

  QStringList pointNames() const { return names_; }
  QVector<int> tokenCounts() const { return counts_; }
  // Indices i > 0 whose alive count differs from point i-1: where some stage pruned or merged.
  QVector<int> boundaries() const;
  int currentIndex() const;  // -1 when the selected point is not in the trace
  void setCurrentIndex(int index);
  void step(int delta);
  // "llm:3 · 144 visual tokens" for the current point.
  QString statusText() const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QRectF trackRect() const;
  double xOf(int index) const;
  int indexAt(double x) const;

  QPointer<Selection> selection_;
  QMetaObject::Connection connection_;
  std::shared_ptr<const vitcop::trace::RunTrace> trace_;
  QStringList names_;
  QStringList stages_;  // TracePoint::stage per point, for the tooltip-like caption
  QVector<int> counts_;
};

}  // namespace vitcop::widgets
