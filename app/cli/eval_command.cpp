// `vitcop eval`: accuracy of a model on a held-out set of generated scenes and clips, and the
// Stage-I class-token attention on objects (docs/training.md).
#include <iostream>
#include <sstream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "app/cli/default_model.h"
#include "core/pruning/method_registry.h"
#include "core/training/evaluate.h"

namespace {

int runEval(const std::vector<std::string>& argv) {
  using vitcop::cli::UsageError;
  const vitcop::cli::Args args(
      argv, {"model", "seed", "n", "frames", "types", "dtype", "method", "budget"}, {"json"},
      {"param"});
  if (!args.positional().empty())
    throw UsageError("unexpected argument '" + args.positional()[0] + "'");
  vitcop::training::EvalOptions o;
  o.seed = static_cast<uint64_t>(args.integer("seed", 0, 0, (1LL << 31) - 1));
  o.n = args.integer("n", 1000, 1, 10000000);
  o.clipFrames = static_cast<int>(args.integer("frames", 4, 1, 64));
  o.dtype = args.str("dtype", "auto");
  if (args.has("types")) {
    std::stringstream list(args.str("types"));
    for (std::string t; std::getline(list, t, ',');)
      o.types.push_back(vitcop::training::parseQuestionType(t));
  }
  // Any registered method; evaluate() checks the name, budget and parameters against the
  // checkpoint's config before loading weights.
  o.pruning.method = args.str("method", "none");
  o.pruning.budget = args.str("budget", "");
  o.pruning.params = args.all("param");
  vitcop::pruning::createMethod(o.pruning.method);  // an unknown name is the first thing to say
  if (o.pruning.method != "none" && o.pruning.budget.empty())
    throw UsageError("--method " + o.pruning.method + " needs --budget N or --budget P%");
  if (o.pruning.method == "none" && !o.pruning.budget.empty())
    throw UsageError("--budget needs a pruning --method");
  o.model = vitcop::cli::modelDirFrom(args);
  const bool json = args.flag("json");
  if (!json) o.log = [](const std::string& line) { std::cerr << line << std::endl; };
  const auto r = vitcop::training::evaluate(o);
  if (json) {
    std::cout << vitcop::training::toJson(r, o) << "\n";
    return 0;
  }
  std::printf("accuracy %.4f over %lld questions (%lld samples, %.1f s)\n", r.accuracy(),
              static_cast<long long>(r.questions), static_cast<long long>(r.samples), r.seconds);
  if (o.pruning.method != "none")
    std::printf("method %s, budget %s (%.2f visual tokens per LLM layer on a still)\n",
                o.pruning.method.c_str(), o.pruning.budget.c_str(), r.equivalentTokens);
  for (const auto& [type, s] : r.perType)
    std::printf("  %-18s %.4f  (%lld)\n", type.c_str(), s.accuracy(),
                static_cast<long long>(s.total));
  std::printf(
      "Stage-I CLS attention (block %lld): %.4f of the mass on object patches, %.4f of "
      "the area (%.2fx)\n",
      static_cast<long long>(r.stageIBlock), r.clsObjectMass, r.objectAreaShare,
      r.objectAreaShare > 0 ? r.clsObjectMass / r.objectAreaShare : 0.0);
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "eval", "accuracy and Stage-I attention of a model on held-out generated scenes",
    "vitcop eval [--model DIR] [--seed S] [--n N] [--frames F] [--types T1,T2,..]\n"
    "            [--method NAME --budget N|P% [--param NAME=VALUE ...]]\n"
    "            [--dtype auto|f32|bf16] [--json]\n"
    "  Generates N samples (default 1000; every fourth a clip shown with F frames, default 4)\n"
    "  from the evaluation seeds 2^31 + S .. 2^31 + S + N - 1, asks each of their questions\n"
    "  through the inference engine and reports accuracy overall and per question type, and the\n"
    "  share of the Stage-I block's class-token attention on object patches (>= 10 % covered)\n"
    "  next to their share of the area. --method prunes visual tokens as `vitcop ask` does\n"
    "  (`vitcop methods` lists them); --budget is the mean visual tokens per LLM layer or a\n"
    "  share of the visual tokens (11%). --json prints one object (accuracy, per_type,\n"
    "  cls_object_mass, object_area_share, method, budget, equivalent_tokens, ...).",
    runEval);

}  // namespace
