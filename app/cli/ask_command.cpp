// `vitcop ask`: answer a question about an image or a video. Streams the answer as it is
// generated; --json prints one object with the answer, timings, memory and token counts.
#include <nlohmann/json.hpp>

#include <iostream>

#include "app/cli/args.h"
#include "app/cli/command_registry.h"
#include "app/cli/default_model.h"
#include "core/session/ask.h"

namespace {

int runAsk(const std::vector<std::string>& argv) {
  using vitcop::cli::UsageError;
  const vitcop::cli::Args args(argv,
                               {"model", "image", "video", "frames", "question", "max-new-tokens",
                                "temperature", "top-p", "seed", "template", "device", "dtype"},
                               {"json"});
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

  vitcop::session::LoadOptions load;
  load.device = args.str("device", "auto");
  load.dtype = args.str("dtype", "auto");
  const auto model = vitcop::session::LoadedModel::load(vitcop::cli::modelDirFrom(args), load);

  if (!json) request.onText = [](const std::string& piece) { std::cout << piece << std::flush; };
  const auto r = vitcop::session::ask(*model, request);
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
        {"frames", r.frames}}}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

VITCOP_REGISTER_COMMAND(
    "ask", "answer a question about an image or a video",
    "vitcop ask [--model DIR] (--image FILE | --video FILE [--frames N]) --question TEXT\n"
    "           [--max-new-tokens N] [--temperature T] [--top-p P] [--seed S]\n"
    "           [--template llava-hf|vicuna_v1|llava_v1] [--device auto|cpu|cuda] [--dtype "
    "auto|fast|f32|bf16|f16]\n"
    "           [--json]\n"
    "  Streams the answer (greedy unless --temperature > 0). --json prints the answer with "
    "timings\n"
    "  (vision encode, prefill, decode per token), memory and token counts.",
    runAsk);

}  // namespace
