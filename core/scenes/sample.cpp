#include "core/scenes/sample.h"

namespace vitcop::scenes {

SceneSample makeSceneSample(uint64_t seed, const SceneOptions& options, int questions) {
  SceneSample s;
  s.scene = generateScene(seed, options);
  s.questions = askAboutScene(s.scene, seed, questions);
  s.description = describeScene(s.scene);
  s.positionalDescription = describeScene(s.scene, true);
  return s;
}

ClipSample makeClipSample(uint64_t seed, const ClipOptions& options, int questions) {
  ClipSample s;
  s.clip = generateClip(seed, options);
  s.questions = askAboutClip(s.clip, seed, questions);
  s.description = describeClip(s.clip);
  return s;
}

}  // namespace vitcop::scenes
