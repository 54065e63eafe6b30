#pragma once
// The image of one frame with the patch overlay of the current point, drawn by OverlayRenderer
// (the same code as the exports). Zoom with the wheel, Ctrl+Plus/Minus and Ctrl+0 (fit); pan by
// dragging; hover shows what the trace knows about a patch; a click selects it.
#include <QImage>
#include <QPointF>
#include <QPointer>
#include <QVector>
#include <QWidget>
#include <memory>

#include "core/trace/run_trace.h"
#include "widgets/overlay_renderer.h"

namespace vitcop::widgets {

class Selection;

class PatchCanvas : public QWidget {
  Q_OBJECT
 public:
  explicit PatchCanvas(QWidget* parent = nullptr);

  // Follows point, frame, score, overlay mode and patch of `selection` (never null: the canvas
  // starts with a private one). Clicking a patch sets the selection's patch.
  void setSelection(Selection* selection);
  Selection* selection() const { return selection_; }

  void setTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace);
  // Run B of the difference overlay (A is setTrace's).
  void setCompareTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace);
  // The model-input view of each frame, indexed by Selection::frame().
  void setFrames(const QVector<QImage>& frames);
  // Opacity, legend, colour bar, title, font, background; mode, score and highlighted patch are
  // taken from the Selection.
  void setOptions(const OverlayOptions& options);

  // What paintEvent draws, for exports of "what is on screen".
  OverlayOptions effectiveOptions() const;
  OverlayScene scene() const;

  double zoom() const { return zoom_; }
  // Zooms so the image point under `anchor` (widget coordinates) stays under it.
  void setZoom(double zoom, const QPointF& anchor);
  void zoomIn();
  void zoomOut();
  void fitToView();
  QPointF panOffset() const { return pan_; }
  // Zoom and pan together, for views that mirror another canvas (compare mode); emits
  // viewChanged only when something changed, so two canvases mirroring each other settle.
  void setView(double zoom, const QPointF& pan);
  // The image square in widget coordinates after zoom and pan.
  QRectF imageRect() const;
  // Global patch id under `pos` in the current frame, -1 outside the grid.
  int32_t patchAt(const QPointF& pos) const;
  // The hover text for `patch` at the current point.
  QString toolTipFor(int32_t patch) const;

  QSize sizeHint() const override { return {640, 640}; }

 Q_SIGNALS:
  void patchClicked(int32_t patch);
  void patchHovered(int32_t patch);  // -1 when leaving the grid
  void zoomChanged(double zoom);
  void viewChanged(double zoom, const QPointF& pan);  // after any zoom or pan change

 protected:
  bool event(QEvent* event) override;
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  OverlayLayout currentLayout() const;

  QPointer<Selection> selection_;
  std::shared_ptr<const vitcop::trace::RunTrace> trace_;
  std::shared_ptr<const vitcop::trace::RunTrace> compare_;
  QVector<QImage> frames_;
  OverlayOptions options_;
  OverlayRenderer renderer_;
  QList<QMetaObject::Connection> connections_;

  double zoom_ = 1.0;
  QPointF pan_;  // offset of the image centre from the fitted centre, widget pixels
  QPointF pressPos_;
  QPointF lastDragPos_;
  bool pressed_ = false;
  bool dragging_ = false;
  int32_t hovered_ = -1;
};

}  // namespace vitcop::widgets
