#pragma once
// What a trainer asks for: an image (or clip), its questions and its caption, from one seed.
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenes/describe.h"
#include "core/scenes/generator.h"
#include "core/scenes/questions.h"

namespace vitcop::scenes {

struct SceneSample {
  Scene scene;
  std::vector<Question> questions;
  std::string description;            // describeScene(scene)
  std::string positionalDescription;  // describeScene(scene, true)
};

struct ClipSample {
  Clip clip;
  std::vector<Question> questions;
  std::string description;  // describeClip(clip)
};

SceneSample makeSceneSample(uint64_t seed, const SceneOptions& options = {}, int questions = 8);
ClipSample makeClipSample(uint64_t seed, const ClipOptions& options = {}, int questions = 8);

}  // namespace vitcop::scenes
