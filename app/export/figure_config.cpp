#include "app/export/figure_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/export/model_input_view.h"
#include "app/export/overlay_export.h"

namespace vitcop::exporting {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw FigureConfigError(where + ": " + what);
}

void onlyKeys(const json& j, const std::set<std::string>& allowed, const std::string& where) {
  if (!j.is_object()) fail(where, "must be a JSON object");
  for (const auto& [k, v] : j.items())
    if (!allowed.count(k)) fail(where, "unknown key '" + k + "'");
}

template <typename T>
T get(const json& j, const char* key, T fallback, const std::string& where) {
  if (!j.contains(key)) return fallback;
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    fail(where, std::string("key '") + key + "' has the wrong type");
  }
}

std::string readFile(const fs::path& p, const std::string& where) {
  std::ifstream in(p, std::ios::binary);
  if (!in) fail(where, "cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path resolve(const fs::path& base, const std::string& p) {
  const fs::path path(p);
  return path.is_absolute() ? path : base / path;
}

}  // namespace

LoadedFigure loadFigureConfig(const std::string& text, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    fail(path, "not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  onlyKeys(j, {"title", "overlay", "score", "opacity", "crop", "columns", "rows", "layout", "font"},
           path);
  const fs::path base = fs::path(path).parent_path();
  LoadedFigure f;
  auto& s = f.spec;
  s.title = QString::fromStdString(get<std::string>(j, "title", "", path));
  const std::string mode = get<std::string>(j, "overlay", "kept", path);
  const auto m = widgets::overlayModeFromKey(QString::fromStdString(mode));
  if (!m || *m == widgets::OverlayMode::Difference)
    fail(path, "overlay '" + mode + "' is not one of kept, merged, heatmap, clusters");
  s.overlay.mode = *m;
  s.overlay.scoreName =
      QString::fromStdString(get<std::string>(j, "score", trace::kScoreClsAttention, path));
  s.overlay.opacity = get<double>(j, "opacity", s.overlay.opacity, path);
  if (!(s.overlay.opacity >= 0.0 && s.overlay.opacity <= 1.0))
    fail(path, "opacity must be in [0, 1]");
  s.overlay.font = QFont(QString::fromStdString(get<std::string>(j, "font", "DejaVu Sans", path)));
  s.overlay.background = Qt::white;
  if (j.contains("crop")) {
    const auto c = get<std::vector<int>>(j, "crop", {}, path);
    if (c.size() != 4 || c[0] < 0 || c[1] < 0 || c[2] < 1 || c[3] < 1)
      fail(path, "crop must be [first row, first column, rows, columns] in patches");
    s.overlay.crop = QRect(c[1], c[0], c[3], c[2]);
  }

  const json layout = j.contains("layout") ? j["layout"] : json::object();
  const std::string lw = path + ": layout";
  onlyKeys(layout, {"cell", "spacing", "font_size", "frames", "colour_bar", "scale", "dpi"}, lw);
  s.layout.cellPx = get<int>(layout, "cell", s.layout.cellPx, lw);
  s.layout.spacingPx = get<int>(layout, "spacing", s.layout.spacingPx, lw);
  s.layout.fontPx = get<double>(layout, "font_size", s.layout.fontPx, lw);
  s.layout.frames = get<bool>(layout, "frames", s.layout.frames, lw);
  s.overlay.showColourBar = get<bool>(layout, "colour_bar", true, lw);
  f.scale = get<double>(layout, "scale", 1.0, lw);
  f.dpi = get<int>(layout, "dpi", 96, lw);
  if (s.layout.cellPx < 8 || s.layout.cellPx > 4096) fail(lw, "cell must be 8..4096 pixels");
  if (s.layout.spacingPx < 0 || s.layout.spacingPx > 1000)
    fail(lw, "spacing must be 0..1000 pixels");
  if (!(s.layout.fontPx >= 4 && s.layout.fontPx <= 200)) fail(lw, "font_size must be 4..200");
  if (!(f.scale > 0.0 && f.scale <= 16.0)) fail(lw, "scale must be in (0, 16]");
  if (f.dpi < 1 || f.dpi > 4800) fail(lw, "dpi must be 1..4800");

  if (!j.contains("columns") || !j["columns"].is_array() || j["columns"].empty())
    fail(path, "'columns' must list at least one stage (\"vision\", \"llm:2\", ...)");
  for (const auto& c : j["columns"]) {
    widgets::FigureColumn col;
    if (c.is_string()) {
      col.point = c.get<std::string>();
      col.label = QString::fromStdString(col.point);
    } else {
      const std::string cw = path + ": columns";
      onlyKeys(c, {"stage", "label"}, cw);
      col.point = get<std::string>(c, "stage", "", cw);
      if (col.point.empty()) fail(cw, "a column needs a 'stage'");
      col.label = QString::fromStdString(get<std::string>(c, "label", col.point, cw));
    }
    s.columns.push_back(col);
  }

  if (!j.contains("rows") || !j["rows"].is_array() || j["rows"].empty())
    fail(path, "'rows' must list at least one run ({\"label\": ..., \"trace\": FILE})");
  for (size_t i = 0; i < j["rows"].size(); ++i) {
    const json& r = j["rows"][i];
    const std::string rw = path + ": rows[" + std::to_string(i) + "]";
    onlyKeys(r, {"label", "trace", "image", "frame"}, rw);
    const std::string traceFile = get<std::string>(r, "trace", "", rw);
    if (traceFile.empty()) fail(rw, "a row needs a 'trace' (written by vitcop ask --trace)");
    const fs::path tracePath = resolve(base, traceFile);
    auto trace = std::make_unique<trace::RunTrace>();
    try {
      *trace = trace::RunTrace::fromJson(readFile(tracePath, rw), tracePath.string());
    } catch (const FigureConfigError&) {
      throw;
    } catch (const std::exception& e) {
      throw FigureConfigError(e.what());
    }
    widgets::FigureRow row;
    row.label = QString::fromStdString(get<std::string>(r, "label", trace->method, rw));
    row.frame = get<int>(r, "frame", 0, rw);
    for (const auto& c : s.columns)
      if (const QString bad = checkStage(*trace, c.point, row.frame); !bad.isEmpty())
        fail(rw, tracePath.string() + ": " + bad.toStdString());
    std::string image = get<std::string>(r, "image", "", rw);
    image = image.empty() ? (trace->inputs.empty() ? "" : trace->inputs.front())
                          : resolve(base, image).string();
    if (image.empty()) fail(rw, "the trace names no input: give 'image'");
    try {
      row.image = inputViewForTrace(*trace, image, row.frame);
    } catch (const std::exception& e) {
      fail(rw, e.what());
    }
    row.trace = trace.get();
    f.traces.push_back(std::move(trace));
    s.rows.push_back(row);
  }
  return f;
}

}  // namespace vitcop::exporting
