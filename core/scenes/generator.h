#pragma once
// Seeded, deterministic scene and clip generation: the same seed and options give the same
// pixels, masks and objects on every platform (own PRNG, integer/IEEE arithmetic only).
#include <cstdint>

#include "core/scenes/scene.h"

namespace vitcop::scenes {

// Throws ScenesError naming the first invalid field (size < 224, minObjects > maxObjects, ...).
void validate(const SceneOptions& options);
void validate(const ClipOptions& options);

// A still: textured background and minObjects..maxObjects non-overlapping objects (fewer only
// when a crowded layout leaves no room). Throws ScenesError for invalid options.
Scene generateScene(uint64_t seed, const SceneOptions& options = {});

// A clip of minFrames..maxFrames frames on one background. Motion (half of the clips): one
// object moves left/right/up/down by the same step every frame, the others stay. Appear: one
// object is absent from frame 0 up to appearFrame - 1 and present from appearFrame on.
Clip generateClip(uint64_t seed, const ClipOptions& options = {});

}  // namespace vitcop::scenes
