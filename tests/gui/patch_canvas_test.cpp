// PatchCanvas: same pixels as the export path, hover tooltips name the right patch, clicks,
// wheel/keyboard zoom around the cursor, drag to pan.
#include <gtest/gtest.h>

#include <QApplication>
#include <QHelpEvent>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
#include <memory>

#include "tests/gui/golden.h"
#include "tests/gui/synthetic_traces.h"
#include "tests/support/test_paths.h"
#include "widgets/patch_canvas.h"
#include "widgets/patch_layout.h"
#include "widgets/selection.h"

namespace {

using namespace vitcop::widgets;

struct CanvasFixture : ::testing::Test {
  void SetUp() override {
    trace = std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4Trace());
    canvas.resize(400, 400);
    OverlayOptions o;
    o.showLegend = false;
    o.font = QFont(QStringLiteral("DejaVu Sans"));
    o.background = Qt::white;
    canvas.setOptions(o);
    canvas.setTrace(trace);
    canvas.setFrames({vitcop::test::syntheticImage(56)});
    canvas.selection()->setPoint(QStringLiteral("vision"));
    canvas.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&canvas));
  }
  QPoint centreOf(int32_t patch) const {
    return PatchLayout(trace->geometry, canvas.imageRect()).patchRect(patch).center().toPoint();
  }
  QString hoverText(const QPoint& pos) {
    QHelpEvent help(QEvent::ToolTip, pos, canvas.mapToGlobal(pos));
    QApplication::sendEvent(&canvas, &help);
    return QToolTip::text();
  }
  std::shared_ptr<vitcop::trace::RunTrace> trace;
  PatchCanvas canvas;
};

TEST_F(CanvasFixture, DrawsExactlyWhatTheExportDraws) {
  OverlayRenderer exporter;
  auto b = std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4TraceB());
  canvas.setCompareTrace(b);
  OverlayOptions decorated = canvas.effectiveOptions();
  decorated.showLegend = true;
  decorated.title = QStringLiteral("screen = export");
  const std::vector<std::pair<OverlayMode, bool>> cases = {
      {OverlayMode::KeptPruned, false},  {OverlayMode::MergedGroups, false},
      {OverlayMode::Clusters, false},    {OverlayMode::KeptPruned, true},
      {OverlayMode::ScoreHeatmap, true}, {OverlayMode::Difference, true}};
  for (const auto& [mode, withDecorations] : cases) {
    if (withDecorations) canvas.setOptions(decorated);
    canvas.selection()->setOverlayMode(mode);
    const QImage screen = canvas.grab().toImage();
    const QImage png =
        exporter.renderImage(canvas.scene(), canvas.effectiveOptions(), screen.size());
    const auto d = vitcop::test::compareImages(png, screen, 0);
    EXPECT_EQ(d.badPixels, 0) << overlayModeKey(mode).toStdString() << " max delta " << d.maxDelta;
    if (d.badPixels) {
      // Leave both renderings and their diff behind for whoever investigates.
      const auto base =
          vitcop::test::outputDir() / ("canvas_vs_export_" + overlayModeKey(mode).toStdString());
      screen.save(QString::fromStdString(base.string() + ".screen.png"));
      png.save(QString::fromStdString(base.string() + ".export.png"));
      d.diff.save(QString::fromStdString(base.string() + ".diff.png"));
    }
  }
}

TEST_F(CanvasFixture, TooltipNamesTheHoveredPatch) {
  // Patch 9 = row 2, col 1: merged into representative 5 at vision, alive to llm:3.
  const QString merged = hoverText(centreOf(9));
  EXPECT_TRUE(merged.contains(QStringLiteral("Patch 9 — frame 0, row 2, col 1")))
      << merged.toStdString();
  EXPECT_TRUE(merged.contains(QStringLiteral("merged into patch 5"))) << merged.toStdString();
  EXPECT_TRUE(merged.contains(QStringLiteral("cls_attention = 0.3"))) << merged.toStdString();
  EXPECT_TRUE(merged.contains(QStringLiteral("Cluster 0 (centre)"))) << merged.toStdString();
  EXPECT_TRUE(merged.contains(QStringLiteral("Last LLM layer alive: 3"))) << merged.toStdString();

  // Patch 13 = row 3, col 1: alive at vision, dropped before llm:2.
  const QString dropped = hoverText(centreOf(13));
  EXPECT_TRUE(dropped.contains(QStringLiteral("row 3, col 1"))) << dropped.toStdString();
  EXPECT_TRUE(dropped.contains(QStringLiteral("Cluster: unassigned (-1)")))
      << dropped.toStdString();
  EXPECT_TRUE(dropped.contains(QStringLiteral("Last LLM layer alive: 1"))) << dropped.toStdString();

  // Patch 3 = row 0, col 3: pruned by Stage I.
  const QString pruned = hoverText(centreOf(3));
  EXPECT_TRUE(pruned.contains(QStringLiteral("Patch 3 — frame 0, row 0, col 3")))
      << pruned.toStdString();
  EXPECT_TRUE(pruned.contains(QStringLiteral("vision: pruned"))) << pruned.toStdString();
  EXPECT_TRUE(pruned.contains(QStringLiteral("none (never reaches the LLM)")))
      << pruned.toStdString();

  // Scores follow the current point.
  canvas.selection()->setPoint(QStringLiteral("input"));
  EXPECT_TRUE(hoverText(centreOf(3)).contains(QStringLiteral("cls_attention = 0.2")));
}

TEST_F(CanvasFixture, ClickSelectsThePatch) {
  QSignalSpy clicked(&canvas, &PatchCanvas::patchClicked);
  QTest::mouseClick(&canvas, Qt::LeftButton, Qt::NoModifier, centreOf(6));
  ASSERT_EQ(clicked.count(), 1);
  EXPECT_EQ(clicked.at(0).at(0).toInt(), 6);
  EXPECT_EQ(canvas.selection()->patch(), 6);
  // The selected patch is outlined: the canvas looks different from before the click.
  canvas.selection()->setPatch(-1);
  const QImage before = canvas.grab().toImage();
  canvas.selection()->setPatch(6);
  EXPECT_GT(vitcop::test::compareImages(before, canvas.grab().toImage(), 30).badPixels, 100);
}

TEST_F(CanvasFixture, WheelZoomKeepsThePatchUnderTheCursor) {
  const QPoint pos = centreOf(10) + QPoint(7, -5);
  ASSERT_EQ(canvas.patchAt(pos), 10);
  QWheelEvent wheel(pos, canvas.mapToGlobal(pos), QPoint(), QPoint(0, 240), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(&canvas, &wheel);
  EXPECT_NEAR(canvas.zoom(), 1.25 * 1.25, 1e-9);
  EXPECT_EQ(canvas.patchAt(pos), 10);
  EXPECT_GT(canvas.imageRect().width(), 1.5 * 300);

  QTest::keyClick(&canvas, Qt::Key_0, Qt::ControlModifier);
  EXPECT_DOUBLE_EQ(canvas.zoom(), 1.0);
  QTest::keyClick(&canvas, Qt::Key_Plus, Qt::ControlModifier);
  EXPECT_DOUBLE_EQ(canvas.zoom(), 1.25);
  QTest::keyClick(&canvas, Qt::Key_Minus, Qt::ControlModifier);
  QTest::keyClick(&canvas, Qt::Key_Minus, Qt::ControlModifier);
  EXPECT_DOUBLE_EQ(canvas.zoom(), 0.8);
}

TEST_F(CanvasFixture, DragPansWithoutClicking) {
  QSignalSpy clicked(&canvas, &PatchCanvas::patchClicked);
  const QRectF before = canvas.imageRect();
  const QPointF start = centreOf(5);
  const auto send = [&](QEvent::Type type, QPointF pos, Qt::MouseButtons buttons) {
    QMouseEvent e(type, pos, canvas.mapToGlobal(pos), Qt::LeftButton, buttons, Qt::NoModifier);
    QApplication::sendEvent(&canvas, &e);
  };
  send(QEvent::MouseButtonPress, start, Qt::LeftButton);
  send(QEvent::MouseMove, start + QPointF(20, 10), Qt::LeftButton);
  send(QEvent::MouseMove, start + QPointF(40, 30), Qt::LeftButton);
  send(QEvent::MouseButtonRelease, start + QPointF(40, 30), Qt::NoButton);
  EXPECT_EQ(canvas.imageRect().topLeft() - before.topLeft(), QPointF(40, 30));
  EXPECT_EQ(clicked.count(), 0);
  EXPECT_EQ(canvas.patchAt(start + QPointF(40, 30)), 5) << "the image moved with the cursor";
}

}  // namespace
