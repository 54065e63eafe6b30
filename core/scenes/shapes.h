#pragma once
// Rasterising one shape into an object-label map. Edges are hard (no anti-aliasing) so the label
// map is exactly the set of pixels that carry the object's colour.
#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include "core/scenes/vocabulary.h"

namespace vitcop::scenes {

// Fills the pixels of `shape` (centred at `centre`, fitting in a circle of `radius`) with `label`.
void rasteriseShape(cv::Mat& labels, Shape shape, cv::Point2f centre, float radius, uint8_t label);

}  // namespace vitcop::scenes
