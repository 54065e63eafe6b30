// `vitcop export`: one overlay as SVG, PDF or PNG (with provenance), the trace as JSON or one
// stage as CSV, either from a saved trace (no model) or from a fresh run. Draws through the
// inspector's renderer on Qt's offscreen platform, so no display is needed.
#include <fstream>
#include <optional>
#include <sstream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "app/cli/default_model.h"
#include "app/export/export_options.h"
#include "app/export/model_input_view.h"
#include "app/export/offscreen_gui.h"
#include "app/export/overlay_export.h"
#include "core/imaging/image_io.h"
#include "core/session/ask.h"

namespace {

using vitcop::cli::UsageError;

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The run whose overlay is exported: a fresh ask on the model the options name.
vitcop::trace::RunTrace runModel(const vitcop::cli::Args& args, QImage* view) {
  vitcop::session::AskRequest request;
  request.image = args.str("image");
  request.question = args.str("question");
  request.maxNewTokens = args.integer("max-new-tokens", 64, 1, 4096);
  auto& pruning = request.pruning;
  pruning.method = args.str("method", "none");
  pruning.budget = args.str("budget", "");
  pruning.params = args.all("param");
  pruning.positionIds = args.str("position-ids", "official");
  if (pruning.method != "none" && pruning.budget.empty())
    throw UsageError("--method " + pruning.method + " needs --budget N or --budget P%");
  vitcop::session::preparePruning(vitcop::cli::modelConfigFrom(args), pruning, 1);
  const auto model = vitcop::cli::openModel(args);
  auto result = vitcop::session::ask(*model, request);
  *view = vitcop::exporting::modelInputView(vitcop::imaging::loadImageRgb8(*request.image),
                                            model->imageProcessor());
  return std::move(result.trace);
}

int runExport(const std::vector<std::string>& argv) {
  const vitcop::cli::Args args(
      argv,
      {"model",  "random-init", "init-seed",    "device",         "dtype",     "image", "question",
       "method", "budget",      "position-ids", "max-new-tokens", "trace",     "stage", "frame",
       "out",    "format",      "overlay",      "score",          "opacity",   "width", "height",
       "dpi",    "title",       "crop",         "font-size",      "save-trace"},
      {"force", "no-legend", "no-colour-bar"}, {"param"});
  const bool fromTrace = args.has("trace");
  if (fromTrace) {
    for (const char* o : {"question", "method", "budget", "model", "random-init"})
      if (args.has(o))
        throw UsageError(std::string("--") + o + " runs a model; --trace re-renders a saved run");
  } else if (!args.has("image")) {
    throw UsageError("give --trace TRACE.json, or --image FILE --question TEXT to run a model");
  }
  const auto out = vitcop::exporting::outputFrom(args, "out", {"svg", "pdf", "png", "json", "csv"});
  const bool picture = out.format != "json" && out.format != "csv";
  const std::string stage = out.format == "json" ? args.str("stage", "") : args.str("stage");
  if (!stage.empty()) vitcop::exporting::checkStageName(stage);
  const int frame = static_cast<int>(args.integer("frame", 0, 0, 1 << 20));
  std::optional<vitcop::exporting::Output> saveTrace;
  if (args.has("save-trace"))
    saveTrace = vitcop::exporting::outputFrom(args, "save-trace", {"json"});

  const auto app = vitcop::exporting::startOffscreenGui(QStringLiteral(VITCOP_VERSION));
  vitcop::widgets::OverlayOptions options;
  vitcop::widgets::ExportTarget target;
  if (picture) {
    options = vitcop::exporting::overlayOptionsFrom(args);
    target = vitcop::exporting::exportTargetFrom(args, out);
  }

  vitcop::trace::RunTrace trace;
  QImage view;
  if (fromTrace) {
    const std::string path = args.str("trace");
    trace = vitcop::trace::RunTrace::fromJson(readTextFile(path), path);
  } else {
    trace = runModel(args, &view);
  }
  if (!stage.empty())
    if (const QString bad = vitcop::exporting::checkStage(trace, stage, frame); !bad.isEmpty())
      throw std::runtime_error("--stage: " + bad.toStdString());
  if (fromTrace && picture) {
    const std::string image =
        args.has("image") ? args.str("image") : (trace.inputs.empty() ? "" : trace.inputs[0]);
    if (image.empty()) throw UsageError("the trace names no input image: give --image FILE");
    view = vitcop::exporting::inputViewForTrace(trace, image, frame);
  }

  QString error;
  if (saveTrace)
    error = vitcop::exporting::writeTraceJson(trace, saveTrace->path, args.flag("force"));
  if (error.isEmpty()) {
    if (out.format == "json")
      error = vitcop::exporting::writeTraceJson(trace, out.path, args.flag("force"));
    else if (out.format == "csv")
      error = vitcop::exporting::writeStageCsv(trace, stage, out.path, args.flag("force"));
    else
      error = vitcop::exporting::writeOverlay({view, &trace, nullptr, stage, frame}, options,
                                              target, QStringLiteral(VITCOP_VERSION));
  }
  if (!error.isEmpty()) throw std::runtime_error(error.toStdString());
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "export", "write an overlay (SVG/PDF/PNG), a trace (JSON) or a stage (CSV) for papers",
    "vitcop export (--trace TRACE.json [--image FILE] |\n"
    "               [--model DIR | --random-init PRESET] --image FILE --question TEXT\n"
    "               [--method NAME --budget N|P% [--param NAME=VALUE ...]] [--max-new-tokens N])\n"
    "              --stage input|vision|llm:N [--frame N] --out FILE [--format "
    "svg|pdf|png|json|csv]\n"
    "              [--overlay kept|merged|heatmap|clusters] [--score NAME] [--opacity A]\n"
    "              [--width PX] [--height PX] [--dpi N] [--title TEXT] [--font-size PX]\n"
    "              [--crop ROW,COL,ROWS,COLS] [--no-legend] [--no-colour-bar]\n"
    "              [--save-trace OUT.json] [--force]\n"
    "  Draws what the inspector shows for one stage, with the run's provenance embedded (SVG\n"
    "  <desc>/<metadata>, PDF metadata, PNG text chunks). --trace re-renders a saved run without\n"
    "  the model (the image comes from the trace unless --image). --format defaults to the\n"
    "  suffix of --out; json writes the trace, csv one stage (docs/export.md). Nothing is\n"
    "  written on error, and an existing file is replaced only with --force. No display needed.",
    runExport);

}  // namespace
