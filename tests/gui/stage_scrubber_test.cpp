// Selection, StageScrubber and TokenCountChart: one Selection drives them and the canvas.
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTest>
#include <memory>

#include "tests/gui/golden.h"
#include "tests/gui/synthetic_traces.h"
#include "tests/support/test_paths.h"
#include "widgets/patch_canvas.h"
#include "widgets/selection.h"
#include "widgets/stage_scrubber.h"
#include "widgets/token_count_chart.h"

namespace {

using namespace vitcop::widgets;

TEST(Selection, SignalsOnlyRealChanges) {
  Selection s;
  QSignalSpy point(&s, &Selection::pointChanged), any(&s, &Selection::changed),
      frame(&s, &Selection::frameChanged), mode(&s, &Selection::overlayModeChanged);
  s.setPoint(QStringLiteral("vision"));
  s.setPoint(QStringLiteral("vision"));
  s.setFrame(2);
  s.setFrame(-5);  // clamped to 0
  s.setOverlayMode(OverlayMode::Clusters);
  s.setOverlayMode(OverlayMode::Clusters);
  EXPECT_EQ(point.count(), 1);
  EXPECT_EQ(frame.count(), 2);
  EXPECT_EQ(s.frame(), 0);
  EXPECT_EQ(mode.count(), 1);
  EXPECT_EQ(any.count(), 4);
  QSignalSpy run(&s, &Selection::runChanged);
  s.setRun(QStringLiteral("r1"), QStringLiteral("vitcop"));
  s.setRun(QStringLiteral("r1"), QStringLiteral("vitcop"));
  EXPECT_EQ(run.count(), 1);
  EXPECT_EQ(s.method(), QStringLiteral("vitcop"));
}

TEST(OverlayMode, KeysRoundTrip) {
  for (auto m : {OverlayMode::KeptPruned, OverlayMode::MergedGroups, OverlayMode::ScoreHeatmap,
                 OverlayMode::Clusters, OverlayMode::Difference})
    EXPECT_EQ(overlayModeFromKey(overlayModeKey(m)), m);
  EXPECT_FALSE(overlayModeFromKey(QStringLiteral("nope")).has_value());
}

TEST(StageScrubber, OrdersPointsAndMarksStageBoundaries) {
  auto trace = std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4Trace());
  // Scrambled order and a foreign point must not matter.
  std::swap(trace->points[0], trace->points[4]);
  trace->points.push_back({"debug:extra", "", {}, 0.0});
  StageScrubber scrubber;
  scrubber.setTrace(trace);
  EXPECT_EQ(scrubber.pointNames(),
            QStringList({"input", "vision", "llm:0", "llm:1", "llm:2", "llm:3"}));
  EXPECT_EQ(scrubber.tokenCounts(), QVector<int>({16, 9, 9, 9, 7, 7}));
  EXPECT_EQ(scrubber.boundaries(), QVector<int>({1, 4}));
}

TEST(StageScrubber, ArrowKeysMoveTheSelectionAndTheCanvasFollows) {
  auto trace = std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4Trace());
  Selection selection;
  StageScrubber scrubber;
  PatchCanvas canvas;
  scrubber.setSelection(&selection);
  canvas.setSelection(&selection);
  scrubber.setTrace(trace);
  canvas.setTrace(trace);
  canvas.setFrames({vitcop::test::syntheticImage(56)});
  canvas.resize(300, 300);
  scrubber.resize(400, scrubber.sizeHint().height());
  canvas.show();
  scrubber.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&scrubber));

  selection.setPoint(QStringLiteral("llm:1"));
  EXPECT_EQ(scrubber.currentIndex(), 3);
  const QImage atLayer1 = canvas.grab().toImage();
  QTest::keyClick(&scrubber, Qt::Key_Right);
  EXPECT_EQ(selection.point(), QStringLiteral("llm:2"));
  EXPECT_EQ(scrubber.statusText(), QStringLiteral("llm:2 · 7 visual tokens"));
  // llm:2 dropped patches 13 and 14: two more hatched cells.
  const QImage atLayer2 = canvas.grab().toImage();
  EXPECT_GT(vitcop::test::compareImages(atLayer1, atLayer2, 30).badPixels, 500);

  QTest::keyClick(&scrubber, Qt::Key_Left);
  QTest::keyClick(&scrubber, Qt::Key_Left);
  EXPECT_EQ(selection.point(), QStringLiteral("llm:0"));
  QTest::keyClick(&scrubber, Qt::Key_Right);
  EXPECT_EQ(vitcop::test::compareImages(atLayer1, canvas.grab().toImage(), 0).badPixels, 0)
      << "back at llm:1 the canvas must look as it did";

  QTest::keyClick(&scrubber, Qt::Key_Home);
  QTest::keyClick(&scrubber, Qt::Key_Left);
  EXPECT_EQ(selection.point(), QStringLiteral("input")) << "clamped at the first point";
  QTest::keyClick(&scrubber, Qt::Key_End);
  QTest::keyClick(&scrubber, Qt::Key_Right);
  EXPECT_EQ(selection.point(), QStringLiteral("llm:3"));
  scrubber.grab().save(
      QString::fromStdString((vitcop::test::outputDir() / "stage_scrubber.png").string()));
}

TEST(StageScrubber, ClickJumpsToTheNearestPoint) {
  auto trace = std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4Trace());
  StageScrubber scrubber;
  scrubber.setTrace(trace);
  scrubber.resize(500, scrubber.sizeHint().height());
  scrubber.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&scrubber));
  // Six points spread over the track: the right end is llm:3, a bit left of the middle llm:0.
  QTest::mouseClick(&scrubber, Qt::LeftButton, Qt::NoModifier,
                    QPoint(scrubber.width() - 2, scrubber.height() / 2));
  EXPECT_EQ(scrubber.selection()->point(), QStringLiteral("llm:3"));
  QTest::mouseClick(&scrubber, Qt::LeftButton, Qt::NoModifier,
                    QPoint(scrubber.width() * 2 / 5, scrubber.height() / 2));
  EXPECT_EQ(scrubber.selection()->point(), QStringLiteral("llm:0"));
}

TEST(TokenCountChart, StepsAverageAndMarkerFollowTheSelection) {
  auto trace = std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4Trace());
  Selection selection;
  TokenCountChart chart;
  chart.setSelection(&selection);
  chart.setTrace(trace);
  const QList<QPointF> expected = {{0, 9}, {1, 9}, {1, 9}, {2, 9}, {2, 7}, {3, 7}, {3, 7}, {4, 7}};
  EXPECT_EQ(chart.stepPoints(), expected);
  EXPECT_DOUBLE_EQ(chart.averageTokens(), 8.0);
  EXPECT_EQ(chart.markerLayer(), -1);  // "input" is not an LLM layer
  selection.setPoint(QStringLiteral("llm:2"));
  EXPECT_EQ(chart.markerLayer(), 2);
  selection.setPoint(QStringLiteral("vision"));
  EXPECT_EQ(chart.markerLayer(), -1);

  // Without a reported equivalent count the chart falls back to the mean of the steps.
  trace->equivalentTokens = 0.0;
  chart.setTrace(trace);
  EXPECT_DOUBLE_EQ(chart.averageTokens(), 8.0);
  selection.setPoint(QStringLiteral("llm:1"));
  chart.resize(480, 300);
  chart.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&chart));
  chart.grab().toImage().save(
      QString::fromStdString((vitcop::test::outputDir() / "token_count_chart.png").string()));
}

}  // namespace
