#pragma once
// Pillow's Image.resize(size, Image.BICUBIC) for 8-bit images, bit-exact (method-spec 1.4 step
// 4): per-axis tables of 22-bit fixed-point weights, horizontal pass first into an 8-bit
// intermediate, then vertical; a pass whose length does not change is skipped.
#include <array>
#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace vitcop::imaging {

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. Output index i reads input
// samples [first[i], first[i] + count[i]) with weights weights[i * taps .. i * taps + count[i]).
struct PilAxisWeights {
  int taps = 0;  // stride of `weights` per output index (Pillow's ksize)
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

// Throws ImagingError if a length is < 1.
PilAxisWeights pilBicubicWeights(int inSize, int outSize);

// `image` is CV_8UC1 or CV_8UC3 (channels are resampled independently, as Pillow does for L and
// RGB). Returns a new CV_8UC<same> image of outWidth x outHeight. Throws ImagingError on an
// empty image, another type or an output size < 1.
cv::Mat resizeBicubicPil(const cv::Mat& image, int outWidth, int outHeight);

// Same result as resizeBicubicPil(canvas, ...) where canvas is canvasWidth x canvasHeight of
// colour `fill` (fill[0] for one channel) with `image` pasted at (offsetX, offsetY) -- e.g.
// LLaVA's pad-to-square -- without building the canvas. Throws ImagingError if the image does
// not fit inside the canvas.
cv::Mat resizeBicubicPilOnCanvas(const cv::Mat& image, int canvasWidth, int canvasHeight,
                                 int offsetX, int offsetY, const std::array<uint8_t, 3>& fill,
                                 int outWidth, int outHeight);

namespace detail {
// The resampler uses AVX2 kernels when the CPU has them; tests switch them off to check that the
// portable kernels give the same bytes. Returns the previous setting.
bool setPilResizeSimd(bool enabled);
}  // namespace detail

}  // namespace vitcop::imaging
