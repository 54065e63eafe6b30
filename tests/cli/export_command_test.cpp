// `vitcop export` and `vitcop figure` as a user runs them, with no display (DISPLAY,
// WAYLAND_DISPLAY and QT_QPA_PLATFORM removed from the child's environment): a fresh run on the
// tiny chat model and its saved trace re-rendered give the same pixels; SVG, PDF and PNG carry
// the run's provenance; bad inputs end with one line naming the culprit, a non-zero exit and no
// file written.
#include <gtest/gtest.h>

#include <QFile>
#include <QImage>
#include <QXmlStreamReader>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/trace/run_trace.h"
#include "tests/support/test_paths.h"

namespace {

namespace fs = std::filesystem;
using vitcop::trace::RunTrace;

struct CliRun {
  int exitCode = 0;
  std::string stderrText;
};

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `vitcop <arguments>` without any display in its environment.
CliRun runVitcop(const std::string& arguments, const std::string& tag) {
  const auto err = vitcop::test::outputDir() / ("export_cli_" + tag + ".stderr");
  const std::string cmd = "env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM " +
                          std::string(VITCOP_BIN) + " " + arguments + " > /dev/null 2> " +
                          err.string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readText(err)};
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

// A fresh directory per test: ctest runs test cases in parallel processes.
fs::path freshDir(const std::string& name) {
  const fs::path d = vitcop::test::outputDir() / ("export_cli_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const fs::path kImage = vitcop::test::dataDir() / "llava-tiny-a" / "image.png";

std::string modelRun(const std::string& method = "vitcop") {
  return "--model " + q(VITCOP_TINY_CHAT_DIR) + " --image " + q(kImage) +
         " --question 'What is here?' --method " + method + " --budget 33% --max-new-tokens 3";
}

// Runs the model once and saves the trace (and a direct PNG export of `stage`).
RunTrace runAndSave(const fs::path& dir, const std::string& method = "vitcop") {
  const CliRun r =
      runVitcop("export " + modelRun(method) + " --stage vision --out " + q(dir / "direct.png") +
                    " --width 320 --save-trace " + q(dir / "trace.json"),
                dir.filename().string() + "_run");
  EXPECT_EQ(r.exitCode, 0) << r.stderrText;
  return RunTrace::fromJson(readText(dir / "trace.json"), "trace.json");
}

// Patches no alive token carries at `point` (drawn as pruned cells in the kept/pruned overlay).
int prunedPatches(const RunTrace& t, const std::string& point) {
  std::set<int32_t> carried;
  for (const auto& tok : t.find(point)->tokens)
    for (int32_t p : tok.patches)
      if (p >= 0) carried.insert(p);
  return static_cast<int>(t.geometry.gridSide * t.geometry.gridSide) -
         static_cast<int>(carried.size());
}

struct Svg {
  int rects = 0;
  std::map<QString, QString> metadata;
};

Svg readSvg(const fs::path& p) {
  QFile f(QString::fromStdString(p.string()));
  EXPECT_TRUE(f.open(QIODevice::ReadOnly)) << p;
  Svg s;
  QXmlStreamReader xml(f.readAll());
  while (!xml.atEnd()) {
    if (xml.readNext() != QXmlStreamReader::StartElement) continue;
    if (xml.name() == QStringLiteral("rect")) ++s.rects;
    if (xml.namespaceUri() == QStringLiteral("urn:vitcop-inspector:provenance:1") &&
        xml.name() != QStringLiteral("provenance"))
      s.metadata[xml.name().toString()] = xml.readElementText();
  }
  EXPECT_FALSE(xml.hasError()) << xml.errorString().toStdString();
  return s;
}

bool samePixels(const QImage& a, const QImage& b) {
  if (a.size() != b.size() || a.isNull()) return false;
  const QImage x = a.convertToFormat(QImage::Format_ARGB32);
  const QImage y = b.convertToFormat(QImage::Format_ARGB32);
  for (int row = 0; row < x.height(); ++row)
    if (std::memcmp(x.constScanLine(row), y.constScanLine(row),
                    static_cast<size_t>(x.bytesPerLine())) != 0)
      return false;
  return true;
}

void expectOneLine(const CliRun& r, const std::string& mentions) {
  EXPECT_NE(r.exitCode, 0);
  EXPECT_EQ(std::count(r.stderrText.begin(), r.stderrText.end(), '\n'), 1) << r.stderrText;
  EXPECT_NE(r.stderrText.find(mentions), std::string::npos) << r.stderrText;
}

TEST(ExportCommand, TraceReRenderEqualsDirectExportAndCarriesProvenance) {
  const fs::path dir = freshDir("rerender");
  const RunTrace trace = runAndSave(dir);
  const CliRun r = runVitcop("export --trace " + q(dir / "trace.json") +
                                 " --stage vision --width 320 --out " + q(dir / "again.png"),
                             "rerender");
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  const QImage direct(QString::fromStdString((dir / "direct.png").string()));
  const QImage again(QString::fromStdString((dir / "again.png").string()));
  EXPECT_EQ(direct.size(), QSize(320, 320));
  EXPECT_TRUE(samePixels(direct, again)) << "a saved trace must re-render to the same pixels";

  EXPECT_EQ(direct.text(QStringLiteral("method")), QStringLiteral("vitcop"));
  EXPECT_EQ(direct.text(QStringLiteral("stage")), QStringLiteral("vision"));
  EXPECT_EQ(direct.text(QStringLiteral("question")), QStringLiteral("What is here?"));
  EXPECT_EQ(direct.text(QStringLiteral("answer")).toStdString(), trace.answer);
  EXPECT_EQ(direct.text(QStringLiteral("model")).toStdString(), trace.model);
  EXPECT_EQ(direct.text(QStringLiteral("budget")), QString::number(trace.budget, 'g', 6));
  EXPECT_TRUE(direct.text(QStringLiteral("params")).contains(QStringLiteral("position_ids=")));
  EXPECT_TRUE(
      direct.text(QStringLiteral("application")).startsWith(QStringLiteral("ViTCoP Inspector ")));
  EXPECT_FALSE(direct.text(QStringLiteral("date")).isEmpty());
  EXPECT_EQ(again.text(QStringLiteral("answer")), direct.text(QStringLiteral("answer")));
}

TEST(ExportCommand, SvgAndPdfFromATraceWithoutDisplay) {
  const fs::path dir = freshDir("vector");
  const RunTrace trace = runAndSave(dir);
  for (const std::string stage : {"vision", "llm:2"}) {
    SCOPED_TRACE(stage);
    const fs::path svg = dir / ("overlay-" + std::to_string(stage.size()) + ".svg");
    const CliRun r = runVitcop("export --trace " + q(dir / "trace.json") + " --stage " + stage +
                                   " --title 'kept at " + stage + "' --out " + q(svg),
                               "svg");
    ASSERT_EQ(r.exitCode, 0) << r.stderrText;
    const Svg s = readSvg(svg);
    EXPECT_EQ(s.rects, prunedPatches(trace, stage)) << "one <rect> per pruned patch";
    EXPECT_EQ(s.metadata.at(QStringLiteral("stage")).toStdString(), stage);
    EXPECT_EQ(s.metadata.at(QStringLiteral("method")), QStringLiteral("vitcop"));
    EXPECT_EQ(s.metadata.at(QStringLiteral("question")), QStringLiteral("What is here?"));
    EXPECT_EQ(s.metadata.at(QStringLiteral("answer")).toStdString(), trace.answer);
  }
  const fs::path pdf = dir / "heatmap.pdf";
  const CliRun r =
      runVitcop("export --trace " + q(dir / "trace.json") +
                    " --stage vision --overlay heatmap --dpi 72 --width 400 --out " + q(pdf),
                "pdf");
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  const std::string meta = "pdfinfo -meta " + q(pdf) + " > " + q(dir / "meta.txt");
  ASSERT_EQ(std::system(meta.c_str()), 0);
  const std::string xmp = readText(dir / "meta.txt");
  EXPECT_NE(xmp.find("<vitcop:method>vitcop</vitcop:method>"), std::string::npos) << xmp;
  EXPECT_NE(xmp.find("<vitcop:stage>vision</vitcop:stage>"), std::string::npos) << xmp;
  EXPECT_NE(xmp.find("<vitcop:overlay>heatmap</vitcop:overlay>"), std::string::npos) << xmp;
  const std::string info = "pdfinfo " + q(pdf) + " > " + q(dir / "info.txt");
  ASSERT_EQ(std::system(info.c_str()), 0);
  EXPECT_NE(readText(dir / "info.txt").find("Page size:       400 x 400 pts"), std::string::npos);
}

TEST(ExportCommand, TraceJsonAndStageCsv) {
  const fs::path dir = freshDir("data");
  const RunTrace trace = runAndSave(dir);
  CliRun r = runVitcop("export --trace " + q(dir / "trace.json") + " --out " + q(dir / "copy.json"),
                       "json");
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  EXPECT_EQ(RunTrace::fromJson(readText(dir / "copy.json"), "copy.json").toJson(), trace.toJson());
  r = runVitcop(
      "export --trace " + q(dir / "trace.json") + " --stage vision --out " + q(dir / "vision.csv"),
      "csv");
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  std::istringstream csv(readText(dir / "vision.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line.rfind("patch,frame,row,col,alive,token,representative,origin_patches", 0), 0u);
  int rows = 0, pruned = 0;
  while (std::getline(csv, line)) {
    ++rows;
    pruned += line.find(",0,-1,0,") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(rows, 16);  // 4x4 patches (the tiny model drops its class token)
  EXPECT_EQ(pruned, prunedPatches(trace, "vision"));
}

TEST(ExportCommand, FigureGridFromTwoTraces) {
  const fs::path dir = freshDir("figure");
  const fs::path a = dir / "a", b = dir / "b";
  fs::create_directories(a);
  fs::create_directories(b);
  const RunTrace ta = runAndSave(a, "vitcop"), tb = runAndSave(b, "fastv");
  std::ofstream(dir / "fig.json") << R"({
    "title": "ViTCoP vs FastV",
    "overlay": "kept",
    "columns": ["vision", {"stage": "llm:2", "label": "layer 2"}],
    "rows": [{"label": "ViTCoP 33%", "trace": "a/trace.json"},
             {"label": "FastV 33%", "trace": "b/trace.json"}],
    "layout": {"cell": 120, "spacing": 4, "font_size": 12}
  })";
  const CliRun r = runVitcop(
      "figure --config " + q(dir / "fig.json") + " --out " + q(dir / "fig.svg"), "figure");
  ASSERT_EQ(r.exitCode, 0) << r.stderrText;
  const Svg s = readSvg(dir / "fig.svg");
  EXPECT_EQ(s.rects, prunedPatches(ta, "vision") + prunedPatches(ta, "llm:2") +
                         prunedPatches(tb, "vision") + prunedPatches(tb, "llm:2"));
  EXPECT_NE(s.metadata.at(QStringLiteral("row1")).indexOf(QStringLiteral("method vitcop")), -1);
  EXPECT_NE(s.metadata.at(QStringLiteral("row2")).indexOf(QStringLiteral("method fastv")), -1);
  const CliRun png = runVitcop(
      "figure --config " + q(dir / "fig.json") + " --out " + q(dir / "fig.png") + " --scale 2",
      "figure_png");
  ASSERT_EQ(png.exitCode, 0) << png.stderrText;
  const QImage img(QString::fromStdString((dir / "fig.png").string()));
  EXPECT_GT(img.width(), 2 * (2 * 120 + 4));
}

TEST(ExportCommand, BadInputsWriteNothing) {
  const fs::path dir = freshDir("bad");
  runAndSave(dir);
  const std::string trace = " --trace " + q(dir / "trace.json");
  const fs::path out = dir / "out.svg";

  expectOneLine(runVitcop("export" + trace + " --stage llm:99 --out " + q(out), "stage"),
                "no stage 'llm:99' in the trace");
  EXPECT_FALSE(fs::exists(out));
  expectOneLine(runVitcop("export" + trace + " --stage layer3 --out " + q(out), "stage_name"),
                "--stage 'layer3'");
  EXPECT_FALSE(fs::exists(out));

  expectOneLine(
      runVitcop("export" + trace + " --stage vision --out " + q(dir / "missing-dir" / "out.svg"),
                "dir"),
      "missing-dir");
  EXPECT_FALSE(fs::exists(dir / "missing-dir"));
  fs::create_directories(dir / "read-only");
  fs::permissions(dir / "read-only", fs::perms::owner_read | fs::perms::owner_exec);
  const bool root = access((dir / "read-only").c_str(), W_OK) == 0;  // root writes anyway
  if (!root) {
    expectOneLine(
        runVitcop("export" + trace + " --stage vision --out " + q(dir / "read-only" / "out.svg"),
                  "ro"),
        "not writable");
    EXPECT_TRUE(fs::is_empty(dir / "read-only"));
  }
  fs::permissions(dir / "read-only", fs::perms::owner_all);

  // Another schema version: the trace file and both versions named.
  std::string json = readText(dir / "trace.json");
  json.replace(json.find("\"schema_version\": 1"), 19, "\"schema_version\": 2");
  std::ofstream(dir / "v2.json") << json;
  expectOneLine(
      runVitcop("export --trace " + q(dir / "v2.json") + " --stage vision --out " + q(out), "v2"),
      "trace schema version 2 is not supported");
  EXPECT_FALSE(fs::exists(out));

  // An existing file survives without --force and is replaced with it.
  std::ofstream(out) << "keep";
  expectOneLine(runVitcop("export" + trace + " --stage vision --out " + q(out), "exists"),
                "already exists");
  EXPECT_EQ(readText(out), "keep");
  EXPECT_EQ(
      runVitcop("export" + trace + " --stage vision --force --out " + q(out), "force").exitCode, 0);
  EXPECT_GT(readSvg(out).rects, 0);

  // Malformed figure configs: bad JSON, an unknown key, a stage the trace lacks.
  const fs::path fig = dir / "fig.svg";
  const std::vector<std::pair<std::string, std::string>> configs = {
      {"{\"rows\": [", "not valid JSON"},
      {R"({"colums": ["vision"], "rows": []})", "unknown key 'colums'"},
      {R"({"columns": ["llm:9"], "rows": [{"trace": "trace.json"}]})", "no stage 'llm:9'"}};
  for (const auto& [text, message] : configs) {
    SCOPED_TRACE(text);
    std::ofstream(dir / "bad-fig.json") << text;
    expectOneLine(
        runVitcop("figure --config " + q(dir / "bad-fig.json") + " --out " + q(fig), "fig"),
        message);
    EXPECT_FALSE(fs::exists(fig));
  }
}

}  // namespace
