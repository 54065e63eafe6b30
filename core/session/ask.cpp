#include "core/session/ask.h"

#include <ATen/ops/cat.h>

#include <stdexcept>

#include "core/imaging/image_io.h"
#include "core/imaging/preprocess.h"
#include "core/imaging/video_frames.h"
#include "core/pruning/method_registry.h"
#include "core/pruning/model_geometry.h"
#include "core/pruning/pruning_error.h"
#include "core/text/prompt_template.h"
#include "gpu/memory_probe.h"
#include "gpu/timer.h"

namespace vitcop::session {
namespace {

void validate(const AskRequest& r) {
  if (r.image.has_value() == r.video.has_value())
    throw std::invalid_argument(r.image ? "give either --image or --video, not both"
                                        : "no input: give --image FILE or --video FILE");
  if (r.question.empty()) throw std::invalid_argument("--question is empty");
  if (r.video && (r.frames < 1 || r.frames > 64))
    throw std::invalid_argument("--frames " + std::to_string(r.frames) + " is outside [1, 64]");
  if (r.maxNewTokens < 1) throw std::invalid_argument("--max-new-tokens must be at least 1");
}

// The RGB frames to encode: one for an image, N sampled uniformly for a video.
std::vector<cv::Mat> loadFrames(const AskRequest& r) {
  if (r.image) return {imaging::loadImageRgb8(*r.image)};
  std::vector<cv::Mat> frames;
  for (auto& f : imaging::sampleVideoFrames(*r.video, r.frames).frames)
    frames.push_back(f.rgb);
  return frames;
}

// A video's frames form one contiguous visual sequence, frame after frame (LLaVA-style): the
// prompt carries one image placeholder per frame, side by side.
std::string promptFor(const AskRequest& r, size_t frames) {
  std::string prompt = text::buildPrompt(r.promptTemplate, r.question, true);
  if (frames <= 1) return prompt;
  std::string placeholders;
  for (size_t i = 0; i < frames; ++i)
    placeholders += text::kImagePlaceholder;
  const auto at = prompt.find(text::kImagePlaceholder);
  return prompt.replace(at, std::string(text::kImagePlaceholder).size(), placeholders);
}

// The text of generated ids. The LM head may be wider than the tokenizer (llava-hf pads 32002
// tokens to 32064 rows, LQ-08) and greedy argmax ranges over every row, so an id with no token
// can be generated; like Hugging Face's decode, it contributes no text.
std::string answerText(const text::Tokenizer& tokenizer, const std::vector<int64_t>& ids) {
  std::vector<int64_t> known;
  for (int64_t id : ids)
    if (id >= 0 && id < tokenizer.vocabSize()) known.push_back(id);
  return tokenizer.decode(known);
}

}  // namespace

std::unique_ptr<pruning::PruningMethod> preparePruning(const checkpoint::LlavaConfig& config,
                                                       const PruningRequest& request,
                                                       int64_t frames) {
  auto method = pruning::createMethod(request.method);
  pruning::MethodRequest r;
  r.geometry = pruning::ModelGeometry::fromConfig(config, frames);
  r.positions = pruning::parsePositionMode(request.positionIds);
  r.params = pruning::ParamValues::parse(request.params);
  r.seed = request.seed;
  if (!request.budget.empty()) {
    if (!method->info().needsBudget)
      throw pruning::PruningError("method " + request.method + " takes no --budget");
    r.budget = pruning::parseBudget(request.budget, r.geometry.visual.visualTokens());
  }
  method->configure(r);
  return method;
}

AskResult ask(const LoadedModel& loaded, const AskRequest& request) {
  validate(request);
  const auto& config = loaded.config();
  const auto& tokenizer = loaded.tokenizer();
  AskResult result;
  gpu::Timer timer(loaded.model().device());

  const std::vector<cv::Mat> frames = loadFrames(request);
  // Every method parameter is checked here, before any model compute.
  const auto method = preparePruning(config, request.pruning, static_cast<int64_t>(frames.size()));
  std::vector<at::Tensor> pixels;
  for (const auto& rgb : frames)
    pixels.push_back(imaging::preprocessImage(rgb, loaded.imageProcessor()).pixelValues);
  const at::Tensor pixelValues = at::cat(pixels, 0);
  result.frames = static_cast<int64_t>(frames.size());

  const text::PromptIds prompt =
      text::buildInputIds(tokenizer, promptFor(request, frames.size()), config.imageTokenIndex,
                          config.imageTokensPerImage(), text::ImageTokenForm::Expanded);
  result.timings.add("preprocess", timer.elapsedMs());

  generation::GenerationOptions options;
  options.maxNewTokens = request.maxNewTokens;
  options.stopAtEos = true;
  options.eosTokenId = tokenizer.eosId();
  options.sampling = request.sampling;
  options.control.cancel = request.cancel;
  options.control.hooks = method.get();
  std::vector<int64_t> sofar;
  std::string shown;
  if (request.onText) {
    // Decode the whole answer so far and emit what is new: SentencePiece pieces only become
    // text in context (leading-space rule, multi-byte characters split over byte pieces).
    options.onToken = [&](int64_t token, int64_t) {
      sofar.push_back(token);
      const std::string text = answerText(tokenizer, sofar);
      if (text.size() > shown.size() && text.compare(0, shown.size(), shown) == 0) {
        request.onText(text.substr(shown.size()));
        shown = text;
      }
    };
  }
  const generation::GenerationResult g = loaded.engine().generate(prompt.ids, pixelValues, options);

  result.answerIds = g.tokens;
  if (!result.answerIds.empty() && result.answerIds.back() == tokenizer.eosId())
    result.answerIds.pop_back();
  result.answer = answerText(tokenizer, result.answerIds);
  result.stoppedAtEos = g.stoppedAtEos;
  for (const auto& img : g.visual.images)
    result.visualTokens += img.embeds.size(0);
  result.promptTokens = static_cast<int64_t>(prompt.ids.size()) -
                        static_cast<int64_t>(prompt.imagePositions.size()) + result.visualTokens;
  result.timings.add("vision encode", g.visionMs);
  result.timings.add("prefill", g.prefillMs);
  double decodeTotal = 0.0;
  for (double ms : g.decodeMs)
    decodeTotal += ms;
  result.timings.add("decode", decodeTotal);
  result.decodeMs = g.decodeMs;
  result.kvCacheBytes = g.kvCacheUsedBytes;
  result.peakRssBytes = gpu::sampleMemory(loaded.model().device()).peakBytes;
  result.kvCacheLengths = g.state->cache.lengths();
  result.llmProbabilityRows = g.state->probabilityRows;
  result.plan = method->plan();
  result.selectionMs = method->selectionMs();
  result.timings.add("selection (inside vision encode and prefill)", result.selectionMs);

  trace::RunTrace& t = method->trace();
  t.model = loaded.source();
  t.inputs = {request.image ? request.image->string() : request.video->string()};
  t.question = request.question;
  t.answer = result.answer;
  t.timings = result.timings;
  result.trace = std::move(t);
  return result;
}

}  // namespace vitcop::session
