// The golden comparison itself must catch a real change and tolerate rasteriser noise, or every
// golden test above could pass vacuously.
#include <gtest/gtest.h>

#include <QPainter>

#include "tests/gui/golden.h"
#include "tests/gui/synthetic_traces.h"

namespace {

TEST(GoldenCompare, ToleratesNoiseButNotAChangedPatch) {
  const QImage base = vitcop::test::syntheticImage(64);
  QImage noisy = base;
  for (int x = 0; x < 64; ++x)
    noisy.setPixel(
        x, 10,
        qRgb(qRed(base.pixel(x, 10)) + 3, qGreen(base.pixel(x, 10)), qBlue(base.pixel(x, 10))));
  EXPECT_EQ(vitcop::test::compareImages(base, noisy, 6).badPixels, 0);

  QImage changed = base;
  QPainter(&changed).fillRect(QRect(16, 16, 8, 8), Qt::black);  // one "patch" dimmed
  const auto d = vitcop::test::compareImages(base, changed, 6);
  EXPECT_EQ(d.badPixels, 64);
  EXPECT_EQ(QColor(d.diff.pixel(20, 20)), QColor(Qt::red));
  EXPECT_NE(QColor(d.diff.pixel(2, 2)), QColor(Qt::red));
}

}  // namespace
