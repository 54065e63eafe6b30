// `vitcop figure`: a paper figure (a grid of overlays: rows = runs, columns = stages) from a JSON
// config of saved traces (docs/export.md), as SVG, PDF or PNG. No model and no display needed.
#include <fstream>
#include <sstream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "app/export/export_options.h"
#include "app/export/figure_config.h"
#include "app/export/offscreen_gui.h"
#include "app/export/overlay_export.h"

namespace {

int runFigure(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(argv, {"config", "out", "format", "scale", "dpi"}, {"force"});
  const std::string configPath = args.str("config");
  const auto out = vitcop::exporting::outputFrom(args, "out", {"svg", "pdf", "png"});
  std::ifstream in(configPath, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + configPath);
  std::ostringstream text;
  text << in.rdbuf();

  const auto app = vitcop::exporting::startOffscreenGui(QStringLiteral(VITCOP_VERSION));
  const auto figure = vitcop::exporting::loadFigureConfig(text.str(), configPath);
  const double scale = args.number("scale", figure.scale, 1e-3, 16.0);
  const int dpi = static_cast<int>(args.integer("dpi", figure.dpi, 1, 4800));
  const QString error = vitcop::exporting::writeFigure(
      figure.spec, *vitcop::widgets::exportFormatFromKey(QString::fromStdString(out.format)),
      out.path, scale, dpi, args.flag("force"), QStringLiteral(VITCOP_VERSION));
  if (!error.isEmpty()) throw std::runtime_error(error.toStdString());
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "figure", "draw a paper figure (runs x stages grid) from saved traces as SVG/PDF/PNG",
    "vitcop figure --config FIG.json --out FILE [--format svg|pdf|png] [--scale S] [--dpi N]\n"
    "              [--force]\n"
    "  FIG.json lists the rows (a label and a trace from `vitcop ask --trace`, optionally the\n"
    "  image) and the columns (stages: input, vision, llm:N), the overlay and the layout (cell\n"
    "  size, spacing, font size, frames, one shared colour bar); docs/export.md has the format.\n"
    "  Relative paths resolve against the config's folder. Nothing is written on error.",
    runFigure);

}  // namespace
