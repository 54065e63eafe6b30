#pragma once
// Ground truth of one synthetic image: the pixels, an object-label map (the pixel masks) and every
// object's attributes and geometry. Clips are sequences of such frames sharing object ids.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include "core/scenes/vocabulary.h"

namespace vitcop::scenes {

enum class Background { Noise, Stripes, Gradient, Tiles };
inline constexpr int kBackgroundCount = 4;
const char* name(Background b);

struct SceneObject {
  int id = 0;  // stable across the frames of a clip; equals the index in a still scene
  Shape shape = Shape::Circle;
  Colour colour = Colour::Red;
  Size size = Size::Small;
  cv::Point2f centre;  // geometric centre of the drawn shape, pixels
  float radius = 0;    // the shape fits in a circle of this radius around `centre`
  cv::Vec3b rgb;       // the exact colour painted (nominal colour with a small jitter)
  cv::Rect box;        // tight bounding box of the mask
  int pixels = 0;      // mask area
};

struct Scene {
  uint64_t seed = 0;
  Background background = Background::Noise;
  int pixelNoise = 0;  // SceneOptions::pixelNoise it was generated with
  cv::Mat image;       // CV_8UC3, RGB channel order (what the model's preprocessing expects)
  cv::Mat labels;      // CV_8UC1: 0 = background, k + 1 = objects[k]; the objects' pixel masks
  std::vector<SceneObject> objects;

  int width() const { return image.cols; }
  int height() const { return image.rows; }
  cv::Mat mask(size_t k) const;  // CV_8UC1, 255 where objects[k] is drawn
};

struct SceneOptions {
  int size = 336;  // square images; >= 224 so patch 14 gives at least a 16x16 grid
  int minObjects = 1;
  int maxObjects = 6;
  bool allowSmall = true;  // curriculum: large objects only first
  bool allowLarge = true;
  // Object radii as fractions of the image side (at 336: 22 and 39 px, i.e. about 3 and 5.6
  // patches of 14 across).
  double smallRadius = 0.066;
  double largeRadius = 0.116;
  // Probability that a scene draws its colours (and, independently, its shapes) from a random
  // subset of 1-3 values (one value in half of those cases), so that repeated colours/shapes,
  // counts above one and size-qualified references are common.
  double repeatPalette = 0.5;
  // Amplitude of the per-pixel background noise (values -a..a per channel). 0 gives smooth
  // backgrounds that compress well (the samples shipped in resources/); layout and pattern do
  // not depend on it.
  int pixelNoise = 3;
};

enum class ClipEvent { Motion, Appear };
const char* name(ClipEvent e);

struct ClipOptions {
  SceneOptions scene;  // per-frame layout; maxObjects counts the appearing object too
  int minFrames = 4;
  int maxFrames = 8;
};

struct Clip {
  uint64_t seed = 0;
  ClipEvent event = ClipEvent::Motion;
  int subjectId = 0;                      // the object that moves or appears
  Direction direction = Direction::Left;  // Motion only
  int appearFrame = 0;        // Appear only: first frame in which the subject is visible (>= 1)
  std::vector<Scene> frames;  // same background in every frame
};

}  // namespace vitcop::scenes
