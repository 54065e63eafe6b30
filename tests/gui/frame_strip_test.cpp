// FrameStrip: clicking a thumbnail selects its frame; the current frame is highlighted.
#include <gtest/gtest.h>

#include <QSignalSpy>
#include <QTest>

#include "tests/gui/synthetic_traces.h"
#include "widgets/frame_strip.h"
#include "widgets/selection.h"

namespace {

using namespace vitcop::widgets;

TEST(FrameStrip, ClickSelectsAFrameAndTheHighlightFollows) {
  Selection selection;
  FrameStrip strip;
  strip.setSelection(&selection);
  strip.setFrames({vitcop::test::syntheticImage(64, 0), vitcop::test::syntheticImage(64, 1),
                   vitcop::test::syntheticImage(64, 2), vitcop::test::syntheticImage(64, 3)});
  strip.resize(420, 100);
  strip.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&strip));

  QSignalSpy clicked(&strip, &FrameStrip::frameClicked);
  QTest::mouseClick(&strip, Qt::LeftButton, Qt::NoModifier, strip.thumbnailRect(2).center());
  EXPECT_EQ(selection.frame(), 2);
  ASSERT_EQ(clicked.count(), 1);
  EXPECT_EQ(clicked.at(0).at(0).toInt(), 2);

  // The highlight is drawn just outside the current thumbnail only.
  const QColor highlight = strip.palette().color(QPalette::Highlight);
  const auto borderPixel = [&](int f) {
    const QRect r = strip.thumbnailRect(f);
    return QColor(strip.grab().toImage().pixel(r.center().x(), r.top() - 2));
  };
  EXPECT_EQ(borderPixel(2).rgb(), highlight.rgb());
  EXPECT_NE(borderPixel(1).rgb(), highlight.rgb());
  selection.setFrame(1);
  EXPECT_EQ(borderPixel(1).rgb(), highlight.rgb());
  EXPECT_NE(borderPixel(2).rgb(), highlight.rgb());

  QTest::keyClick(&strip, Qt::Key_Right);
  EXPECT_EQ(selection.frame(), 2);
  QTest::keyClick(&strip, Qt::Key_Right);
  QTest::keyClick(&strip, Qt::Key_Right);
  EXPECT_EQ(selection.frame(), 3) << "clamped at the last frame";
  EXPECT_EQ(strip.frameAt(QPoint(1, 1)), -1);
}

}  // namespace
