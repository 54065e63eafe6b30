// File → Export's dialog on a synthetic run: it writes what the canvas draws (same renderer,
// same options, the crop and title chosen in the dialog), the trace and the stage CSV, and it
// replaces an existing file only when the user confirms.
#include <gtest/gtest.h>

#include <QFile>
#include <QImage>
#include <QXmlStreamReader>
#include <filesystem>
#include <memory>

#include "app/inspector/export_dialog.h"
#include "tests/gui/synthetic_traces.h"
#include "tests/support/test_paths.h"

namespace {

using vitcop::inspector::ExportDialog;
using namespace vitcop::widgets;

QString outPath(const std::string& name) {
  const auto p = vitcop::test::outputDir() / name;
  std::filesystem::remove(p);
  return QString::fromStdString(p.string());
}

int svgRects(const QString& path) {
  QFile f(path);
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << path.toStdString();
  QXmlStreamReader xml(f.readAll());
  int rects = 0;
  while (!xml.atEnd())
    if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QStringLiteral("rect"))
      ++rects;
  return rects;
}

struct DialogFixture : ::testing::Test {
  std::shared_ptr<const vitcop::trace::RunTrace> trace =
      std::make_shared<vitcop::trace::RunTrace>(vitcop::test::grid4Trace());
  OverlayScene scene{vitcop::test::syntheticImage(56), nullptr, nullptr, "vision", 0};
  OverlayOptions options;
  std::unique_ptr<ExportDialog> dialog;
  void SetUp() override {
    options.mode = OverlayMode::KeptPruned;
    options.highlightPatch = 5;
    dialog = std::make_unique<ExportDialog>(trace, nullptr, scene, options);
  }
};

TEST_F(DialogFixture, SvgOfTheCurrentStageWithCropAndTitle) {
  const QString path = outPath("dialog_overlay.svg");
  dialog->setKind(ExportDialog::Kind::Svg);
  dialog->setPath(path);
  dialog->setTitle(QStringLiteral("kept at vision"));
  EXPECT_EQ(dialog->exportNow().toStdString(), "");
  EXPECT_EQ(svgRects(path), 4);  // pruned 0, 3, 12, 15
  EXPECT_EQ(dialog->exportOptions().highlightPatch, -1) << "the selection ring is not exported";

  const QString cropped = outPath("dialog_crop.svg");
  dialog->setPath(cropped);
  dialog->setCrop(0, 0, 2, 2);  // patches 0 1 4 5: only 0 is pruned
  EXPECT_EQ(dialog->exportNow().toStdString(), "");
  EXPECT_EQ(svgRects(cropped), 1);
}

TEST_F(DialogFixture, PngCarriesSizeDensityAndProvenance) {
  const QString path = outPath("dialog_overlay.png");
  dialog->setKind(ExportDialog::Kind::Png);
  dialog->setPath(path);
  dialog->setPixelSize(300, 200);
  dialog->setDpi(300);
  EXPECT_EQ(dialog->exportNow().toStdString(), "");
  const QImage img(path);
  EXPECT_EQ(img.size(), QSize(300, 200));
  EXPECT_EQ(img.dotsPerMeterX(), 11811);  // 300 dpi
  EXPECT_EQ(img.text(QStringLiteral("method")), QStringLiteral("synthetic"));
  EXPECT_EQ(img.text(QStringLiteral("stage")), QStringLiteral("vision"));
  EXPECT_EQ(img.text(QStringLiteral("overlay")), QStringLiteral("kept"));
}

TEST_F(DialogFixture, TraceJsonAndStageCsv) {
  const QString json = outPath("dialog_trace.json");
  dialog->setKind(ExportDialog::Kind::TraceJson);
  dialog->setPath(json);
  EXPECT_EQ(dialog->exportNow().toStdString(), "");
  QFile f(json);
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  EXPECT_EQ(vitcop::trace::RunTrace::fromJson(f.readAll().toStdString(), "json").toJson(),
            trace->toJson());
  const QString csv = outPath("dialog_stage.csv");
  dialog->setKind(ExportDialog::Kind::StageCsv);
  dialog->setPath(csv);
  EXPECT_EQ(dialog->exportNow().toStdString(), "");
  QFile c(csv);
  ASSERT_TRUE(c.open(QIODevice::ReadOnly));
  EXPECT_EQ(c.readAll().count('\n'), 1 + 16);
}

TEST_F(DialogFixture, ReplacesAFileOnlyWhenConfirmed) {
  const QString path = outPath("dialog_existing.svg");
  {
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("keep");
  }
  dialog->setKind(ExportDialog::Kind::Svg);
  dialog->setPath(path);
  QString asked;
  dialog->confirmOverwrite = [&](const QString& p) {
    asked = p;
    return false;
  };
  EXPECT_FALSE(dialog->exportNow().isEmpty());
  EXPECT_EQ(asked, path);
  QFile f(path);
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  EXPECT_EQ(f.readAll(), QByteArray("keep"));
  f.close();
  dialog->confirmOverwrite = [](const QString&) { return true; };
  EXPECT_EQ(dialog->exportNow().toStdString(), "");
  EXPECT_EQ(svgRects(path), 4);
}

}  // namespace
