// Per-patch object coverage agrees with the masks, patch by patch.
#include <gtest/gtest.h>

#include <numeric>

#include <opencv2/core.hpp>

#include "core/scenes/generator.h"
#include "core/scenes/patch_coverage.h"
#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {
namespace {

TEST(ScenesPatchCoverage, MatchesMasksOnThePatchGrid) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const Scene s = generateScene(seed);  // 336 px: 24 x 24 patches of 14
    const PatchCoverage c = patchCoverage(s, 24);
    ASSERT_EQ(c.objectFraction.size(), 576u);
    ASSERT_EQ(c.perObject.size(), s.objects.size());
    for (size_t k = 0; k < s.objects.size(); ++k) {
      // Coverage integrates to the object's area.
      const double area =
          196.0 * std::accumulate(c.perObject[k].begin(), c.perObject[k].end(), 0.0);
      EXPECT_NEAR(area, s.objects[k].pixels, 0.5);
    }
    for (int p = 0; p < 576; ++p) {
      const cv::Rect cell((p % 24) * 14, (p / 24) * 14, 14, 14);
      const double covered = cv::countNonZero(s.labels(cell)) / 196.0;
      EXPECT_NEAR(c.objectFraction[p], covered, 1e-6);
      if (covered == 0)
        EXPECT_EQ(c.dominantObject[p], -1);
      else
        ASSERT_GE(c.dominantObject[p], 0);
      if (c.dominantObject[p] >= 0) {
        const int k = c.dominantObject[p];
        EXPECT_NEAR(cv::countNonZero(s.labels(cell) == k + 1) / 196.0, c.perObject[k][p], 1e-6);
      }
    }
    // Objects cover a minority of patches: most tokens are (prunable) background.
    EXPECT_LT(c.objectPatches(0.01f).size(), 576u / 2);
    EXPECT_GE(c.objectPatches(0.01f).size(), 1u);
  }
}

TEST(ScenesPatchCoverage, NonDividingGridAndBadGrid) {
  const Scene s = generateScene(3, SceneOptions{224});
  const PatchCoverage c = patchCoverage(s, 15);  // 224 / 15 is not an integer
  double total = 0;
  for (int p = 0; p < 225; ++p) {
    const int gx = p % 15, gy = p / 15;
    const int x0 = gx * 224 / 15, x1 = (gx + 1) * 224 / 15, y0 = gy * 224 / 15,
              y1 = (gy + 1) * 224 / 15;
    total += c.objectFraction[p] * (x1 - x0) * (y1 - y0);
  }
  EXPECT_NEAR(total, cv::countNonZero(s.labels), 0.5);
  EXPECT_THROW(patchCoverage(s, 0), ScenesError);
  EXPECT_THROW(patchCoverage(s, 225), ScenesError);
}

}  // namespace
}  // namespace vitcop::scenes
