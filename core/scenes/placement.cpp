#include "core/scenes/placement.h"

#include <algorithm>
#include <string>

#include "core/scenes/scenes_error.h"

namespace vitcop::scenes {
namespace {

template <typename T>
std::vector<T> subset(int total, Rng& rng, int k) {
  std::vector<T> all;
  for (int i = 0; i < total; ++i)
    all.push_back(static_cast<T>(i));
  // Partial Fisher-Yates: the first k entries are a uniform random subset.
  for (int i = 0; i < k; ++i)
    std::swap(all[i], all[i + rng.below(total - i)]);
  all.resize(k);
  return all;
}

}  // namespace

void validate(const SceneOptions& o) {
  auto fail = [](const std::string& what) { throw ScenesError("scene options: " + what); };
  if (o.size < 224 || o.size > 2048)
    fail("size " + std::to_string(o.size) +
         " is outside [224, 2048] (patch 14 needs >= 16x16 patches)");
  if (o.minObjects < 1) fail("minObjects " + std::to_string(o.minObjects) + " is below 1");
  if (o.maxObjects > 8) fail("maxObjects " + std::to_string(o.maxObjects) + " is above 8");
  if (o.minObjects > o.maxObjects)
    fail("minObjects " + std::to_string(o.minObjects) + " exceeds maxObjects " +
         std::to_string(o.maxObjects));
  if (!o.allowSmall && !o.allowLarge) fail("allowSmall and allowLarge are both false");
  if (!(o.smallRadius >= 0.03 && o.smallRadius < o.largeRadius && o.largeRadius <= 0.15))
    fail("radii must satisfy 0.03 <= smallRadius < largeRadius <= 0.15");
  if (!(o.repeatPalette >= 0 && o.repeatPalette <= 1)) fail("repeatPalette is outside [0, 1]");
  if (o.pixelNoise < 0 || o.pixelNoise > 8)
    fail("pixelNoise " + std::to_string(o.pixelNoise) + " is outside [0, 8]");
}

void validate(const ClipOptions& o) {
  validate(o.scene);
  if (o.minFrames < 2)
    throw ScenesError("clip options: minFrames " + std::to_string(o.minFrames) + " is below 2");
  if (o.maxFrames > 32 || o.minFrames > o.maxFrames)
    throw ScenesError("clip options: frames [" + std::to_string(o.minFrames) + ", " +
                      std::to_string(o.maxFrames) + "] must satisfy minFrames <= maxFrames <= 32");
}

Palette samplePalette(const SceneOptions& o, Rng& rng) {
  Palette p;
  // Half of the restricted palettes have a single value: that is what makes counts of three
  // and more common enough for balanced count questions.
  auto restricted = [&rng] { return rng.chance(0.5) ? 1 : rng.range(2, 3); };
  p.colours = rng.chance(o.repeatPalette) ? subset<Colour>(kColourCount, rng, restricted())
                                          : subset<Colour>(kColourCount, rng, kColourCount);
  p.shapes = rng.chance(o.repeatPalette) ? subset<Shape>(kShapeCount, rng, restricted())
                                         : subset<Shape>(kShapeCount, rng, kShapeCount);
  return p;
}

SceneObject sampleObject(const SceneOptions& o, const Palette& p, Rng& rng) {
  SceneObject obj;
  obj.shape = p.shapes[rng.below(static_cast<uint32_t>(p.shapes.size()))];
  obj.colour = p.colours[rng.below(static_cast<uint32_t>(p.colours.size()))];
  obj.size = o.allowSmall && o.allowLarge ? (rng.chance(0.5) ? Size::Large : Size::Small)
                                          : (o.allowLarge ? Size::Large : Size::Small);
  const double frac = obj.size == Size::Large ? o.largeRadius : o.smallRadius;
  obj.radius = static_cast<float>(frac * o.size * rng.uniform(0.95, 1.05));
  const cv::Vec3b nominal = nominalRgb(obj.colour);
  for (int c = 0; c < 3; ++c)
    obj.rgb[c] = static_cast<uint8_t>(std::clamp(nominal[c] + rng.range(-10, 10), 0, 255));
  return obj;
}

float objectGap(int size) {
  return std::max(4.0f, 0.025f * size);
}
float borderGap(int size) {
  return std::max(2.0f, 0.01f * size);
}

std::optional<cv::Point2f> findFreeSpot(float radius, const std::vector<SceneObject>& placed,
                                        int size, Rng& rng, int tries) {
  const double lo = radius + borderGap(size), hi = size - lo;
  if (hi <= lo) return std::nullopt;
  for (int t = 0; t < tries; ++t) {
    const cv::Point2f c(static_cast<float>(rng.uniform(lo, hi)),
                        static_cast<float>(rng.uniform(lo, hi)));
    const bool free = std::all_of(placed.begin(), placed.end(), [&](const SceneObject& o) {
      const float d = radius + o.radius + objectGap(size);
      const cv::Point2f v = c - o.centre;
      return v.dot(v) >= d * d;
    });
    if (free) return c;
  }
  return std::nullopt;
}

void placeObjects(std::vector<SceneObject>& placed, int count, const SceneOptions& o,
                  const Palette& p, Rng& rng) {
  while (static_cast<int>(placed.size()) < count) {
    SceneObject obj = sampleObject(o, p, rng);
    auto spot = findFreeSpot(obj.radius, placed, o.size, rng);
    if (!spot && obj.size == Size::Large && o.allowSmall) {
      obj.size = Size::Small;
      obj.radius = static_cast<float>(o.smallRadius * o.size * rng.uniform(0.95, 1.05));
      spot = findFreeSpot(obj.radius, placed, o.size, rng);
    }
    if (!spot) return;
    obj.centre = *spot;
    obj.id = static_cast<int>(placed.size());
    placed.push_back(obj);
  }
}

}  // namespace vitcop::scenes
