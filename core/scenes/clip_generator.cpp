#include <algorithm>
#include <cmath>

#include "core/scenes/background.h"
#include "core/scenes/generator.h"
#include "core/scenes/placement.h"
#include "core/scenes/render.h"
#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {
namespace {

cv::Point2f unitStep(Direction d) {
  switch (d) {
    case Direction::Left:
      return {-1, 0};
    case Direction::Right:
      return {1, 0};
    case Direction::Up:
      return {0, -1};
    case Direction::Down:
      return {0, 1};
  }
  return {0, 0};
}

// Distance from point p to the segment [a, b].
float segmentDistance(cv::Point2f p, cv::Point2f a, cv::Point2f b) {
  const cv::Point2f ab = b - a;
  const float len2 = ab.dot(ab);
  const float t = len2 > 0 ? std::clamp((p - a).dot(ab) / len2, 0.0f, 1.0f) : 0.0f;
  const cv::Point2f q = a + t * ab;
  return static_cast<float>(std::sqrt((p - q).dot(p - q)));
}

}  // namespace

const char* name(ClipEvent e) {
  return e == ClipEvent::Motion ? "motion" : "appear";
}

Clip generateClip(uint64_t seed, const ClipOptions& options) {
  validate(options);
  const SceneOptions& so = options.scene;
  Rng rng(seed, 3);
  Clip clip;
  clip.seed = seed;
  clip.event = rng.chance(0.5) ? ClipEvent::Motion : ClipEvent::Appear;
  const int frames = rng.range(options.minFrames, options.maxFrames);
  const auto kind = static_cast<Background>(rng.below(kBackgroundCount));
  Rng noiseRng(seed, 5);
  const cv::Mat background = paintBackground(so.size, kind, rng, so.pixelNoise, noiseRng);
  const Palette palette = samplePalette(so, rng);
  const int count = rng.range(so.minObjects, so.maxObjects);

  // The subject comes first (id 0) so it always finds room; for motion its whole path must be
  // free, so the others are placed against the path's end points and checked against the segment.
  SceneObject subject = sampleObject(so, palette, rng);
  cv::Point2f step(0, 0);
  if (clip.event == ClipEvent::Motion) {
    clip.direction = static_cast<Direction>(rng.below(kDirectionCount));
    // Total travel 0.2-0.3 of the image side, whatever the frame count: clearly visible.
    const float travel = static_cast<float>(rng.uniform(0.2, 0.3) * so.size);
    step = unitStep(clip.direction) * (travel / static_cast<float>(frames - 1));
    const float lo = subject.radius + borderGap(so.size), hi = so.size - lo;
    const cv::Point2f span = unitStep(clip.direction) * travel;
    // Start range such that start and start + span both lie in [lo, hi] on each axis.
    const float x0 = std::max(lo, lo - span.x), x1 = std::min(hi, hi - span.x);
    const float y0 = std::max(lo, lo - span.y), y1 = std::min(hi, hi - span.y);
    subject.centre = {static_cast<float>(rng.uniform(x0, x1)),
                      static_cast<float>(rng.uniform(y0, y1))};
  } else {
    clip.appearFrame = rng.range(1, frames - 1);
    subject.centre = *findFreeSpot(subject.radius, {}, so.size, rng);
  }
  subject.id = 0;
  clip.subjectId = 0;

  std::vector<SceneObject> objects{subject};
  const cv::Point2f end = subject.centre + step * static_cast<float>(frames - 1);
  while (static_cast<int>(objects.size()) < count) {
    SceneObject obj = sampleObject(so, palette, rng);
    bool placed = false;
    for (int attempt = 0; attempt < 40 && !placed; ++attempt) {
      const auto spot = findFreeSpot(obj.radius, objects, so.size, rng, 1);
      if (!spot) continue;
      const float need = obj.radius + subject.radius + objectGap(so.size);
      if (segmentDistance(*spot, subject.centre, end) < need) continue;
      obj.centre = *spot;
      placed = true;
    }
    if (!placed) break;
    obj.id = static_cast<int>(objects.size());
    objects.push_back(obj);
  }

  for (int t = 0; t < frames; ++t) {
    std::vector<SceneObject> visible;
    for (const auto& o : objects) {
      if (o.id == clip.subjectId && clip.event == ClipEvent::Appear && t < clip.appearFrame)
        continue;
      SceneObject v = o;
      if (o.id == clip.subjectId) v.centre = o.centre + step * static_cast<float>(t);
      visible.push_back(v);
    }
    clip.frames.push_back(renderScene(background, std::move(visible), seed, kind));
    clip.frames.back().pixelNoise = so.pixelNoise;
  }
  return clip;
}

}  // namespace vitcop::scenes
