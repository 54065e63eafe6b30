// Clips: frame count, one background, the motion seen in the masks matches the stated direction
// with a constant step, static objects stay put, and an appearing object is absent then present.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/core.hpp>

#include "core/scenes/generator.h"
#include "tests/scenes/answer_checker.h"

namespace vitcop::scenes {
namespace {

const SceneObject* byId(const Scene& s, int id, size_t* index = nullptr) {
  for (size_t k = 0; k < s.objects.size(); ++k)
    if (s.objects[k].id == id) {
      if (index) *index = k;
      return &s.objects[k];
    }
  return nullptr;
}

TEST(ScenesClips, MotionAndAppearanceMatchTheFrames) {
  int motion = 0, appear = 0;
  for (uint64_t seed = 0; seed < 120; ++seed) {
    const Clip clip = generateClip(seed, ClipOptions{SceneOptions{224}});
    SCOPED_TRACE("clip " + std::to_string(seed));
    ASSERT_GE(clip.frames.size(), 4u);
    ASSERT_LE(clip.frames.size(), 8u);
    const Scene& first = clip.frames.front();
    // Same background everywhere outside the objects of both frames.
    for (const Scene& f : clip.frames) {
      const cv::Mat outside = (f.labels == 0) & (first.labels == 0);
      cv::Mat diff;
      cv::absdiff(f.image, first.image, diff);
      cv::Mat grey;
      cv::extractChannel(diff, grey, 0);
      EXPECT_EQ(cv::countNonZero(grey & outside), 0);
    }
    if (clip.event == ClipEvent::Motion) {
      ++motion;
      std::vector<cv::Point2d> path;
      for (const Scene& f : clip.frames) {
        size_t k = 0;
        ASSERT_TRUE(byId(f, clip.subjectId, &k));
        path.push_back(test::maskCentroid(f, k));
        // Everything else stays where it was.
        for (size_t j = 0; j < f.objects.size(); ++j) {
          if (f.objects[j].id == clip.subjectId) continue;
          size_t i0 = 0;
          ASSERT_TRUE(byId(first, f.objects[j].id, &i0));
          const cv::Point2d d = test::maskCentroid(f, j) - test::maskCentroid(first, i0);
          EXPECT_LT(std::hypot(d.x, d.y), 1e-9);
        }
      }
      const cv::Point2d dir = clip.direction == Direction::Left    ? cv::Point2d(-1, 0)
                              : clip.direction == Direction::Right ? cv::Point2d(1, 0)
                              : clip.direction == Direction::Up    ? cv::Point2d(0, -1)
                                                                   : cv::Point2d(0, 1);
      for (size_t t = 1; t < path.size(); ++t) {
        const cv::Point2d step = path[t] - path[t - 1];
        EXPECT_GT(step.dot(dir), 3.0) << "frame " << t;               // moves the stated way
        EXPECT_LT(std::fabs(step.cross(dir)), 1.5) << "frame " << t;  // and only that way
      }
      const cv::Point2d total = path.back() - path.front();
      EXPECT_GT(total.dot(dir), 0.19 * 224);
    } else {
      ++appear;
      ASSERT_GE(clip.appearFrame, 1);
      ASSERT_LT(clip.appearFrame, static_cast<int>(clip.frames.size()));
      for (size_t t = 0; t < clip.frames.size(); ++t) {
        const bool visible = byId(clip.frames[t], clip.subjectId) != nullptr;
        EXPECT_EQ(visible, static_cast<int>(t) >= clip.appearFrame) << "frame " << t;
      }
      EXPECT_EQ(clip.frames.back().objects.size(), first.objects.size() + 1);
    }
  }
  EXPECT_GT(motion, 30);
  EXPECT_GT(appear, 30);
}

}  // namespace
}  // namespace vitcop::scenes
