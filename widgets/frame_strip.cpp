#include "widgets/frame_strip.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <algorithm>

#include "widgets/selection.h"

namespace vitcop::widgets {
namespace {
constexpr int kMargin = 4;   // around the strip
constexpr int kSpacing = 6;  // between thumbnails; the highlight frame is drawn inside it
}  // namespace

FrameStrip::FrameStrip(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setSelection(new Selection(this));
}

void FrameStrip::setSelection(Selection* selection) {
  if (!selection || selection == selection_) return;
  disconnect(connection_);
  selection_ = selection;
  connection_ = connect(selection_, &Selection::frameChanged, this, [this] { update(); });
  update();
}

void FrameStrip::setFrames(const QVector<QImage>& frames) {
  frames_ = frames;
  rebuildThumbnails();
  updateGeometry();
  update();
}

QSize FrameStrip::sizeHint() const {
  return {std::max(1, frameCount()) * (96 + kSpacing) + 2 * kMargin, 96 + 2 * kMargin};
}

QSize FrameStrip::minimumSizeHint() const {
  return {64, 48 + 2 * kMargin};
}

QRect FrameStrip::thumbnailRect(int frame) const {
  const int n = frameCount();
  if (frame < 0 || frame >= n) return {};
  // Equal slots across the width; each thumbnail keeps its frame's aspect inside its slot.
  const double slotW = (width() - 2.0 * kMargin) / n;
  const int maxW = std::max(1, static_cast<int>(slotW) - kSpacing);
  const int maxH = std::max(1, height() - 2 * kMargin);
  const QSize src = frames_[frame].isNull() ? QSize(1, 1) : frames_[frame].size();
  const QSize fit = src.scaled(maxW, maxH, Qt::KeepAspectRatio);
  const int x = kMargin + static_cast<int>(slotW * frame + (slotW - fit.width()) / 2);
  const int y = kMargin + (maxH - fit.height()) / 2;
  return QRect(QPoint(x, y), fit);
}

int FrameStrip::frameAt(const QPoint& pos) const {
  for (int i = 0; i < frameCount(); ++i)
    if (thumbnailRect(i).contains(pos)) return i;
  return -1;
}

void FrameStrip::rebuildThumbnails() {
  thumbs_.clear();
  for (int i = 0; i < frameCount(); ++i) {
    const QRect r = thumbnailRect(i);
    thumbs_ << (frames_[i].isNull() || r.isEmpty()
                    ? QPixmap()
                    : QPixmap::fromImage(frames_[i].scaled(r.size(), Qt::IgnoreAspectRatio,
                                                           Qt::SmoothTransformation)));
  }
}

void FrameStrip::resizeEvent(QResizeEvent* event) {
  rebuildThumbnails();
  QWidget::resizeEvent(event);
}

void FrameStrip::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.color(QPalette::Window));
  const int current = selection_->frame();
  for (int i = 0; i < frameCount(); ++i) {
    const QRect r = thumbnailRect(i);
    if (i < thumbs_.size() && !thumbs_[i].isNull())
      p.drawPixmap(r.topLeft(), thumbs_[i]);
    else
      p.fillRect(r, pal.color(QPalette::Mid));
    if (i == current) {
      // Outside the thumbnail so the highlight never hides image content.
      p.setPen(QPen(pal.color(QPalette::Highlight), 3));
      p.setBrush(Qt::NoBrush);
      p.drawRect(r.adjusted(-2, -2, 1, 1));
    }
    const QString label = QString::number(i);
    const QRect tag(r.left() + 2, r.top() + 2, fontMetrics().horizontalAdvance(label) + 6,
                    fontMetrics().height());
    p.fillRect(tag, QColor(0, 0, 0, 150));
    p.setPen(Qt::white);
    p.drawText(tag, Qt::AlignCenter, label);
  }
}

void FrameStrip::mousePressEvent(QMouseEvent* event) {
  const int f = frameAt(event->position().toPoint());
  if (event->button() != Qt::LeftButton || f < 0) return QWidget::mousePressEvent(event);
  selection_->setFrame(f);
  emit frameClicked(f);
}

void FrameStrip::keyPressEvent(QKeyEvent* event) {
  const int n = frameCount();
  if (n > 0 && (event->key() == Qt::Key_Left || event->key() == Qt::Key_Right)) {
    const int step = event->key() == Qt::Key_Left ? -1 : 1;
    selection_->setFrame(std::clamp(selection_->frame() + step, 0, n - 1));
    return;
  }
  QWidget::keyPressEvent(event);
}

}  // namespace vitcop::widgets
