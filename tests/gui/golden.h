#pragma once
// Golden-image comparison for the GUI tests (RenderDoc style): a per-channel tolerance and a
// budget of differing pixels absorb anti-aliasing noise; on failure the actual image and a diff
// are saved next to each other in outputDir() and the message names them. Goldens live in
// tests/data/golden/ and are only (re)written with VITCOP_UPDATE_GOLDEN=1, after which a person
// reviews the new PNGs before committing them.
#include <gtest/gtest.h>

#include <QImage>
#include <string>

namespace vitcop::test {

struct ImageDiff {
  int badPixels = 0;  // pixels with some channel off by more than the tolerance
  int maxDelta = 0;   // largest channel difference seen
  QImage diff;        // expected greyed out, bad pixels in red
};

// Both images must have the same size (the caller checks); compares ARGB channels.
ImageDiff compareImages(const QImage& expected, const QImage& actual, int tolerance);

// Compares `actual` with tests/data/golden/<name>.png.
::testing::AssertionResult matchesGolden(const QImage& actual, const std::string& name,
                                         int tolerance = 6, double maxBadFraction = 0.001);

}  // namespace vitcop::test
