#pragma once
// An independent oracle for the generated questions: it parses the question TEXT with its own
// grammar, resolves referring expressions against the ground-truth objects, measures positions
// from the pixel masks (not from the generator's centre field) and computes the answer. It
// shares nothing with core/scenes/questions.cpp except the published word lists and margins
// (docs/scenes.md), which it restates.
#include <optional>
#include <string>

#include "core/scenes/scene.h"

namespace vitcop::scenes::test {

struct Verdict {
  bool understood = false;  // the text matched a template and every reference was unique
  std::string answer;       // the recomputed answer when understood
  std::string why;          // what failed otherwise
};

Verdict checkStillQuestion(const Scene& scene, const std::string& question);
Verdict checkClipQuestion(const Clip& clip, const std::string& question);

// Centroid of a frame's mask for object index k (mean of mask pixel coordinates).
cv::Point2d maskCentroid(const Scene& scene, size_t k);

}  // namespace vitcop::scenes::test
