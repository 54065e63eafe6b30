#pragma once
// Ask one question about an image or a video: preprocess (CLIPImageProcessor semantics), build
// the LLaVA-1.5 prompt, encode, prefill, decode. What the CLI's `vitcop ask` and the GUI's
// worker run.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/generation/engine.h"
#include "core/session/loaded_model.h"
#include "core/text/prompt_template.h"
#include "core/trace/timings.h"

namespace vitcop::session {

struct AskRequest {
  std::optional<std::filesystem::path> image;
  std::optional<std::filesystem::path> video;
  int frames = 8;  // frames sampled uniformly from a video
  std::string question;
  int64_t maxNewTokens = 64;
  generation::SamplingOptions sampling;  // temperature 0 = greedy
  text::PromptTemplate promptTemplate = text::PromptTemplate::LlavaHf;
  std::function<void(const std::string& piece)> onText;  // streamed text of each new token
  generation::RunControl control;
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
};

// Throws std::invalid_argument (naming the option) when neither or both of image/video are
// given, the question is empty or a count is out of range; imaging/tokenizer errors name the file.
AskResult ask(const LoadedModel& model, const AskRequest& request);

}  // namespace vitcop::session
