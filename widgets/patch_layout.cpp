#include "widgets/patch_layout.h"

#include <cmath>

namespace vitcop::widgets {

PatchLayout::PatchLayout(const vitcop::trace::TraceGeometry& g, const QRectF& imageRect)
    : gridSide_(static_cast<int>(g.gridSide)), imageRect_(imageRect) {
  if (gridSide_ <= 0) return;
  // Patches cover gridSide*patchSize model pixels from the top-left; when the model crops to a
  // multiple of the patch size (e.g. 224 px with 14 px patches and a 15 px remainder) the strip on
  // the right/bottom belongs to no patch. Without pixel sizes, the grid fills the square.
  double fraction = 1.0;
  if (g.patchSize > 0 && g.imageSize > 0 && g.gridSide * g.patchSize <= g.imageSize)
    fraction = static_cast<double>(g.gridSide * g.patchSize) / static_cast<double>(g.imageSize);
  cellW_ = imageRect.width() * fraction / gridSide_;
  cellH_ = imageRect.height() * fraction / gridSide_;
}

QRectF PatchLayout::cellRect(int row, int col) const {
  return QRectF(imageRect_.left() + col * cellW_, imageRect_.top() + row * cellH_, cellW_, cellH_);
}

QRectF PatchLayout::patchRect(int32_t patch) const {
  return cellRect(rowOf(patch), colOf(patch));
}

int32_t PatchLayout::patchAt(const QPointF& p, int frame) const {
  if (!valid() || cellW_ <= 0.0 || cellH_ <= 0.0) return -1;
  const int col = static_cast<int>(std::floor((p.x() - imageRect_.left()) / cellW_));
  const int row = static_cast<int>(std::floor((p.y() - imageRect_.top()) / cellH_));
  if (row < 0 || col < 0 || row >= gridSide_ || col >= gridSide_) return -1;
  return patchId(frame, row, col);
}

}  // namespace vitcop::widgets
