// The ground truth describes the pixels: masks carry exactly the object's colour, boxes and areas
// match the masks, objects never touch, attributes stay in range, and the background is
// textured yet far from every object colour.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/scenes/generator.h"

namespace vitcop::scenes {
namespace {

constexpr int kScenes = 300;

TEST(ScenesGroundTruth, MasksCarryTheObjectColourAndNothingElseDoes) {
  for (uint64_t seed = 0; seed < kScenes; ++seed) {
    const Scene s = generateScene(seed, SceneOptions{seed % 2 ? 224 : 336});
    ASSERT_EQ(s.image.type(), CV_8UC3);
    ASSERT_EQ(s.labels.type(), CV_8UC1);
    for (size_t k = 0; k < s.objects.size(); ++k) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " object " + std::to_string(k));
      const SceneObject& o = s.objects[k];
      const cv::Mat mask = s.mask(k);
      ASSERT_EQ(cv::countNonZero(mask), o.pixels);
      EXPECT_EQ(cv::boundingRect(mask), o.box);
      // Every mask pixel has exactly the object's colour.
      cv::Mat same;
      cv::inRange(s.image, cv::Scalar(o.rgb[0], o.rgb[1], o.rgb[2]),
                  cv::Scalar(o.rgb[0], o.rgb[1], o.rgb[2]), same);
      EXPECT_EQ(cv::countNonZero(same & mask), o.pixels);
      // The colour is close to its nominal value (jitter <= 10 per channel).
      const cv::Vec3b n = nominalRgb(o.colour);
      for (int c = 0; c < 3; ++c)
        EXPECT_LE(std::abs(int(o.rgb[c]) - int(n[c])), 10);
      // The mask is a solid blob around the centre, filling a sensible share of its circle.
      EXPECT_TRUE(o.box.contains(cv::Point(cvRound(o.centre.x), cvRound(o.centre.y))));
      const double circle = 3.14159265 * o.radius * o.radius;
      EXPECT_GT(o.pixels, 0.3 * circle);
      EXPECT_LT(o.pixels, 1.0 * circle);
      EXPECT_LE(o.box.width, 2 * o.radius + 2);
      EXPECT_LE(o.box.height, 2 * o.radius + 2);
    }
  }
}

TEST(ScenesGroundTruth, ObjectsAreInRangeAndApart) {
  std::set<int> shapes, colours, sizes, counts;
  for (uint64_t seed = 0; seed < kScenes; ++seed) {
    const Scene s = generateScene(seed);
    ASSERT_GE(s.objects.size(), 1u);
    ASSERT_LE(s.objects.size(), 6u);
    counts.insert(static_cast<int>(s.objects.size()));
    for (size_t k = 0; k < s.objects.size(); ++k) {
      const SceneObject& o = s.objects[k];
      EXPECT_EQ(o.id, static_cast<int>(k));
      shapes.insert(static_cast<int>(o.shape));
      colours.insert(static_cast<int>(o.colour));
      sizes.insert(static_cast<int>(o.size));
      const double frac = o.radius / s.width();
      if (o.size == Size::Small)
        EXPECT_NEAR(frac, 0.066, 0.066 * 0.051);
      else
        EXPECT_NEAR(frac, 0.116, 0.116 * 0.051);
      EXPECT_TRUE(cv::Rect(0, 0, s.width(), s.height()).contains(o.box.tl()));
      EXPECT_LE(o.box.br().x, s.width());
      // No two masks touch: a visible gap of background separates objects.
      for (size_t j = k + 1; j < s.objects.size(); ++j) {
        cv::Mat grown;
        cv::dilate(s.mask(k), grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
        EXPECT_EQ(cv::countNonZero(grown & s.mask(j)), 0) << "seed " << seed;
      }
    }
  }
  EXPECT_EQ(shapes.size(), 5u);
  EXPECT_EQ(colours.size(), 7u);
  EXPECT_EQ(sizes.size(), 2u);
  EXPECT_EQ(counts.size(), 6u);
}

TEST(ScenesGroundTruth, BackgroundIsTexturedButObjectsStandOut) {
  int kinds[kBackgroundCount] = {};
  for (uint64_t seed = 0; seed < kScenes; ++seed) {
    SceneOptions o;
    o.pixelNoise = seed % 3 == 0 ? 0 : 3;  // the pattern alone must already be visible
    const Scene s = generateScene(seed, o);
    ++kinds[static_cast<int>(s.background)];
    SCOPED_TRACE("seed " + std::to_string(seed) + " background " + name(s.background));
    cv::Mat grey, background = s.labels == 0;
    cv::cvtColor(s.image, grey, cv::COLOR_RGB2GRAY);
    cv::Scalar mean, stddev;
    cv::meanStdDev(grey, mean, stddev, background);
    EXPECT_GT(stddev[0], 3.0);   // not blank: structure beyond the faint pixel noise
    EXPECT_LT(stddev[0], 20.0);  // but low contrast
    // Within every object's 4-pixel ring of background, each pixel is far from the object colour.
    for (size_t k = 0; k < s.objects.size(); ++k) {
      cv::Mat ring;
      cv::dilate(s.mask(k), ring, cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9}));
      ring &= background;
      const cv::Vec3b c = s.objects[k].rgb;
      double closest = 1e9;
      for (int y = 0; y < ring.rows; ++y)
        for (int x = 0; x < ring.cols; ++x)
          if (ring.at<uint8_t>(y, x)) {
            const cv::Vec3b p = s.image.at<cv::Vec3b>(y, x);
            const double d = std::sqrt(std::pow(p[0] - c[0], 2) + std::pow(p[1] - c[1], 2) +
                                       std::pow(p[2] - c[2], 2));
            closest = std::min(closest, d);
          }
      EXPECT_GT(closest, 60.0) << "object " << k << " (" << name(s.objects[k].colour) << ")";
    }
  }
  for (int n : kinds)
    EXPECT_GT(n, kScenes / 8);  // every background kind occurs
}

TEST(ScenesGroundTruth, CurriculumOptionsAreHonoured) {
  SceneOptions o;
  o.minObjects = 1, o.maxObjects = 3, o.allowSmall = false;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    const Scene s = generateScene(seed, o);
    EXPECT_GE(s.objects.size(), 1u);
    EXPECT_LE(s.objects.size(), 3u);
    for (const auto& obj : s.objects)
      EXPECT_EQ(obj.size, Size::Large);
  }
  o = {};
  o.minObjects = o.maxObjects = 6;
  o.size = 224;
  size_t total = 0;
  for (uint64_t seed = 0; seed < 100; ++seed)
    total += generateScene(seed, o).objects.size();
  EXPECT_GT(total, 100u * 5);  // crowded scenes rarely have to drop an object
}

}  // namespace
}  // namespace vitcop::scenes
