#include "core/scenes/patch_coverage.h"

#include <string>

#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {

std::vector<int> PatchCoverage::objectPatches(float threshold) const {
  std::vector<int> out;
  for (size_t p = 0; p < objectFraction.size(); ++p)
    if (objectFraction[p] >= threshold) out.push_back(static_cast<int>(p));
  return out;
}

PatchCoverage patchCoverage(const Scene& scene, int grid) {
  const int w = scene.labels.cols, h = scene.labels.rows;
  if (grid < 1 || grid > w || grid > h)
    throw ScenesError("patchCoverage: grid " + std::to_string(grid) + " does not fit a " +
                      std::to_string(w) + "x" + std::to_string(h) + " scene");
  const size_t n = scene.objects.size();
  PatchCoverage c;
  c.grid = grid;
  c.objectFraction.assign(grid * grid, 0.0f);
  c.dominantObject.assign(grid * grid, -1);
  c.perObject.assign(n, std::vector<float>(grid * grid, 0.0f));
  std::vector<int> counts(n + 1);
  for (int gy = 0; gy < grid; ++gy) {
    const int y0 = gy * h / grid, y1 = (gy + 1) * h / grid;
    for (int gx = 0; gx < grid; ++gx) {
      const int x0 = gx * w / grid, x1 = (gx + 1) * w / grid;
      std::fill(counts.begin(), counts.end(), 0);
      for (int y = y0; y < y1; ++y) {
        const uint8_t* l = scene.labels.ptr<uint8_t>(y);
        for (int x = x0; x < x1; ++x)
          if (l[x] <= n) ++counts[l[x]];
      }
      const int p = gy * grid + gx;
      const float area = static_cast<float>((y1 - y0) * (x1 - x0));
      int covered = 0, best = 0;
      for (size_t k = 1; k <= n; ++k) {
        covered += counts[k];
        c.perObject[k - 1][p] = counts[k] / area;
        if (counts[k] > best) best = counts[k], c.dominantObject[p] = static_cast<int>(k - 1);
      }
      c.objectFraction[p] = covered / area;
    }
  }
  return c;
}

}  // namespace vitcop::scenes
