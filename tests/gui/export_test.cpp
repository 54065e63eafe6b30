// Export (widgets/export_writer.h, widgets/figure_renderer.h): goldens of exported PNGs, the SVG
// read back (one <rect> per drawn patch, provenance in <desc>/<metadata>), the PDF rendered back
// with poppler's pdftoppm and compared with the PNG of the same drawing, provenance in every
// format, and the refusals (existing file, unwritable path) that must leave nothing behind.
#include <gtest/gtest.h>

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QXmlStreamReader>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/gui/golden.h"
#include "tests/gui/synthetic_traces.h"
#include "tests/support/test_paths.h"
#include "widgets/export_writer.h"
#include "widgets/figure_renderer.h"
#include "widgets/overlay_renderer.h"
#include "widgets/point_patches.h"

namespace {

using namespace vitcop::widgets;
using vitcop::test::grid24Trace;
using vitcop::test::grid4Trace;
using vitcop::test::syntheticImage;

QString outPath(const std::string& name) {
  return QString::fromStdString((vitcop::test::outputDir() / name).string());
}

OverlayOptions exportOptions(OverlayMode mode) {
  OverlayOptions o;
  o.mode = mode;
  o.font = QFont(QStringLiteral("DejaVu Sans"));
  o.background = Qt::white;
  return o;
}

struct Drawing {
  vitcop::trace::RunTrace trace = grid24Trace();
  QImage image = syntheticImage(336);
  OverlayOptions options = exportOptions(OverlayMode::KeptPruned);
  std::string point = "vision";
  OverlayRenderer renderer;
  PaintFunction paint() {
    return [this](QPainter& p, const QRectF& r) {
      return renderer.paint(p, r, OverlayScene{image, &trace, nullptr, point, 0}, options);
    };
  }
  Provenance provenance() {
    trace.model = "/models/tiny";
    trace.question = "What is <here> & there?";  // XML-special characters on purpose
    trace.answer = "A \"cat\".";
    trace.params = {{"keep_ratio", "0.3"}};
    trace.budget = 64;
    return traceProvenance(trace, QString::fromStdString(point), 0, QStringLiteral("9.9.9"));
  }
};

std::string runCommand(const std::string& cmd, int* status) {
  const auto out =
      vitcop::test::outputDir() / ("cmd_" + std::to_string(std::hash<std::string>{}(cmd)) + ".txt");
  *status = std::system((cmd + " > " + out.string() + " 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ExportGolden, HeatmapWithTitleLegendAndColourBarAt2x) {
  Drawing d;
  d.options = exportOptions(OverlayMode::ScoreHeatmap);
  d.options.title = QStringLiteral("cls_attention at vision");
  ExportTarget t;
  t.sizePx = {640, 600};
  t.dpi = 192;
  const QImage png = paintPng(t, d.provenance(), d.paint());
  EXPECT_EQ(png.dotsPerMeterX(), 7559);  // 192 dpi
  EXPECT_TRUE(vitcop::test::matchesGolden(png, "export_heatmap_640x600"));
}

TEST(ExportGolden, CropToPatches) {
  Drawing d;
  d.options = exportOptions(OverlayMode::Clusters);
  d.options.showLegend = false;
  d.options.crop = QRect(12, 4, 8, 6);  // columns 12..19, rows 4..9
  ExportTarget t;
  t.sizePx = {400, 300};
  int drawn = 0;
  const QImage png = paintPng(
      t, Provenance(), [&](QPainter& p, const QRectF& r) { return drawn = d.paint()(p, r); });
  EXPECT_EQ(drawn, 8 * 6) << "every cropped patch carries a cluster label or is pruned";
  EXPECT_TRUE(vitcop::test::matchesGolden(png, "export_crop_clusters"));
}

// Every <rect> in an SVG and the text of its <desc> and <metadata> children.
struct SvgContent {
  int rects = 0;
  QString desc, title;
  std::map<QString, QString> metadata;  // vitcop:KEY -> text
};

SvgContent readSvg(const QByteArray& svg) {
  SvgContent c;
  QXmlStreamReader xml(svg);
  bool inMeta = false;
  while (!xml.atEnd()) {
    const auto tok = xml.readNext();
    if (tok == QXmlStreamReader::EndElement && xml.name() == QStringLiteral("metadata"))
      inMeta = false;
    if (tok != QXmlStreamReader::StartElement) continue;
    if (xml.name() == QStringLiteral("rect")) ++c.rects;
    if (xml.name() == QStringLiteral("metadata")) inMeta = true;
    if (xml.name() == QStringLiteral("desc")) c.desc = xml.readElementText();
    if (xml.name() == QStringLiteral("title")) c.title = xml.readElementText();
    if (inMeta && xml.namespaceUri() == QStringLiteral("urn:vitcop-inspector:provenance:1") &&
        xml.name() != QStringLiteral("provenance"))
      c.metadata[xml.name().toString()] = xml.readElementText();
  }
  EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
  return c;
}

SvgContent readSvgFile(const QString& path) {
  QFile f(path);
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
  return readSvg(f.readAll());
}

TEST(ExportSvg, OneRectPerDrawnPatchAndProvenance) {
  Drawing d;
  d.options = exportOptions(OverlayMode::ScoreHeatmap);
  d.options.title = QStringLiteral("svg");
  Provenance prov = d.provenance();
  prov.title = QStringLiteral("<b> & \"quotes\"");  // must come back as written
  ExportTarget t;
  t.path = outPath("export_heatmap.svg");
  t.format = ExportFormat::Svg;
  t.sizePx = {500, 460};
  t.overwrite = true;
  int drawn = 0;
  ASSERT_EQ(
      writeExport(t, prov, [&](QPainter& p, const QRectF& r) { return drawn = d.paint()(p, r); }),
      QString());
  const SvgContent svg = readSvgFile(t.path);
  EXPECT_EQ(svg.desc, prov.text());
  // Heatmap: every alive patch has a score cell, every pruned one a dimmed cell.
  EXPECT_EQ(drawn, 576);
  EXPECT_EQ(svg.rects, drawn);
  EXPECT_EQ(svg.title, prov.title);
  for (const char* key : {"model", "method", "params", "budget", "stage", "question", "answer",
                          "application", "date"}) {
    SCOPED_TRACE(key);
    EXPECT_FALSE(prov.value(QString::fromLatin1(key)).isEmpty());
    EXPECT_EQ(svg.metadata.at(QString::fromLatin1(key)), prov.value(QString::fromLatin1(key)));
    EXPECT_TRUE(svg.desc.contains(QStringLiteral("%1: %2").arg(key, prov.value(key))));
  }
  EXPECT_EQ(svg.metadata.at(QStringLiteral("question")), QStringLiteral("What is <here> & there?"));
  EXPECT_EQ(svg.metadata.at(QStringLiteral("stage")), QStringLiteral("vision"));
  EXPECT_EQ(svg.metadata.at(QStringLiteral("application")),
            QStringLiteral("ViTCoP Inspector 9.9.9"));
}

TEST(ExportPng, ProvenanceInTextChunks) {
  Drawing d;
  const Provenance prov = d.provenance();
  ExportTarget t;
  t.path = outPath("export_provenance.png");
  t.sizePx = {300, 300};
  t.overwrite = true;
  ASSERT_EQ(writeExport(t, prov, d.paint()), QString());
  const QImage back(t.path);
  ASSERT_FALSE(back.isNull());
  for (const auto& [k, v] : prov.fields)
    EXPECT_EQ(back.text(k), v) << k.toStdString();
  EXPECT_EQ(back.text(QStringLiteral("Title")), prov.title);
  EXPECT_EQ(back.text(QStringLiteral("Software")), QStringLiteral("ViTCoP Inspector 9.9.9"));
  EXPECT_EQ(back.text(QStringLiteral("answer")), QStringLiteral("A \"cat\"."));
}

// pdftoppm renders the PDF at the export's own density, so its pixels line up with the PNG.
TEST(ExportPdf, RendersBackLikeThePngAndCarriesProvenance) {
  Drawing d;
  d.options = exportOptions(OverlayMode::MergedGroups);
  d.options.showLegend = false;  // glyph rasterisers differ between Qt and poppler
  const Provenance prov = d.provenance();
  ExportTarget t;
  t.sizePx = {480, 480};
  t.dpi = 144;
  t.path = outPath("export_merged.pdf");
  t.format = ExportFormat::Pdf;
  t.overwrite = true;
  ASSERT_EQ(writeExport(t, prov, d.paint()), QString());
  const QImage png = paintPng(t, prov, d.paint()).convertToFormat(QImage::Format_RGB32);

  const QString prefix = outPath("export_merged_pdf");
  int status = 0;
  const std::string log = runCommand(
      "pdftoppm -r 144 -png -singlefile " + t.path.toStdString() + " " + prefix.toStdString(),
      &status);
  ASSERT_EQ(status, 0) << "pdftoppm (poppler-utils) failed: " << log;
  const QImage back = QImage(prefix + QStringLiteral(".png")).convertToFormat(QImage::Format_RGB32);
  ASSERT_EQ(back.size(), png.size());
  // Poppler resamples the embedded photo and draws the hatch of pruned cells as polygons where
  // the raster export stamps a texture of nearly the same pitch: compare the mean colour of
  // every 8x8 block (a cell is 20 px), which still sees a cell of the wrong colour, a missing
  // outline or a shifted grid (measured: largest block difference 30 of 255).
  const auto blocks = [](const QImage& img) {
    return img.scaled(img.width() / 8, img.height() / 8, Qt::IgnoreAspectRatio,
                      Qt::SmoothTransformation);
  };
  const auto diff = vitcop::test::compareImages(blocks(png), blocks(back), 40);
  if (diff.badPixels > 0) {
    png.save(outPath("export_merged_pdf_expected.png"));
    diff.diff.save(outPath("export_merged_pdf_diff.png"));
  }
  EXPECT_EQ(diff.badPixels, 0) << "max delta " << diff.maxDelta;

  const std::string dict = runCommand("pdfinfo " + t.path.toStdString(), &status);
  ASSERT_EQ(status, 0) << dict;
  EXPECT_NE(dict.find("Title:           " + prov.title.toStdString() + "\n"), std::string::npos)
      << dict;
  EXPECT_NE(dict.find("Creator:         ViTCoP Inspector 9.9.9\n"), std::string::npos) << dict;
  EXPECT_NE(dict.find("Page size:       240 x 240 pts"), std::string::npos) << dict;
  const std::string info = runCommand("pdfinfo -meta " + t.path.toStdString(), &status);
  ASSERT_EQ(status, 0) << info;
  for (const char* key : {"model", "method", "params", "budget", "stage", "answer", "date"}) {
    const std::string element = "<vitcop:" + std::string(key) + ">" +
                                prov.value(QString::fromLatin1(key)).toHtmlEscaped().toStdString() +
                                "</vitcop:" + key + ">";
    EXPECT_NE(info.find(element), std::string::npos) << element << "\n" << info;
  }
  EXPECT_NE(info.find("<vitcop:question>What is &lt;here&gt; &amp; there?</vitcop:question>"),
            std::string::npos);
}

TEST(ExportWrite, ExistingFileIsKeptWithoutOverwrite) {
  Drawing d;
  ExportTarget t;
  t.path = outPath("export_existing.svg");
  t.format = ExportFormat::Svg;
  t.sizePx = {100, 100};
  {
    QFile f(t.path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("keep me");
  }
  const QString error = writeExport(t, Provenance(), d.paint());
  EXPECT_TRUE(error.contains(t.path) && error.contains(QStringLiteral("exists")))
      << error.toStdString();
  QFile f(t.path);
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  EXPECT_EQ(f.readAll(), QByteArray("keep me"));
  t.overwrite = true;
  EXPECT_EQ(writeExport(t, Provenance(), d.paint()).toStdString(), "");
  EXPECT_TRUE(readSvgFile(t.path).rects > 0);
}

TEST(ExportWrite, UnwritablePathWritesNothing) {
  Drawing d;
  ExportTarget t;
  t.path = outPath("no-such-dir/overlay.png");
  QDir(outPath("no-such-dir")).removeRecursively();
  const QString error = writeExport(t, Provenance(), d.paint());
  EXPECT_TRUE(error.startsWith(QStringLiteral("cannot write ")) && error.contains(t.path))
      << error.toStdString();
  EXPECT_FALSE(QFileInfo::exists(outPath("no-such-dir")));
  t.path = outPath("bad-size.png");
  t.sizePx = {0, 10};
  EXPECT_TRUE(writeExport(t, Provenance(), d.paint()).contains(QStringLiteral("0x10")));
  EXPECT_FALSE(QFileInfo::exists(t.path));
}

FigureSpec twoByThree(const vitcop::trace::RunTrace& a, const vitcop::trace::RunTrace& b,
                      const QImage& image) {
  FigureSpec f;
  f.title = QStringLiteral("Two runs, three stages");
  f.rows = {{QStringLiteral("run A"), &a, image, 0}, {QStringLiteral("run B"), &b, image, 0}};
  f.columns = {{QStringLiteral("input"), "input"},
               {QStringLiteral("vision"), "vision"},
               {QStringLiteral("layer 6"), "llm:6"}};
  f.overlay = exportOptions(OverlayMode::ScoreHeatmap);
  f.layout.cellPx = 160;
  f.layout.spacingPx = 6;
  f.layout.fontPx = 13;
  return f;
}

TEST(ExportFigure, SharedColourBarSpansEveryCell) {
  const auto a = grid24Trace(8), b = grid24Trace(4);
  const FigureSpec f = twoByThree(a, b, syntheticImage(336));
  FigureRenderer r;
  const ScoreRange shared = r.sharedScoreRange(f);
  for (const auto* t : {&a, &b})
    for (const char* point : {"input", "vision"}) {
      const ScoreRange one = scoreRange(*t->find(point), vitcop::trace::kScoreClsAttention);
      EXPECT_LE(shared.min, one.min);
      EXPECT_GE(shared.max, one.max);
    }
  EXPECT_DOUBLE_EQ(shared.min, 0.0);  // the input point's scores are all 0
}

TEST(ExportFigure, GoldenAndOneRectPerCellPatch) {
  const auto a = grid24Trace(8), b = grid24Trace(8);
  const QImage image = syntheticImage(336);
  const FigureSpec f = twoByThree(a, b, image);
  FigureRenderer r;
  const QSize natural = r.naturalSize(f);
  EXPECT_GT(natural.width(), 3 * 160 + 2 * 6);
  EXPECT_GT(natural.height(), 2 * 160 + 6);
  ExportTarget t;
  t.sizePx = natural;
  const auto paint = [&](QPainter& p, const QRectF& rect) { return r.paint(p, rect, f); };
  EXPECT_TRUE(vitcop::test::matchesGolden(paintPng(t, Provenance(), paint), "export_figure_2x3"));

  QBuffer buf;
  buf.open(QIODevice::WriteOnly);
  ASSERT_TRUE(paintSvg(&buf, t, Provenance(), paint));
  // Heatmap cells: every patch of every cell is drawn (scored or pruned); input has all 576.
  EXPECT_EQ(readSvg(buf.data()).rects, 2 * 3 * 576);
}

}  // namespace
