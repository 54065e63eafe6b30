#pragma once
// Drawing placed objects onto a background: the one place where pixels, masks, boxes and areas
// are produced, shared by stills and clip frames so their ground truth is computed identically.
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/scenes/scene.h"

namespace vitcop::scenes {

// `objects` carry attributes, centre, radius and rgb; render fills image, labels, box, pixels.
// Objects must not overlap (the placement guarantees it); a later object would cover an earlier.
Scene renderScene(const cv::Mat& background, std::vector<SceneObject> objects, uint64_t seed,
                  Background kind);

}  // namespace vitcop::scenes
