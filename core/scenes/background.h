#pragma once
// Textured backgrounds: low-saturation mid greys with low-contrast structure (blurred noise,
// stripes, a gradient or tiles) plus faint pixel noise. Never blank, so token pruning has
// redundant patches to drop, yet far from every object colour, so objects stand out.
#include <opencv2/core/mat.hpp>

#include "core/scenes/rng.h"
#include "core/scenes/scene.h"

namespace vitcop::scenes {

// Returns a CV_8UC3 RGB image of `size` x `size` pixels. The pattern draws from `rng`; the
// per-pixel noise (amplitude `pixelNoise`, 0 = none) from `noiseRng`, so that turning the noise
// off leaves the pattern and everything drawn after it unchanged.
cv::Mat paintBackground(int size, Background kind, Rng& rng, int pixelNoise, Rng& noiseRng);

}  // namespace vitcop::scenes
