#pragma once
// Hook points for visual-token pruning (the methods of method-spec sections 2 and 3 plug in
// here). The engine calls them during vision encoding and prefill; a hook may inspect, and may
// select, reorder or merge visual tokens: the sequence, the position ids, the per-token origins
// and therefore every later layer's KV cache follow. Expensive extras (attention
// probabilities, vision keys) are computed only when a hook asks for them.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "core/model/prompt_layout.h"
#include "core/model/token_info.h"

namespace vitcop::generation {

class KvCache;

using Origins = std::vector<std::vector<int32_t>>;  // per token: the patches it carries

// After vision block `layer` ran. Row 0 of every frame is its class token and must stay there.
struct VisionLayerView {
  int64_t layer = 0;
  at::Tensor hidden;             // [F, T, Dv] output of the block; may be replaced
  std::vector<Origins> origins;  // per frame, T entries; replace together with `hidden`
  at::Tensor clsAttention;       // [F, Hv, T] float32 CLS-query row, when wantsVisionClsAttention
  at::Tensor keys;               // [F, T, Dv] k_proj output of the block, when wantsVisionKeys
};

// After the projector: one entry per image (frame), rows in raster order unless a vision hook
// reordered them. `features` are the projector inputs (after feature-layer selection and the
// select strategy), read-only.
struct ProjectorView {
  std::vector<model::VisualTokens> images;  // may be edited (select/reorder/merge rows)
  std::vector<at::Tensor> features;         // per image [N, Dv * feature layers]
};

// Before decoder layer `layer` runs in prefill (method-spec 0.5: acting on its input).
struct DecoderLayerView {
  int64_t layer = 0;
  at::Tensor hidden;                     // [n, d] input of the layer; may be replaced
  std::vector<int64_t> positions;        // n position ids (gaps allowed); may be replaced
  std::vector<model::TokenInfo> tokens;  // n; may be replaced
  const KvCache* cache = nullptr;        // layers < `layer` already hold their keys (post-RoPE)
  // Attention probabilities asked for so far: layer -> [n_h, R, T_layer] float32, rows in the
  // order the hook asked for them.
  const std::map<int64_t, at::Tensor>* attention = nullptr;
  // Probabilities [n_h, R, n] float32 of these query rows of the sequence as the view holds it
  // now (hidden, positions), computed with layer `layer`'s own input norm, q/k projections and
  // RoPE, causal by index, WITHOUT running the layer (PyramidDrop's ranking, method-spec 3.3
  // PQ-01). Each row counts in InferenceState::probabilityRows. Set by the engine.
  std::function<at::Tensor(const std::vector<int64_t>& rows)> probeAttention;
  // The decoder's final RMSNorm (model.norm) on [..., d] states: DART's similarity space
  // (method-spec 3.5 DQ-06). Set by the engine.
  std::function<at::Tensor(const at::Tensor& hidden)> finalNorm;

  // [first, last + 1) of the visual tokens, {-1, -1} when there are none.
  std::pair<int64_t, int64_t> visualSpan() const;
  // Keeps exactly these rows in this order; hidden, positions and tokens follow. Throws
  // std::out_of_range naming the bad row.
  void select(const std::vector<int64_t>& rows);
};

// Where decode step j sits in each layer's RoPE numbering (method-spec 3.10, "decode
// positions"). A method declares it; the engine never guesses it from the cache.
enum class DecodePositions {
  // n + j in every layer, n = the spliced prompt length entering the LLM (transformers derives
  // it from the attention mask): the unpruned model, ViTCoP (VQ-31), FastV, DART, and every
  // method that prunes before the LLM (there n is already the pruned length n').
  PromptLength,
  // That layer's prompt cache length + j: SparseVLM (SQ-04) and PyramidDrop (step 7 / PQ-02),
  // whose contiguous renumbering makes the decode token follow each layer's own sequence.
  LayerCacheLength,
};

class InferenceHooks {
 public:
  virtual ~InferenceHooks() = default;
  virtual bool wantsVisionClsAttention(int64_t layer) {
    (void)layer;
    return false;
  }
  virtual bool wantsVisionKeys(int64_t layer) {
    (void)layer;
    return false;
  }
  virtual void afterVisionLayer(VisionLayerView& view) { (void)view; }
  virtual void afterProjector(ProjectorView& view) { (void)view; }
  virtual void beforeDecoderLayer(DecoderLayerView& view) { (void)view; }
  // Query rows (of the sequence the layer runs on, after beforeDecoderLayer) whose attention
  // probabilities the hook wants from layer view.layer; empty keeps the fused kernel.
  virtual std::vector<int64_t> attentionRows(const DecoderLayerView& view) {
    (void)view;
    return {};
  }
  // Read once, when prefill ends.
  virtual DecodePositions decodePositions() const { return DecodePositions::PromptLength; }
};

}  // namespace vitcop::generation
