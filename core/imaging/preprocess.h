#pragma once
// CLIPImageProcessor.preprocess for one RGB image (method-spec 1.4): optional pad-to-square
// (original LLaVA, LQ-01), shortest-edge resize with Pillow's bicubic, centre crop, rescale
// (float64, stored as float32), normalize (float32), CHW with a batch dimension.
#include <ATen/core/Tensor.h>

#include <opencv2/core/mat.hpp>

#include "core/checkpoint/llava_config.h"
#include "core/imaging/preprocess_geometry.h"

namespace vitcop::imaging {

struct PreprocessedImage {
  cv::Mat cropRgb;         // CV_8UC3 RGB (HWC) after resize + crop, before rescale/normalize
  at::Tensor pixelValues;  // [1, 3, cropHeight, cropWidth] float32, contiguous, CPU
  PreprocessGeometry geometry;
};

// Output size of CLIPImageProcessor's shortest-edge resize for a width x height image:
// short' = shortestEdge, long' = trunc(shortestEdge * long / short) in float64, same orientation.
// Throws ImagingError if a size is < 1.
void shortestEdgeResizeSize(int width, int height, int shortestEdge, int& outWidth, int& outHeight);

// `rgb`: non-empty CV_8UC3 in RGB order (see loadImageRgb8). `config.padToSquare` selects
// original LLaVA's padding. Throws ImagingError naming the offending setting for a resample
// other than 3 (bicubic), non-positive sizes, a zero std or a bad input image.
PreprocessedImage preprocessImage(const cv::Mat& rgb,
                                  const checkpoint::ImageProcessorConfig& config);

}  // namespace vitcop::imaging
