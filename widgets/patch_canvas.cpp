#include "widgets/patch_canvas.h"

#include <QApplication>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "widgets/patch_layout.h"
#include "widgets/point_patches.h"
#include "widgets/selection.h"

namespace vitcop::widgets {
namespace {
constexpr double kMinZoom = 0.25;
constexpr double kMaxZoom = 32.0;
constexpr double kZoomStep = 1.25;
}  // namespace

PatchCanvas::PatchCanvas(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setSelection(new Selection(this));
}

void PatchCanvas::setSelection(Selection* selection) {
  if (!selection || selection == selection_) return;
  for (const auto& c : connections_)
    disconnect(c);
  connections_.clear();
  selection_ = selection;
  // Every field the overlay depends on: one repaint per change.
  connections_ << connect(selection_, &Selection::changed, this, [this] { update(); });
  update();
}

void PatchCanvas::setTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace) {
  trace_ = std::move(trace);
  update();
}

void PatchCanvas::setCompareTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace) {
  compare_ = std::move(trace);
  update();
}

void PatchCanvas::setFrames(const QVector<QImage>& frames) {
  frames_ = frames;
  update();
}

void PatchCanvas::setOptions(const OverlayOptions& options) {
  options_ = options;
  update();
}

OverlayOptions PatchCanvas::effectiveOptions() const {
  OverlayOptions o = options_;
  o.mode = selection_->overlayMode();
  o.scoreName = selection_->scoreName();
  o.highlightPatch = selection_->patch();
  if (!o.background.isValid()) o.background = palette().color(QPalette::Base);
  return o;
}

OverlayScene PatchCanvas::scene() const {
  OverlayScene s;
  s.trace = trace_.get();
  s.compare = compare_.get();
  s.point = selection_->point().toStdString();
  s.frame = selection_->frame();
  if (s.frame >= 0 && s.frame < frames_.size()) s.image = frames_[s.frame];
  return s;
}

OverlayLayout PatchCanvas::currentLayout() const {
  return renderer_.layout(QRectF(rect()), scene(), effectiveOptions(), this);
}

QRectF PatchCanvas::imageRect() const {
  const QRectF fit = currentLayout().image;
  const QSizeF size = fit.size() * zoom_;
  const QPointF centre = fit.center() + pan_;
  // Whole pixels keep cells crisp and let the renderer blit its cached scaled frame.
  return QRectF(std::round(centre.x() - size.width() / 2),
                std::round(centre.y() - size.height() / 2), std::round(size.width()),
                std::round(size.height()));
}

void PatchCanvas::setZoom(double zoom, const QPointF& anchor) {
  zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
  if (zoom == zoom_) return;
  const QRectF before = imageRect();
  if (before.isEmpty()) return;
  const QPointF u((anchor.x() - before.left()) / before.width(),
                  (anchor.y() - before.top()) / before.height());
  const QRectF fit = currentLayout().image;
  const QSizeF size = fit.size() * zoom;
  const QPointF topLeft(anchor.x() - u.x() * size.width(), anchor.y() - u.y() * size.height());
  pan_ = topLeft + QPointF(size.width() / 2, size.height() / 2) - fit.center();
  zoom_ = zoom;
  emit zoomChanged(zoom_);
  emit viewChanged(zoom_, pan_);
  update();
}

void PatchCanvas::setView(double zoom, const QPointF& pan) {
  zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
  if (zoom == zoom_ && pan == pan_) return;
  const bool zoomed = zoom != zoom_;
  zoom_ = zoom;
  pan_ = pan;
  if (zoomed) emit zoomChanged(zoom_);
  emit viewChanged(zoom_, pan_);
  update();
}

void PatchCanvas::zoomIn() {
  setZoom(zoom_ * kZoomStep, imageRect().center());
}
void PatchCanvas::zoomOut() {
  setZoom(zoom_ / kZoomStep, imageRect().center());
}

void PatchCanvas::fitToView() {
  const bool moved = zoom_ != 1.0 || !pan_.isNull();
  pan_ = QPointF();
  if (zoom_ != 1.0) {
    zoom_ = 1.0;
    emit zoomChanged(zoom_);
  }
  if (moved) emit viewChanged(zoom_, pan_);
  update();
}

int32_t PatchCanvas::patchAt(const QPointF& pos) const {
  if (!trace_) return -1;
  const QRectF area = currentLayout().imageArea;
  if (!area.contains(pos)) return -1;  // decorations cover the zoomed image outside the area
  return PatchLayout(trace_->geometry, imageRect()).patchAt(pos, selection_->frame());
}

QString PatchCanvas::toolTipFor(int32_t patch) const {
  if (!trace_ || patch < 0) return QString();
  const PatchLayout grid(trace_->geometry, QRectF(0, 0, 1, 1));
  const QString point = selection_->point();
  QStringList lines;
  lines << tr("Patch %1 — frame %2, row %3, col %4")
               .arg(patch)
               .arg(grid.frameOf(patch))
               .arg(grid.rowOf(patch))
               .arg(grid.colOf(patch));
  const PointPatches a(*trace_, point.toStdString(), grid.frameOf(patch));
  const int local = grid.localOf(patch);
  if (!a.valid()) {
    lines << tr("%1: not in this trace").arg(point);
  } else if (const auto* t = a.token(local)) {
    QString state = tr("%1: alive (token %2)").arg(point).arg(a.tokenIndex(local));
    if (t->patches.size() > 1)
      state += a.representative(local) ? tr(", represents %1 patches").arg(t->patches.size())
                                       : tr(", merged into patch %1").arg(t->patches.front());
    lines << state;
    for (const auto& [name, value] : t->scores)
      lines << QStringLiteral("%1 = %2").arg(QString::fromStdString(name)).arg(value, 0, 'g', 4);
    if (t->cluster == -1)
      lines << tr("Cluster: unassigned (-1)");
    else if (t->cluster >= 0)
      lines << (t->clusterCentre ? tr("Cluster %1 (centre)") : tr("Cluster %1")).arg(t->cluster);
  } else {
    lines << tr("%1: pruned").arg(point);
  }
  if (compare_ && selection_->overlayMode() == OverlayMode::Difference) {
    const PointPatches b(*compare_, point.toStdString(), grid.frameOf(patch));
    lines << (b.valid() && b.alive(local) ? tr("B: alive") : tr("B: pruned"));
  }
  const int64_t last = trace_->lastLayerAlive(patch);
  lines << (last >= 0 ? tr("Last LLM layer alive: %1").arg(last)
                      : tr("Last LLM layer alive: none (never reaches the LLM)"));
  return lines.join(QLatin1Char('\n'));
}

bool PatchCanvas::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int32_t patch = patchAt(help->pos());
    if (patch < 0) {
      QToolTip::hideText();
      event->ignore();
    } else {
      // The cell as the tooltip's rect: moving within the patch keeps the text, leaving hides it.
      const QRect cell =
          PatchLayout(trace_->geometry, imageRect()).patchRect(patch).toAlignedRect();
      QToolTip::showText(help->globalPos(), toolTipFor(patch), this, cell);
    }
    return true;
  }
  return QWidget::event(event);
}

void PatchCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const OverlayScene s = scene();
  const OverlayOptions o = effectiveOptions();
  const OverlayLayout l = renderer_.layout(QRectF(rect()), s, o, this);
  p.fillRect(rect(), o.background);
  p.save();
  p.setClipRect(l.imageArea);
  renderer_.paintImageLayer(p, imageRect(), s, o);
  p.restore();
  renderer_.paintDecorations(p, l, s, o);
}

void PatchCanvas::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0.0) return;
  setZoom(zoom_ * std::pow(kZoomStep, steps), event->position());
  event->accept();
}

void PatchCanvas::keyPressEvent(QKeyEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    switch (event->key()) {
      case Qt::Key_Plus:
      case Qt::Key_Equal:  // Ctrl+= is Ctrl++ without Shift on most layouts
        zoomIn();
        return;
      case Qt::Key_Minus:
        zoomOut();
        return;
      case Qt::Key_0:
        fitToView();
        return;
      default:
        break;
    }
  }
  QWidget::keyPressEvent(event);
}

void PatchCanvas::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  pressed_ = true;
  dragging_ = false;
  pressPos_ = lastDragPos_ = event->position();
}

void PatchCanvas::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (pressed_ && (event->buttons() & Qt::LeftButton)) {
    if (!dragging_ && (pos - pressPos_).manhattanLength() >= QApplication::startDragDistance()) {
      dragging_ = true;
      setCursor(Qt::ClosedHandCursor);
    }
    if (dragging_) {
      pan_ += pos - lastDragPos_;
      lastDragPos_ = pos;
      emit viewChanged(zoom_, pan_);
      update();
    }
    return;
  }
  const int32_t patch = patchAt(pos);
  if (patch != hovered_) {
    hovered_ = patch;
    emit patchHovered(patch);
  }
}

void PatchCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !pressed_) return QWidget::mouseReleaseEvent(event);
  pressed_ = false;
  if (dragging_) {
    dragging_ = false;
    unsetCursor();
    return;
  }
  // A press and release without a drag is a click on the patch under it.
  const int32_t patch = patchAt(event->position());
  if (patch >= 0) {
    selection_->setPatch(patch);
    emit patchClicked(patch);
  }
}

void PatchCanvas::leaveEvent(QEvent* event) {
  if (hovered_ != -1) {
    hovered_ = -1;
    emit patchHovered(-1);
  }
  QWidget::leaveEvent(event);
}

}  // namespace vitcop::widgets
