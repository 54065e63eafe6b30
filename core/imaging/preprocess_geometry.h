#pragma once
// Where each pixel of the preprocessed crop came from. Plain data with no OpenCV or LibTorch
// types, so views that draw patches over the original image can use it directly.
//
// Chain (method-spec 1.4): original (W x H) -> optional pad-to-square (image pasted at
// padOffset inside a paddedWidth x paddedHeight canvas) -> resize to resizedWidth x
// resizedHeight -> crop window [cropLeft, cropLeft + cropWidth) x [cropTop, cropTop +
// cropHeight) in resized coordinates (negative or overhanging when the crop is larger than the
// resized image; those pixels are zeros). "Original" is the image preprocessImage received, i.e.
// loadImageRgb8's output (upright after any EXIF rotation).
namespace vitcop::imaging {

// Axis-aligned rectangle in continuous pixel-edge coordinates: pixel (x, y) covers
// [x, x + 1) x [y, y + 1).
struct RectF {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return !(x1 > x0 && y1 > y0); }
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
};

struct PreprocessGeometry {
  int originalWidth = 0, originalHeight = 0;
  bool padded = false;
  int padOffsetX = 0, padOffsetY = 0;
  int paddedWidth = 0, paddedHeight = 0;  // = original size when not padded
  int resizedWidth = 0, resizedHeight = 0;
  int cropLeft = 0, cropTop = 0;
  int cropWidth = 0, cropHeight = 0;

  // A rectangle of the crop mapped to original-image coordinates, clipped to the image. Empty
  // when it covers only padding (mean-colour bars or the zero border of an oversized crop).
  // The resize maps edges linearly (Pillow samples output pixel x at (x + 0.5) * scale).
  RectF cropToOriginal(const RectF& cropRect) const;

  // The patch at (row, col) of a grid of patchSize x patchSize patches laid over the crop.
  RectF patchToOriginal(int row, int col, int patchSize) const;
};

}  // namespace vitcop::imaging
