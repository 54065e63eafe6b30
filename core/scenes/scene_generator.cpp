#include "core/scenes/background.h"
#include "core/scenes/generator.h"
#include "core/scenes/placement.h"
#include "core/scenes/render.h"

namespace vitcop::scenes {

Scene generateScene(uint64_t seed, const SceneOptions& options) {
  validate(options);
  Rng rng(seed, 1);
  const auto kind = static_cast<Background>(rng.below(kBackgroundCount));
  Rng noiseRng(seed, 4);
  const cv::Mat background = paintBackground(options.size, kind, rng, options.pixelNoise, noiseRng);
  const Palette palette = samplePalette(options, rng);
  std::vector<SceneObject> objects;
  placeObjects(objects, rng.range(options.minObjects, options.maxObjects), options, palette, rng);
  Scene scene = renderScene(background, std::move(objects), seed, kind);
  scene.pixelNoise = options.pixelNoise;
  return scene;
}

}  // namespace vitcop::scenes
