#include "core/imaging/preprocess.h"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "core/imaging/imaging_error.h"
#include "core/imaging/pad_square.h"
#include "core/imaging/pil_resize.h"

namespace vitcop::imaging {
namespace {

// transformers' center_crop along one axis of length `size` cut to `crop`: the offset of the
// crop window inside the image. When the crop is larger, transformers pastes the image at
// ceil((crop - size) / 2) inside a zero canvas, i.e. the window starts that far before pixel 0.
int cropStart(int size, int crop) {
  if (crop <= size) return (size - crop) / 2;
  return -((crop - size + 1) / 2);
}

// Copies the crop window (zeros outside the image) into a new crop x crop image.
cv::Mat cropWithZeroBorder(const cv::Mat& rgb, int left, int top, int width, int height) {
  cv::Mat out(height, width, CV_8UC3, cv::Scalar(0, 0, 0));
  const int x0 = std::max(left, 0);
  const int y0 = std::max(top, 0);
  const int x1 = std::min(left + width, rgb.cols);
  const int y1 = std::min(top + height, rgb.rows);
  if (x1 > x0 && y1 > y0) {
    rgb(cv::Rect(x0, y0, x1 - x0, y1 - y0))
        .copyTo(out(cv::Rect(x0 - left, y0 - top, x1 - x0, y1 - y0)));
  }
  return out;
}

void checkConfig(const checkpoint::ImageProcessorConfig& c) {
  if (c.resample != 3) {
    throw ImagingError("image processor: resample = " + std::to_string(c.resample) +
                       " is not supported (only 3 = PIL bicubic)");
  }
  if (c.doResize && c.shortestEdge < 1) {
    throw ImagingError("image processor: size.shortest_edge = " + std::to_string(c.shortestEdge) +
                       " must be >= 1");
  }
  if (c.doCenterCrop && (c.cropHeight < 1 || c.cropWidth < 1)) {
    throw ImagingError("image processor: crop_size = " + std::to_string(c.cropHeight) + "x" +
                       std::to_string(c.cropWidth) + " must be >= 1x1");
  }
  if (c.doNormalize) {
    for (int ch = 0; ch < 3; ++ch) {
      if (!(static_cast<float>(c.imageStd[ch]) != 0.0f)) {
        throw ImagingError("image processor: image_std[" + std::to_string(ch) +
                           "] = " + std::to_string(c.imageStd[ch]) + " must be non-zero");
      }
    }
  }
}

}  // namespace

void shortestEdgeResizeSize(int width, int height, int shortestEdge, int& outWidth,
                            int& outHeight) {
  if (width < 1 || height < 1 || shortestEdge < 1) {
    throw ImagingError("shortest-edge resize: sizes must be >= 1 (image " + std::to_string(width) +
                       "x" + std::to_string(height) + ", shortest_edge " +
                       std::to_string(shortestEdge) + ")");
  }
  const int shortSide = width <= height ? width : height;
  const int longSide = width <= height ? height : width;
  // Python: int(size * long / short) -- exact integer product, float64 true division, trunc.
  const double ratio = static_cast<double>(static_cast<int64_t>(shortestEdge) * longSide) /
                       static_cast<double>(shortSide);
  const int newLong = static_cast<int>(static_cast<int64_t>(ratio));
  outWidth = width <= height ? shortestEdge : newLong;
  outHeight = width <= height ? newLong : shortestEdge;
}

PreprocessedImage preprocessImage(const cv::Mat& rgb,
                                  const checkpoint::ImageProcessorConfig& config) {
  if (rgb.empty() || rgb.type() != CV_8UC3) {
    throw ImagingError("preprocessImage: input must be a non-empty CV_8UC3 RGB image");
  }
  checkConfig(config);

  PreprocessedImage result;
  PreprocessGeometry& g = result.geometry;
  g.originalWidth = rgb.cols;
  g.originalHeight = rgb.rows;

  cv::Mat work = rgb;
  const std::array<double, 3> meanD{config.imageMean[0], config.imageMean[1], config.imageMean[2]};
  g.paddedWidth = rgb.cols;
  g.paddedHeight = rgb.rows;
  if (config.padToSquare) {
    g.padded = true;
    g.paddedWidth = g.paddedHeight = std::max(rgb.cols, rgb.rows);
    g.padOffsetX = (g.paddedWidth - rgb.cols) / 2;  // expand2square's paste position
    g.padOffsetY = (g.paddedHeight - rgb.rows) / 2;
  }
  if (config.doResize) {
    int w = 0, h = 0;
    shortestEdgeResizeSize(g.paddedWidth, g.paddedHeight, static_cast<int>(config.shortestEdge), w,
                           h);
    // Resampling the virtual canvas gives the bytes of padToSquare + resize without the canvas.
    work = config.padToSquare
               ? resizeBicubicPilOnCanvas(rgb, g.paddedWidth, g.paddedHeight, g.padOffsetX,
                                          g.padOffsetY, padFillColor(meanD), w, h)
               : resizeBicubicPil(rgb, w, h);
  } else if (config.padToSquare) {
    work = padToSquare(rgb, meanD).rgb;
  }
  g.resizedWidth = work.cols;
  g.resizedHeight = work.rows;

  if (config.doCenterCrop) {
    g.cropWidth = static_cast<int>(config.cropWidth);
    g.cropHeight = static_cast<int>(config.cropHeight);
    g.cropLeft = cropStart(work.cols, g.cropWidth);
    g.cropTop = cropStart(work.rows, g.cropHeight);
    result.cropRgb = cropWithZeroBorder(work, g.cropLeft, g.cropTop, g.cropWidth, g.cropHeight);
  } else {
    g.cropWidth = work.cols;
    g.cropHeight = work.rows;
    result.cropRgb = work.data == rgb.data ? work.clone() : work;
  }

  // Rescale in float64 then store float32 (transformers' rescale); normalize in float32 with
  // float32 mean/std (transformers' normalize casts them to the image dtype).
  const int H = g.cropHeight;
  const int W = g.cropWidth;
  result.pixelValues = at::empty({1, 3, H, W}, at::TensorOptions().dtype(at::kFloat));
  float* out = result.pixelValues.data_ptr<float>();
  std::array<float, 3> mean{}, stdv{};
  for (int c = 0; c < 3; ++c) {
    mean[c] = static_cast<float>(config.imageMean[c]);
    stdv[c] = static_cast<float>(config.imageStd[c]);
  }
  std::array<float, 256> level{};  // the float32 value each byte turns into before normalizing
  for (int v = 0; v < 256; ++v) {
    level[v] =
        config.doRescale ? static_cast<float>(v * config.rescaleFactor) : static_cast<float>(v);
  }
  const size_t plane = static_cast<size_t>(H) * W;
  for (int y = 0; y < H; ++y) {
    const uint8_t* row = result.cropRgb.ptr<uint8_t>(y);
    for (int x = 0; x < W; ++x) {
      for (int c = 0; c < 3; ++c) {
        float v = level[row[x * 3 + c]];
        if (config.doNormalize) v = (v - mean[c]) / stdv[c];
        out[c * plane + static_cast<size_t>(y) * W + x] = v;
      }
    }
  }
  return result;
}

}  // namespace vitcop::imaging
