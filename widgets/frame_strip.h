#pragma once
// Thumbnails of a video's frames side by side, the Selection's frame highlighted; clicking a
// thumbnail (or ←/→ with focus) selects that frame. Thumbnails shrink to fit the width, so the
// strip never needs a scroll bar for the 4–32 frames a video VLM samples.
#include <QImage>
#include <QPixmap>
#include <QPointer>
#include <QVector>
#include <QWidget>

namespace vitcop::widgets {

class Selection;

class FrameStrip : public QWidget {
  Q_OBJECT
 public:
  explicit FrameStrip(QWidget* parent = nullptr);

  // Reads and writes Selection::frame() (never null: starts with a private one).
  void setSelection(Selection* selection);
  Selection* selection() const { return selection_; }
  void setFrames(const QVector<QImage>& frames);

  int frameCount() const { return static_cast<int>(frames_.size()); }
  QRect thumbnailRect(int frame) const;
  int frameAt(const QPoint& pos) const;  // -1 between or outside thumbnails

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 Q_SIGNALS:
  void frameClicked(int frame);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void rebuildThumbnails();

  QPointer<Selection> selection_;
  QMetaObject::Connection connection_;
  QVector<QImage> frames_;
  QVector<QPixmap> thumbs_;  // scaled once per resize, not per paint
};

}  // namespace vitcop::widgets
