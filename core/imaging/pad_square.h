#pragma once
// Original LLaVA's expand2square (image_aspect_ratio = "pad", method-spec 1.4 step 2, LQ-01).
#include <array>

#include <opencv2/core/mat.hpp>

namespace vitcop::imaging {

struct PaddedImage {
  cv::Mat rgb;      // CV_8UC3, square
  int offsetX = 0;  // where the source's top-left pixel sits in `rgb`
  int offsetY = 0;
};

// The fill colour LLaVA uses: trunc(255 * mean_c) per channel, i.e. (122, 116, 104) for the CLIP
// mean. Throws ImagingError if a mean lies outside [0, 1].
std::array<uint8_t, 3> padFillColor(const std::array<double, 3>& mean);

// w == h: unchanged (a copy); w > h: a w x w canvas of the fill colour with the image pasted at
// (0, (w - h) / 2); h > w: an h x h canvas with the image at ((h - w) / 2, 0).
// `rgb` must be a non-empty CV_8UC3 image, else ImagingError.
PaddedImage padToSquare(const cv::Mat& rgb, const std::array<double, 3>& mean);

}  // namespace vitcop::imaging
