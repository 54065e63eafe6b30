#pragma once
// Short captions for a "describe the scene" curriculum phase: every object, in a fixed order
// (left to right by centre, ties top to bottom), as "a <size> <colour> <shape>".
#include <string>

#include "core/scenes/scene.h"

namespace vitcop::scenes {

// "a large red circle, a small blue star and a small white cross"; with positions each object
// gets where it is in a 3x3 split of the image: "a large red circle at the top left, ...".
std::string describeScene(const Scene& scene, bool withPositions = false);

// "a small blue star moves left past a large red circle" / "a small blue star appears next to
// a large red circle"; "... moves left" / "... appears" when the subject is alone.
std::string describeClip(const Clip& clip);

}  // namespace vitcop::scenes
