#include "core/imaging/preprocess_geometry.h"

#include <algorithm>

namespace vitcop::imaging {

RectF PreprocessGeometry::cropToOriginal(const RectF& cropRect) const {
  if (resizedWidth <= 0 || resizedHeight <= 0) return {};
  const double sx = static_cast<double>(paddedWidth) / resizedWidth;
  const double sy = static_cast<double>(paddedHeight) / resizedHeight;
  RectF r;
  r.x0 = (cropRect.x0 + cropLeft) * sx - padOffsetX;
  r.x1 = (cropRect.x1 + cropLeft) * sx - padOffsetX;
  r.y0 = (cropRect.y0 + cropTop) * sy - padOffsetY;
  r.y1 = (cropRect.y1 + cropTop) * sy - padOffsetY;
  // The original image lies inside the padded canvas, which lies inside the resized image's
  // footprint, so clipping to the original also removes the zero border of an oversized crop.
  r.x0 = std::clamp(r.x0, 0.0, static_cast<double>(originalWidth));
  r.x1 = std::clamp(r.x1, 0.0, static_cast<double>(originalWidth));
  r.y0 = std::clamp(r.y0, 0.0, static_cast<double>(originalHeight));
  r.y1 = std::clamp(r.y1, 0.0, static_cast<double>(originalHeight));
  return r;
}

RectF PreprocessGeometry::patchToOriginal(int row, int col, int patchSize) const {
  const RectF cell{static_cast<double>(col) * patchSize, static_cast<double>(row) * patchSize,
                   static_cast<double>(col + 1) * patchSize,
                   static_cast<double>(row + 1) * patchSize};
  return cropToOriginal(cell);
}

}  // namespace vitcop::imaging
