#include "app/inspector/command_line.h"

#include <QCoreApplication>

#include "app/cli/args.h"
#include "app/cli/default_model.h"

namespace vitcop::inspector {
namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

}  // namespace

CommandLine parseCommandLine(const QStringList& arguments) {
  std::vector<std::string> argv;
  for (int i = 1; i < arguments.size(); ++i)
    argv.push_back(arguments[i].toStdString());
  const cli::Args args(argv,
                       {"model",        "random-init",    "init-seed",      "device",
                        "dtype",        "llm-layers",     "image",          "video",
                        "frames",       "question",       "method",         "budget",
                        "position-ids", "compare-method", "compare-budget", "compare-position-ids",
                        "overlay",      "point",          "max-new-tokens", "screenshot"},
                       {"quit-after-answer", "gallery"}, {"param"});
  if (!args.positional().empty())
    throw cli::UsageError("unexpected argument '" + args.positional().front() + "'");
  if (args.has("model") && args.has("random-init"))
    throw cli::UsageError("give either --model DIR or --random-init PRESET, not both");
  if (args.has("image") && args.has("video"))
    throw cli::UsageError("give either --image or --video, not both");
  CommandLine c;
  for (const char* name : {"model", "random-init", "init-seed", "device", "dtype"})
    if (args.has(name)) {
      c.modelArgv.push_back(std::string("--") + name);
      c.modelArgv.push_back(args.str(name));
    }
  c.modelGiven = args.has("model") || args.has("random-init");
  c.llmLayers = static_cast<int>(args.integer("llm-layers", 0, 1, 1000));
  if (c.llmLayers && !args.has("random-init"))
    throw cli::UsageError("--llm-layers applies to --random-init only");
  c.image = qs(args.str("image", ""));
  c.video = qs(args.str("video", ""));
  c.frames = static_cast<int>(args.integer("frames", 0, 1, 64));
  c.question = qs(args.str("question", ""));
  c.method = qs(args.str("method", ""));
  c.budget = qs(args.str("budget", ""));
  for (const auto& p : args.all("param"))
    c.params << qs(p);
  c.positionIds = qs(args.str("position-ids", ""));
  c.compareMethod = qs(args.str("compare-method", ""));
  c.compareBudget = qs(args.str("compare-budget", ""));
  c.comparePositionIds = qs(args.str("compare-position-ids", ""));
  c.overlay = qs(args.str("overlay", ""));
  c.point = qs(args.str("point", ""));
  c.maxNewTokens = static_cast<int>(args.integer("max-new-tokens", 0, 1, 4096));
  c.screenshot = qs(args.str("screenshot", ""));
  c.quitAfterAnswer = args.flag("quit-after-answer");
  c.showGallery = args.flag("gallery");
  return c;
}

std::optional<ModelSpec> CommandLine::modelSpec() const {
  ModelSpec spec;
  spec.argv = modelArgv;
  spec.llmLayers = llmLayers;
  if (!modelGiven) {
    // The CLI's rule (VITCOP_MODEL_DIR, then resources/model); no model is a normal state for
    // the GUI, not an error.
    try {
      const auto dir = cli::modelDirFrom(cli::Args({}, {"model"}));
      spec.argv.insert(spec.argv.begin(), {"--model", dir.string()});
    } catch (const cli::UsageError&) {
      return std::nullopt;
    }
  }
  const cli::Args args(spec.argv, {"model", "random-init", "init-seed", "device", "dtype"});
  spec.label = args.has("random-init") ? qs("random-init " + args.str("random-init"))
                                       : qs(args.str("model"));
  if (llmLayers) spec.label += QStringLiteral(" (%1 LLM layers)").arg(llmLayers);
  return spec;
}

QString commandLineUsage() {
  return QCoreApplication::translate(
      "CommandLine",
      "vitcop-inspector [--model DIR | --random-init PRESET [--llm-layers N] [--init-seed S]]\n"
      "                 [--device auto|cpu|cuda] [--dtype auto|fast|f32|bf16|f16]\n"
      "                 [--image FILE | --video FILE [--frames N]] [--question TEXT]\n"
      "                 [--method NAME] [--budget N|P%] [--param NAME=VALUE ...]\n"
      "                 [--position-ids official|original] [--max-new-tokens N]\n"
      "                 [--compare-method NAME [--compare-budget N|P%] "
      "[--compare-position-ids M]]\n"
      "                 [--overlay kept|merged|heatmap|clusters|difference] [--point NAME]\n"
      "                 [--screenshot OUT.png] [--quit-after-answer] [--gallery]\n");
}

}  // namespace vitcop::inspector
