// `vitcop ask`: answer a question about an image or a video. Streams the answer as it is
// generated; --json prints one object with the answer, timings, memory and token counts.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "app/cli/default_model.h"
#include "core/pruning/method_registry.h"
#include "core/session/ask.h"

namespace {

int runAsk(const std::vector<std::string>& argv) {
  using vitcop::cli::UsageError;
  const vitcop::cli::Args args(
      argv,
      {"model", "random-init", "init-seed", "image", "video", "frames", "question",
       "max-new-tokens", "temperature", "top-p", "seed", "template", "device", "dtype", "method",
       "budget", "position-ids", "trace"},
      {"json"}, {"param"});
  vitcop::session::AskRequest request;
  if (args.has("image")) request.image = args.str("image");
  if (args.has("video")) request.video = args.str("video");
  if (!request.image && !request.video) throw UsageError("give --image FILE or --video FILE");
  if (request.image && request.video) throw UsageError("give either --image or --video, not both");
  if (args.has("frames") && !request.video) throw UsageError("--frames applies to --video only");
  request.frames = static_cast<int>(args.integer("frames", 8, 1, 64));
  request.question = args.str("question");
  request.maxNewTokens = args.integer("max-new-tokens", 64, 1, 4096);
  request.sampling.temperature = args.number("temperature", 0.0, 0.0, 100.0);
  request.sampling.topP = args.number("top-p", 1.0, 1e-6, 1.0);
  request.sampling.seed = static_cast<uint64_t>(args.integer("seed", 0, 0, INT64_MAX));
  request.promptTemplate = vitcop::text::parsePromptTemplate(args.str("template", "llava-hf"));
  const bool json = args.flag("json");
  auto& pruning = request.pruning;
  pruning.method = args.str("method", "none");
  pruning.budget = args.str("budget", "");
  pruning.params = args.all("param");
  pruning.positionIds = args.str("position-ids", "official");
  pruning.seed = request.sampling.seed;
  if (pruning.method != "none" && pruning.budget.empty())
    throw UsageError("--method " + pruning.method + " needs --budget N or --budget P%");
  const std::string tracePath = args.str("trace", "");

  // Check the method and its parameters against the model's geometry before loading weights
  // (a full-size model takes a minute to load); a video is assumed to yield --frames frames.
  vitcop::session::preparePruning(vitcop::cli::modelConfigFrom(args), pruning,
                                  request.video ? request.frames : 1);
  const auto model = vitcop::cli::openModel(args);

  if (!json) request.onText = [](const std::string& piece) { std::cout << piece << std::flush; };
  const auto r = vitcop::session::ask(*model, request);
  if (!tracePath.empty()) {
    // Written through a temporary file so a failed write never leaves half a trace.
    const std::string tmp = tracePath + ".part";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << r.trace.toJson(1) << "\n";
      if (!out) throw std::runtime_error("--trace: cannot write " + tracePath);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, tracePath, ec);
    if (ec) throw std::runtime_error("--trace: cannot write " + tracePath + ": " + ec.message());
  }
  if (!json) {
    std::cout << "\n";
    return 0;
  }
  nlohmann::json timings = nlohmann::json::object();
  timings["load_ms"] = model->loadMs();
  for (const auto& s : r.timings.stages)
    timings[s.stage + "_ms"] = s.milliseconds;
  timings["decode_ms_per_token"] = r.decodeMs;
  nlohmann::json out = {
      {"answer", r.answer},
      {"answer_ids", r.answerIds},
      {"stopped_at_eos", r.stoppedAtEos},
      {"timings", timings},
      {"memory", {{"peak_rss_bytes", r.peakRssBytes}, {"kv_cache_bytes", r.kvCacheBytes}}},
      {"tokens",
       {{"prompt", r.promptTokens},
        {"visual", r.visualTokens},
        {"generated", static_cast<int64_t>(r.answerIds.size())},
        {"frames", r.frames}}},
      {"pruning",
       {{"method", r.trace.method},
        {"budget", r.trace.budget},
        {"equivalent_tokens", r.trace.equivalentTokens},
        {"prefill_flops", r.trace.prefillFlops},
        {"layer_visual_tokens", r.trace.layerVisualCounts()},
        {"planned_layer_visual_tokens", r.plan.layerVisualTokens},
        {"kv_cache_lengths", r.kvCacheLengths},
        {"selection_ms", r.selectionMs},
        {"llm_attention_probability_rows", r.llmProbabilityRows},
        {"params", r.plan.resolved}}}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "ask", "answer a question about an image or a video",
    "vitcop ask [--model DIR | --random-init llava-1.5-7b|llava-1.5-13b [--init-seed S]]\n"
    "           (--image FILE | --video FILE [--frames N]) --question TEXT\n"
    "           [--method NAME --budget N|P% [--param NAME=VALUE ...]\n"
    "            [--position-ids official|original]] [--trace OUT.json]\n"
    "           [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S]\n"
    "           [--template llava-hf|vicuna_v1|llava_v1] [--device auto|cpu|cuda] [--dtype "
    "auto|fast|f32|bf16|f16]\n"
    "           [--json]\n"
    "  Streams the answer (greedy unless --temperature > 0). --json prints the answer with "
    "timings\n"
    "  (vision encode, prefill, decode per token), memory, token counts and the pruning\n"
    "  schedule. --method prunes visual tokens (`vitcop methods` lists them and their\n"
    "  parameters); --budget is the mean visual tokens per LLM layer (64) or a share of\n"
    "  the model's visual tokens (11%). --trace writes what survived where (docs/trace-format.md).",
    runAsk);

}  // namespace
