#pragma once
// Where the objects are on a model's patch grid: the ground truth against which attention mass
// and surviving visual tokens are measured, and the per-patch labels of an auxiliary loss.
#include <vector>

#include "core/scenes/scene.h"

namespace vitcop::scenes {

struct PatchCoverage {
  int grid = 0;                       // grid x grid patches, row-major
  std::vector<float> objectFraction;  // share of each patch's pixels covered by any object
  std::vector<int>
      dominantObject;  // index into Scene::objects covering most of the patch, -1 if none
  std::vector<std::vector<float>>
      perObject;  // perObject[k][p]: share of patch p covered by object k

  // Patches whose object share is at least `threshold` (e.g. 0.1).
  std::vector<int> objectPatches(float threshold) const;
};

// Splits the image into grid x grid cells with integer bounds floor(i * side / grid) (exact
// patches when side % grid == 0, e.g. 336 / 24 = 14). Throws ScenesError when grid < 1 or
// grid exceeds the image side.
PatchCoverage patchCoverage(const Scene& scene, int grid);

}  // namespace vitcop::scenes
