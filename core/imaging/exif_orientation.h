#pragma once
// EXIF orientation (tag 0x0112), read from the bytes of a JPEG (APP1 "Exif"), PNG (eXIf chunk),
// WebP (EXIF chunk) or TIFF (IFD0) file, and applied as PIL.ImageOps.exif_transpose does.
#include <cstddef>
#include <cstdint>

#include <opencv2/core/mat.hpp>

namespace vitcop::imaging {

// 1..8, or 1 when the file has no (readable) orientation: a malformed EXIF block is ignored
// rather than rejected, because the pixels are still usable.
int readExifOrientation(const uint8_t* data, size_t size);

// Returns `image` transformed so that it displays upright: 2 mirror, 3 rotate 180, 4 flip,
// 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise; 1 and
// unknown values return `image` unchanged (not copied).
cv::Mat applyExifOrientation(const cv::Mat& image, int orientation);

}  // namespace vitcop::imaging
