#pragma once
// Sampling object attributes and non-overlapping positions (internal to the generators).
#include <optional>
#include <vector>

#include <opencv2/core/types.hpp>

#include "core/scenes/generator.h"
#include "core/scenes/rng.h"
#include "core/scenes/scene.h"

namespace vitcop::scenes {

// The colours and shapes one scene draws from: all of them, or (with probability
// repeatPalette, independently for each) a random subset of 1-3.
struct Palette {
  std::vector<Colour> colours;
  std::vector<Shape> shapes;
};
Palette samplePalette(const SceneOptions& o, Rng& rng);

// Attributes, radius and jittered colour of a new object (centre unset).
SceneObject sampleObject(const SceneOptions& o, const Palette& p, Rng& rng);

// Minimum gap between two objects' bounding circles, and between a circle and the image border.
float objectGap(int size);
float borderGap(int size);

// A centre for a circle of `radius` that keeps objectGap from every circle in `placed` (their
// centre and radius) and borderGap from the border; std::nullopt after `tries` failures.
std::optional<cv::Point2f> findFreeSpot(float radius, const std::vector<SceneObject>& placed,
                                        int size, Rng& rng, int tries = 60);

// Adds objects until `count` are placed; an object that finds no room is retried small, then
// dropped (so a crowded scene may end with fewer objects).
void placeObjects(std::vector<SceneObject>& placed, int count, const SceneOptions& o,
                  const Palette& p, Rng& rng);

}  // namespace vitcop::scenes
