#pragma once
// Ask one question about an image or a video: preprocess (CLIPImageProcessor semantics), build
// the LLaVA-1.5 prompt, encode, prefill, decode. What the CLI's `vitcop ask` and the GUI's
// worker run.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/generation/engine.h"
#include "core/pruning/method.h"
#include "core/session/loaded_model.h"
#include "core/text/prompt_template.h"
#include "core/trace/timings.h"

namespace vitcop::session {

// Which pruning method runs, at which budget, with which parameters (`vitcop ask --method
// ... --budget ... --param ... --position-ids ...`).
struct PruningRequest {
  std::string method = "none";
  std::string budget;               // "64" (tokens per layer) or "11%" of the visual tokens
  std::vector<std::string> params;  // NAME=VALUE
  std::string positionIds = "official";
  uint64_t seed = 0;
};

// Creates and configures the method for this model and frame count: every parameter check
// (unknown method, bad budget, v <= 0, S >= D, ...) happens here, before any model compute.
std::unique_ptr<pruning::PruningMethod> preparePruning(const checkpoint::LlavaConfig& config,
                                                       const PruningRequest& request,
                                                       int64_t frames);

struct AskRequest {
  std::optional<std::filesystem::path> image;
  std::optional<std::filesystem::path> video;
  int frames = 8;  // frames sampled uniformly from a video
  std::string question;
  int64_t maxNewTokens = 64;
  generation::SamplingOptions sampling;  // temperature 0 = greedy
  text::PromptTemplate promptTemplate = text::PromptTemplate::LlavaHf;
  PruningRequest pruning;
  std::function<void(const std::string& piece)> onText;  // streamed text of each new token
  const std::atomic<bool>* cancel = nullptr;             // polled between layers and between tokens
};

struct AskResult {
  std::string answer;
  std::vector<int64_t> answerIds;
  bool stoppedAtEos = false;
  int64_t promptTokens = 0;  // spliced prompt length (text + visual)
  int64_t visualTokens = 0;  // visual tokens that entered the LLM
  int64_t frames = 0;
  trace::RunTimings timings;  // "preprocess", "vision encode", "prefill", "decode"
  std::vector<double> decodeMs;
  int64_t kvCacheBytes = 0;
  int64_t peakRssBytes = 0;
  std::vector<int64_t> kvCacheLengths;  // per LLM layer after the run (pruning shortens them)
  // LLM attention-probability rows the engine computed in prefill (0 unless a method asked).
  int64_t llmProbabilityRows = 0;
  pruning::MethodPlan plan;  // the method's resolved schedule
  double selectionMs = 0.0;  // time in the method's own selection code
  trace::RunTrace trace;     // every point of the pipeline, ready for --trace / the GUI
};

// Throws std::invalid_argument (naming the option) when neither or both of image/video are
// given, the question is empty or a count is out of range; imaging/tokenizer errors name the file.
AskResult ask(const LoadedModel& model, const AskRequest& request);

}  // namespace vitcop::session
