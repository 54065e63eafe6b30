#pragma once
// Two configurations on the same input side by side, plus their difference overlay (kept by A
// only / B only / both). A and B follow the shared Selection, so scrubbing moves both; the
// difference canvas has its own Selection that mirrors point, frame and patch but stays in
// Difference mode. Zoom and pan are mirrored across the three canvases.
#include <QImage>
#include <QVector>
#include <QWidget>
#include <memory>

#include "core/trace/run_trace.h"

QT_BEGIN_NAMESPACE
class QLabel;
QT_END_NAMESPACE

namespace vitcop::widgets {
class PatchCanvas;
class Selection;
}  // namespace vitcop::widgets

namespace vitcop::inspector {

class CompareView : public QWidget {
  Q_OBJECT
 public:
  explicit CompareView(QWidget* parent = nullptr);

  void setSelection(widgets::Selection* selection);
  void setFrames(const QVector<QImage>& frames);
  void setRuns(std::shared_ptr<const trace::RunTrace> a, const QString& labelA,
               std::shared_ptr<const trace::RunTrace> b, const QString& labelB);
  void setAnswers(const QString& a, const QString& b);
  void setOpacity(double opacity);

  widgets::PatchCanvas* canvasA() const { return a_; }
  widgets::PatchCanvas* canvasB() const { return b_; }
  widgets::PatchCanvas* diffCanvas() const { return diff_; }
  QString answerA() const;
  QString answerB() const;

 private:
  void updateCounts();

  widgets::PatchCanvas* a_;
  widgets::PatchCanvas* b_;
  widgets::PatchCanvas* diff_;
  widgets::Selection* diffSelection_;
  QLabel* titleA_;
  QLabel* titleB_;
  QLabel* titleDiff_;
  QLabel* answerA_;
  QLabel* answerB_;
  widgets::Selection* selection_ = nullptr;
  std::shared_ptr<const trace::RunTrace> traceA_;
  std::shared_ptr<const trace::RunTrace> traceB_;
};

}  // namespace vitcop::inspector
