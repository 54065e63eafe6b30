#pragma once
// Where each patch of one frame lies on a painted image: the model sees a square of
// imageSize × imageSize pixels cut into gridSide × gridSide patches of patchSize pixels, and the
// view shows that square scaled into some rectangle. Renderer, canvas hit-testing and tests all
// use this one mapping so a hovered pixel and a drawn patch can never disagree.
#include <QPointF>
#include <QRectF>
#include <cstdint>

#include "core/trace/run_trace.h"

namespace vitcop::widgets {

class PatchLayout {
 public:
  PatchLayout() = default;
  // `imageRect` is where the model-input square is painted (any size, any aspect).
  PatchLayout(const vitcop::trace::TraceGeometry& geometry, const QRectF& imageRect);

  int gridSide() const { return gridSide_; }
  int patchesPerFrame() const { return gridSide_ * gridSide_; }
  QRectF imageRect() const { return imageRect_; }
  bool valid() const { return gridSide_ > 0 && !imageRect_.isEmpty(); }

  // Rectangle of patch (row, col); of a global patch id (its frame is ignored).
  QRectF cellRect(int row, int col) const;
  QRectF patchRect(int32_t patch) const;
  // Global patch id under `p` in `frame`, or -1 outside the patch grid.
  int32_t patchAt(const QPointF& p, int frame) const;

  int32_t patchId(int frame, int row, int col) const {
    return static_cast<int32_t>(frame) * patchesPerFrame() + row * gridSide_ + col;
  }
  int frameOf(int32_t patch) const { return gridSide_ ? patch / patchesPerFrame() : 0; }
  int localOf(int32_t patch) const { return gridSide_ ? patch % patchesPerFrame() : 0; }
  int rowOf(int32_t patch) const { return gridSide_ ? localOf(patch) / gridSide_ : 0; }
  int colOf(int32_t patch) const { return gridSide_ ? localOf(patch) % gridSide_ : 0; }

 private:
  int gridSide_ = 0;
  QRectF imageRect_;
  double cellW_ = 0.0;  // patch pitch in painted units
  double cellH_ = 0.0;
};

}  // namespace vitcop::widgets
