// Offscreen Qt smoke test: a real window with a Qt Charts chart renders and saves a screenshot
// (left in the test output folder for a person to look at).
#include <gtest/gtest.h>

#include <QApplication>
#include <cstdlib>
#include <QImage>
#include <QPixmap>

#include "tests/support/test_paths.h"
#include "widgets/timing_chart.h"

namespace {

// Pixels whose colour differs clearly between two same-sized images.
int differingPixels(const QImage& a, const QImage& b) {
  int n = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
      if (std::abs(qRed(p) - qRed(q)) + std::abs(qGreen(p) - qGreen(q)) + std::abs(qBlue(p) - qBlue(q)) > 60) ++n;
    }
  return n;
}

TEST(GuiSmoke, ChartWindowRendersAndSavesScreenshot) {
  vitcop::widgets::TimingChart chart;
  chart.resize(640, 360);
  vitcop::trace::RunTimings t;
  t.add("vision encode", 56.0);
  t.add("prefill", 410.0);
  t.add("decode (per token)", 240.0);
  chart.setTimings(t);
  chart.show();
  QApplication::processEvents();
  EXPECT_EQ(chart.barCount(), 3);

  const QImage shot = chart.grab().toImage();
  ASSERT_EQ(shot.size(), QSize(640, 360));
  const auto path = vitcop::test::outputDir() / "chart_smoke.png";
  ASSERT_TRUE(shot.save(QString::fromStdString(path.string()))) << path;

  // The same chart without data must look clearly different: the bars (the longest spans
  // ~500 px at this size) and stage labels are what the screenshot is for.
  vitcop::widgets::TimingChart empty;
  empty.resize(640, 360);
  empty.show();
  QApplication::processEvents();
  const QImage blank = empty.grab().toImage().convertToFormat(shot.format());
  EXPECT_EQ(empty.barCount(), 0);
  EXPECT_GT(differingPixels(shot, blank), 10000) << "bars did not render";
}

}  // namespace
