// OverlayRenderer: goldens per overlay mode, the SVG vector contract, PDF output, and pixel
// checks of the difference and heatmap colours that do not depend on any golden.
#include <gtest/gtest.h>

#include <QBuffer>
#include <QFile>
#include <QPainter>
#include <QRegularExpression>
#include <QXmlStreamReader>
#include <cmath>
#include <set>

#include "tests/gui/golden.h"
#include "tests/gui/synthetic_traces.h"
#include "tests/support/test_paths.h"
#include "widgets/colormap.h"
#include "widgets/export_writer.h"
#include "widgets/overlay_renderer.h"
#include "widgets/patch_layout.h"
#include "widgets/point_patches.h"

namespace {

using namespace vitcop::widgets;
using vitcop::test::grid24Trace;
using vitcop::test::grid4Trace;
using vitcop::test::grid4TraceB;
using vitcop::test::syntheticImage;

OverlayOptions bareOptions(OverlayMode mode) {
  OverlayOptions o;
  o.mode = mode;
  o.showLegend = false;
  o.showColourBar = false;
  o.font = QFont(QStringLiteral("DejaVu Sans"));
  o.background = Qt::white;
  return o;
}

QImage render(const OverlayScene& s, const OverlayOptions& o, QSize size) {
  OverlayRenderer r;
  return r.renderImage(s, o, size);
}

TEST(OverlayGolden, KeptPruned4x4) {
  const auto trace = grid4Trace();
  OverlayScene s{syntheticImage(56), &trace, nullptr, "vision", 0};
  EXPECT_TRUE(vitcop::test::matchesGolden(
      render(s, bareOptions(OverlayMode::KeptPruned), {240, 240}), "kept_pruned_4x4"));
}

TEST(OverlayGolden, MergedGroups4x4WithHighlight) {
  const auto trace = grid4Trace();
  OverlayScene s{syntheticImage(56), &trace, nullptr, "vision", 0};
  auto o = bareOptions(OverlayMode::MergedGroups);
  o.highlightPatch = 14;
  EXPECT_TRUE(vitcop::test::matchesGolden(render(s, o, {240, 240}), "merged_groups_4x4"));
}

TEST(OverlayGolden, Difference4x4WithLegendAndTitle) {
  const auto a = grid4Trace(), b = grid4TraceB();
  OverlayScene s{syntheticImage(56), &a, &b, "vision", 0};
  auto o = bareOptions(OverlayMode::Difference);
  o.showLegend = true;
  o.title = QStringLiteral("A vs B at vision");
  EXPECT_TRUE(vitcop::test::matchesGolden(render(s, o, {360, 400}), "difference_4x4"));
}

TEST(OverlayGolden, Heatmap24WithColourBar) {
  const auto trace = grid24Trace();
  OverlayScene s{syntheticImage(336), &trace, nullptr, "vision", 0};
  auto o = bareOptions(OverlayMode::ScoreHeatmap);
  o.showColourBar = true;
  o.showLegend = true;
  o.opacity = 0.75;
  o.title = QStringLiteral("cls_attention at vision");
  EXPECT_TRUE(vitcop::test::matchesGolden(render(s, o, {520, 480}), "heatmap_24x24"));
}

TEST(OverlayGolden, Clusters24WithLegend) {
  const auto trace = grid24Trace();
  OverlayScene s{syntheticImage(336), &trace, nullptr, "vision", 0};
  auto o = bareOptions(OverlayMode::Clusters);
  o.showLegend = true;
  EXPECT_TRUE(vitcop::test::matchesGolden(render(s, o, {480, 540}), "clusters_24x24"));
}

// Reads every <rect> of an SVG as (x, y, width, height); fails on transforms, which would make
// the coordinates meaningless for a reader of the file.
std::vector<QRectF> svgRects(const QByteArray& svg, int* otherShapes) {
  std::vector<QRectF> rects;
  QXmlStreamReader xml(svg);
  *otherShapes = 0;
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    const auto a = xml.attributes();
    if (a.hasAttribute(QStringLiteral("transform"))) {
      const auto t = a.value(QStringLiteral("transform")).toString().remove(QLatin1Char(' '));
      EXPECT_TRUE(t == QStringLiteral("matrix(1,0,0,1,0,0)")) << t.toStdString();
    }
    if (xml.name() == QStringLiteral("rect"))
      rects.emplace_back(a.value(QStringLiteral("x")).toDouble(),
                         a.value(QStringLiteral("y")).toDouble(),
                         a.value(QStringLiteral("width")).toDouble(),
                         a.value(QStringLiteral("height")).toDouble());
    else if (xml.name() == QStringLiteral("path") || xml.name() == QStringLiteral("ellipse") ||
             xml.name() == QStringLiteral("circle") || xml.name() == QStringLiteral("text"))
      ++*otherShapes;
  }
  EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
  return rects;
}

// The set of patches whose cell a rect covers exactly (within rounding of the SVG numbers).
std::set<int32_t> patchesOf(const std::vector<QRectF>& rects, const PatchLayout& grid) {
  std::set<int32_t> ids;
  for (const auto& r : rects) {
    const int32_t p = grid.patchAt(r.center(), 0);
    const QRectF cell = grid.patchRect(p);
    if (p >= 0 && std::abs(cell.left() - r.left()) < 0.01 &&
        std::abs(cell.top() - r.top()) < 0.01 && std::abs(cell.width() - r.width()) < 0.01 &&
        std::abs(cell.height() - r.height()) < 0.01)
      ids.insert(p);
  }
  return ids;
}

struct SvgCase {
  OverlayMode mode;
  std::set<int32_t> expected;  // patches drawn in grid4Trace at vision
};

TEST(OverlaySvg, OneRectPerDrawnPatchAtThePatchPosition) {
  const auto a = grid4Trace(), b = grid4TraceB();
  const std::set<int32_t> pruned = {0, 3, 12, 15};
  std::set<int32_t> mergedOrPruned = pruned;
  mergedOrPruned.insert({5, 6, 9, 10, 11});
  std::set<int32_t> all;
  for (int32_t p = 0; p < 16; ++p)
    all.insert(p);
  std::set<int32_t> withCluster = all;  // every alive token has a label, pruned ones are dimmed
  const std::vector<SvgCase> cases = {{OverlayMode::KeptPruned, pruned},
                                      {OverlayMode::MergedGroups, mergedOrPruned},
                                      {OverlayMode::ScoreHeatmap, all},
                                      {OverlayMode::Clusters, withCluster},
                                      {OverlayMode::Difference, all}};
  for (const auto& c : cases) {
    SCOPED_TRACE(overlayModeKey(c.mode).toStdString());
    OverlayScene s{syntheticImage(56), &a, &b, "vision", 0};
    OverlayOptions o;  // legend, colour bar and title on: decorations must not add rects
    o.mode = c.mode;
    o.title = QStringLiteral("svg");
    o.highlightPatch = 6;
    QBuffer buf;
    buf.open(QIODevice::WriteOnly);
    OverlayRenderer r;
    ExportTarget target;
    target.sizePx = {400, 460};
    ASSERT_TRUE(paintSvg(&buf, target, Provenance(),
                         [&](QPainter& p, const QRectF& rect) { return r.paint(p, rect, s, o); }));
    // Left for a person to open next to the PNG goldens.
    QFile artefact(QString::fromStdString(
        (vitcop::test::outputDir() / ("overlay_" + overlayModeKey(c.mode).toStdString() + ".svg"))
            .string()));
    if (artefact.open(QIODevice::WriteOnly)) artefact.write(buf.data());
    int other = 0;
    const auto rects = svgRects(buf.data(), &other);
    EXPECT_EQ(rects.size(), c.expected.size());
    EXPECT_GT(other, 0) << "decorations should be paths/text";
    const auto l = r.layout(QRectF(0, 0, 400, 460), s, o, nullptr);
    EXPECT_EQ(patchesOf(rects, PatchLayout(a.geometry, l.image)), c.expected);
  }
}

TEST(OverlaySvg, PaintReportsDrawnPatches) {
  const auto trace = grid24Trace();
  const vitcop::widgets::PointPatches vision(trace, "vision", 0);
  OverlayScene s{syntheticImage(336), &trace, nullptr, "vision", 0};
  QImage img(300, 300, QImage::Format_ARGB32_Premultiplied);
  QPainter p(&img);
  OverlayRenderer r;
  EXPECT_EQ(r.paint(p, QRectF(0, 0, 300, 300), s, bareOptions(OverlayMode::KeptPruned)),
            576 - vision.aliveCount());
  s.point = "input";
  EXPECT_EQ(r.paint(p, QRectF(0, 0, 300, 300), s, bareOptions(OverlayMode::KeptPruned)), 0);
}

TEST(OverlayPdf, WritesOnePagePdf) {
  const auto trace = grid24Trace();
  OverlayScene s{syntheticImage(336), &trace, nullptr, "vision", 0};
  OverlayOptions o;
  o.mode = OverlayMode::ScoreHeatmap;
  o.title = QStringLiteral("pdf");
  const auto path = vitcop::test::outputDir() / "overlay_heatmap.pdf";
  std::filesystem::remove(path);
  OverlayRenderer r;
  ExportTarget target;
  target.sizePx = {400, 440};
  target.dpi = 72;  // 1 px = 1 pt
  {
    QFile out(QString::fromStdString(path.string()));
    ASSERT_TRUE(out.open(QIODevice::WriteOnly));
    ASSERT_TRUE(paintPdf(&out, target, Provenance(),
                         [&](QPainter& p, const QRectF& rect) { return r.paint(p, rect, s, o); }));
  }
  QFile f(QString::fromStdString(path.string()));
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  const QByteArray bytes = f.readAll();
  EXPECT_TRUE(bytes.startsWith("%PDF-"));
  EXPECT_EQ(bytes.count("/Type /Page\n") + bytes.count("/Type /Page\r") +
                bytes.count("/Type /Page ") + bytes.count("/Type /Page>"),
            1)
      << "expected exactly one page";
  // 400 x 440 pt page as requested.
  EXPECT_TRUE(QString::fromLatin1(bytes).contains(
      QRegularExpression(QStringLiteral(R"(/MediaBox \[0 0 400(\.0+)? 440(\.0+)?\])"))))
      << "page size";
}

TEST(OverlayDifference, CountsAOnlyBOnlyBoth) {
  const auto a = grid4Trace(), b = grid4TraceB();
  const DiffCounts c = differenceCounts(PointPatches(a, "vision", 0), PointPatches(b, "vision", 0));
  EXPECT_EQ(c.aOnly, 6);  // 8 9 10 11 13 14
  EXPECT_EQ(c.bOnly, 2);  // 0 3
  EXPECT_EQ(c.both, 6);   // 1 2 4 5 6 7
  EXPECT_EQ(c.neither, 2);
  // At llm:2 A has also lost 13 and 14 while B (a copy of A there) is unchanged: no difference.
  const DiffCounts l2 = differenceCounts(PointPatches(a, "llm:2", 0), PointPatches(b, "llm:2", 0));
  EXPECT_EQ(l2.aOnly + l2.bOnly, 0);
  EXPECT_EQ(l2.both, 10);
}

// Nearest of the given colours to `c`.
int nearest(QRgb c, const std::vector<QColor>& palette) {
  int best = 0, bestD = 1 << 30;
  for (size_t i = 0; i < palette.size(); ++i) {
    const QColor& q = palette[i];
    const int d = std::abs(qRed(c) - q.red()) + std::abs(qGreen(c) - q.green()) +
                  std::abs(qBlue(c) - q.blue());
    if (d < bestD) bestD = d, best = static_cast<int>(i);
  }
  return best;
}

TEST(OverlayDifference, RendersEachClassInItsColour) {
  const auto a = grid4Trace(), b = grid4TraceB();
  OverlayScene s{syntheticImage(56), &a, &b, "vision", 0};
  auto o = bareOptions(OverlayMode::Difference);
  o.opacity = 1.0;  // pure class colours at cell centres
  OverlayRenderer r;
  const QImage img = r.renderImage(s, o, {200, 200});
  const PatchLayout grid(a.geometry, r.layout(QRectF(0, 0, 200, 200), s, o, &img).image);
  const std::vector<QColor> palette = {diffColourAOnly(), diffColourBOnly(), diffColourBoth(),
                                       Qt::black};
  int counts[4] = {0, 0, 0, 0};
  for (int32_t p = 0; p < 16; ++p) {
    // Between hatch stripes (which run along x/w + y/h = k/3) so "neither" samples the dim fill.
    const QRectF r = grid.patchRect(p);
    const QPoint at(static_cast<int>(r.left() + 0.2 * r.width()),
                    static_cast<int>(r.top() + 0.3 * r.height()));
    ++counts[nearest(img.pixel(at), palette)];
  }
  EXPECT_EQ(counts[0], 6);
  EXPECT_EQ(counts[1], 2);
  EXPECT_EQ(counts[2], 6);
  EXPECT_EQ(counts[3], 2);
}

TEST(OverlayHeatmap, ExtremesGetTheEndsOfViridis) {
  const auto trace = grid4Trace();  // cls_attention at vision: 0.0 (patch 1) .. 0.8 (patch 14)
  OverlayScene s{syntheticImage(56), &trace, nullptr, "vision", 0};
  auto o = bareOptions(OverlayMode::ScoreHeatmap);
  o.opacity = 1.0;
  OverlayRenderer r;
  const QImage img = r.renderImage(s, o, {200, 200});
  const PatchLayout grid(trace.geometry, r.layout(QRectF(0, 0, 200, 200), s, o, &img).image);
  const auto at = [&](int32_t p) { return img.pixel(grid.patchRect(p).center().toPoint()); };
  EXPECT_EQ(at(1), qRgb(0x44, 0x01, 0x54));   // min
  EXPECT_EQ(at(14), qRgb(0xfd, 0xe7, 0x25));  // max
  EXPECT_EQ(at(5), at(9)) << "a merged token colours all its patches";
  // Half-way (0.4 of 0.8 is token 4 = patch 7) is viridis(0.5).
  EXPECT_EQ(at(7), viridis(0.5).rgb());
}

TEST(Colormap, ViridisIsMatplotlibsTable) {
  ASSERT_EQ(viridisSize(), 256);
  EXPECT_EQ(viridis(0.0).rgb(), qRgb(0x44, 0x01, 0x54));
  EXPECT_EQ(viridis(0.5).rgb(), qRgb(0x21, 0x91, 0x8c));
  EXPECT_EQ(viridis(1.0).rgb(), qRgb(0xfd, 0xe7, 0x25));
  EXPECT_EQ(viridis(std::nan("")), viridis(0.0));
  // Viridis is monotonically increasing in CIE L*: a typo in any of the 768 numbers would very
  // likely break this (or the smoothness below).
  const auto lstar = [](const QColor& c) {
    const auto lin = [](double v) {
      return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    const double y = 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
    return 116.0 * std::cbrt(y) - 16.0;
  };
  for (int i = 1; i < 256; ++i) {
    EXPECT_GT(lstar(viridisEntry(i)), lstar(viridisEntry(i - 1))) << i;
    const QColor a = viridisEntry(i - 1), b = viridisEntry(i);
    EXPECT_LT(std::max({std::abs(a.redF() - b.redF()), std::abs(a.greenF() - b.greenF()),
                        std::abs(a.blueF() - b.blueF())}),
              0.011)
        << i;
  }
}

TEST(Colormap, ClusterPaletteIsDistinctAndUnassignedIsGrey) {
  std::set<QRgb> seen;
  for (int label = 0; label < 9; ++label)
    seen.insert(clusterColour(label).rgb());
  EXPECT_EQ(seen.size(), 9u);
  const QColor grey = clusterColour(-1);
  EXPECT_EQ(grey.red(), grey.green());
  EXPECT_EQ(grey.green(), grey.blue());
  EXPECT_EQ(seen.count(grey.rgb()), 0u);
  EXPECT_FALSE(clusterColour(-2).isValid());
}

}  // namespace
