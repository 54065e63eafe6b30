#pragma once
// Runs a LlavaModel: vision encode -> projector -> splice -> prefill over a per-layer KV cache
// -> decode (method-spec 1.5-1.9), with explicit position ids per layer (RoPE uses each token's
// own id, gaps allowed), the pruning hook points of hooks.h, cooperative cancellation and timings.
#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/generation/cancellation.h"
#include "core/generation/hooks.h"
#include "core/generation/kv_cache.h"
#include "core/generation/sampling.h"
#include "core/model/llava_model.h"
#include "core/model/prompt_layout.h"

namespace vitcop::generation {

struct RunControl {
  InferenceHooks* hooks = nullptr;
  const std::atomic<bool>* cancel = nullptr;  // polled between layers and between tokens
};

// Everything a prefill leaves for decoding, and for inspection afterwards.
struct InferenceState {
  KvCache cache;
  // Spliced prompt length entering the LLM (before any in-LLM pruning).
  int64_t promptLength = 0;
  // Per layer, the position of decode step 0 under the hooks' DecodePositions rule: promptLength
  // everywhere (method-spec 1.9, 2.8), or each layer's prompt cache length.
  std::vector<int64_t> decodeStart;
  int64_t generated = 0;  // tokens fed by decode() so far
  // Position id the next decode step gets in layer `layer`.
  int64_t decodePosition(int64_t layer) const {
    return decodeStart.at(static_cast<size_t>(layer)) + generated;
  }
  std::map<int64_t, at::Tensor> attention;  // probabilities hooks asked for in prefill
  // Instrumentation: query rows whose attention probabilities the decoder layers materialised
  // (prefill; decode never computes any). 0 means every layer ran the fused kernel.
  int64_t probabilityRows = 0;
  at::Tensor lastLogits;  // [V] float32 of the last position fed
};

struct EncodedImages {
  std::vector<model::VisualTokens> images;  // one per frame of pixel_values
  double milliseconds = 0.0;
};

struct GenerationOptions {
  int64_t maxNewTokens = 0;
  bool stopAtEos = true;
  std::optional<int64_t> eosTokenId;  // default: the config's eos_token_id
  SamplingOptions sampling;           // temperature 0 = greedy
  bool allPrefillLogits = false;      // keep logits of every prompt position, not only the last
  bool keepStepLogits = false;        // keep the logits that chose each generated token
  std::function<void(int64_t token, int64_t step)> onToken;  // streaming, called per token
  RunControl control;
};

struct GenerationResult {
  std::vector<int64_t> tokens;
  bool stoppedAtEos = false;
  at::Tensor prefillLogits;            // [n_final, V] or [1, V] float32
  std::vector<at::Tensor> stepLogits;  // [V] each, with keepStepLogits
  EncodedImages visual;                // the visual tokens that entered the LLM
  double visionMs = 0.0;
  double prefillMs = 0.0;
  std::vector<double> decodeMs;  // per decode step
  int64_t kvCacheAllocatedBytes = 0;
  int64_t kvCacheUsedBytes = 0;
  std::shared_ptr<InferenceState> state;  // per-layer cache lengths, positions, token origins
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const model::LlavaModel> model);
  const model::LlavaModel& model() const { return *model_; }

  // pixel values [F, C, S, S] (each frame an image) -> projected visual tokens per frame.
  EncodedImages encodeImages(const at::Tensor& pixelValues, const RunControl& control = {}) const;

  // One forward over the spliced prompt; fills `state` (replacing what it held). inputIds in
  // expanded or legacy form. Returns float32 logits [n_final, V] with allLogits, else [1, V].
  // `reserveTokens` preallocates every layer's cache for that many decode steps.
  at::Tensor prefill(InferenceState& state, const std::vector<int64_t>& inputIds,
                     const std::vector<model::VisualTokens>& images, const RunControl& control,
                     bool allLogits = false, int64_t reserveTokens = 0) const;

  // Feeds one token at position state.decodePosition(l) in each layer l; returns its logits [V]
  // float32.
  at::Tensor decode(InferenceState& state, int64_t token, const RunControl& control = {}) const;

  // encode (when pixelValues is defined) + prefill + decode loop.
  GenerationResult generate(const std::vector<int64_t>& inputIds, const at::Tensor& pixelValues,
                            const GenerationOptions& options) const;

 private:
  std::shared_ptr<const model::LlavaModel> model_;
};

}  // namespace vitcop::generation
