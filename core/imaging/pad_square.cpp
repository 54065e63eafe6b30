#include "core/imaging/pad_square.h"

#include <cstdint>
#include <string>

#include "core/imaging/imaging_error.h"

namespace vitcop::imaging {

std::array<uint8_t, 3> padFillColor(const std::array<double, 3>& mean) {
  std::array<uint8_t, 3> fill{};
  for (int c = 0; c < 3; ++c) {
    if (!(mean[c] >= 0.0 && mean[c] <= 1.0)) {
      throw ImagingError("padToSquare: image_mean[" + std::to_string(c) +
                         "] = " + std::to_string(mean[c]) + " is outside [0, 1]");
    }
    // Python int(x * 255): truncation toward zero of the float64 product (method-spec 0.4).
    fill[c] = static_cast<uint8_t>(static_cast<int64_t>(mean[c] * 255));
  }
  return fill;
}

PaddedImage padToSquare(const cv::Mat& rgb, const std::array<double, 3>& mean) {
  if (rgb.empty() || rgb.type() != CV_8UC3) {
    throw ImagingError("padToSquare: input must be a non-empty CV_8UC3 RGB image");
  }
  const std::array<uint8_t, 3> fill = padFillColor(mean);
  const int w = rgb.cols;
  const int h = rgb.rows;
  PaddedImage out;
  if (w == h) {
    out.rgb = rgb.clone();
    return out;
  }
  const int side = w > h ? w : h;
  out.offsetX = w > h ? 0 : (h - w) / 2;
  out.offsetY = w > h ? (w - h) / 2 : 0;
  out.rgb = cv::Mat(side, side, CV_8UC3, cv::Scalar(fill[0], fill[1], fill[2]));
  rgb.copyTo(out.rgb(cv::Rect(out.offsetX, out.offsetY, w, h)));
  return out;
}

}  // namespace vitcop::imaging
