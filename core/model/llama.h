#pragma once
// LLaMA decoder (method-spec 1.8) as modules named like transformers' LlamaForCausalLM, so
// named_parameters() under "language_model." are the classic checkpoint names. Layers are run one
// by one by their callers (generation) with explicit position ids and a key/value store, so
// pruning can change the sequence between layers and every layer may cache a different length.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <utility>
#include <vector>

#include "core/checkpoint/llava_config.h"
#include "core/model/activation.h"
#include "core/model/layers.h"

namespace vitcop::model {

// cos/sin tables for given position ids, rotate_half layout (frequencies duplicated over both
// halves), computed in float32 and cast to the activation dtype (LQ-05). Linear RoPE scaling
// divides inv_freq by the factor as transformers 4.45 does (the same as positions / factor).
struct RopeTables {
  at::Tensor cos;  // [n, hd]
  at::Tensor sin;
};
RopeTables ropeTables(const at::Tensor& positions, const checkpoint::TextConfig& config,
                      c10::ScalarType dtype);
// x [B, H, n, hd] -> x*cos + rotate_half(x)*sin.
at::Tensor applyRope(const at::Tensor& x, const RopeTables& rope);

// Where a decoder layer stores its keys/values (post-RoPE) and what it then attends to.
class KvStore {
 public:
  virtual ~KvStore() = default;
  // k, v [1, n_kv, n, hd] of the new tokens; returns every cached key and value of the layer,
  // [1, n_kv, T, hd], the new ones last.
  virtual std::pair<at::Tensor, at::Tensor> append(const at::Tensor& k, const at::Tensor& v) = 0;
};

// Optional outputs of one decoder layer, computed only when asked for.
struct DecoderLayerExtras {
  std::vector<int64_t> probRows;  // query rows whose attention probabilities to return
  bool allProbRows = false;
  bool capture = false;                    // keep q/k before and after RoPE and v (oracle tests)
  at::Tensor probs;                        // out: [1, n_h, R, T] float32
  at::Tensor qPre, kPre, qPost, kPost, v;  // out: [1, heads, n, hd]
};

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  LlamaAttentionImpl(const checkpoint::TextConfig& config, const at::TensorOptions& options);
  // x [1, n, d]. Without a store the layer attends to the new tokens only.
  at::Tensor forward(const at::Tensor& x, const RopeTables& rope, KvStore* store,
                     DecoderLayerExtras* extras) const;
  // Probabilities [1, n_h, R, n] float32 of query rows `rows` of x [1, n, d] (already normed)
  // over x's own n tokens, causal by index, with this layer's q/k projections and RoPE: the
  // ranking of PyramidDrop (method-spec 3.3), which needs one layer's attention pattern without
  // running it. No values, output or cache are touched.
  at::Tensor probe(const at::Tensor& x, const RopeTables& rope,
                   const std::vector<int64_t>& rows) const;
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  int64_t numHeads, numKvHeads, headDim;
};
TORCH_MODULE(LlamaAttention);

class LlamaMlpImpl : public torch::nn::Module {
 public:
  LlamaMlpImpl(const checkpoint::TextConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
  Activation act;
};
TORCH_MODULE(LlamaMlp);

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  LlamaDecoderLayerImpl(const checkpoint::TextConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, const RopeTables& rope, KvStore* store = nullptr,
                     DecoderLayerExtras* extras = nullptr) const;
  // self_attn->probe on input_layernorm(x): the layer's attention pattern for `rows` of x
  // [1, n, d] without running the layer.
  at::Tensor probeAttention(const at::Tensor& x, const RopeTables& rope,
                            const std::vector<int64_t>& rows) const;
  RmsNorm input_layernorm{nullptr};
  LlamaAttention self_attn{nullptr};
  RmsNorm post_attention_layernorm{nullptr};
  LlamaMlp mlp{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

class LlamaModelImpl : public torch::nn::Module {
 public:
  LlamaModelImpl(const checkpoint::TextConfig& config, const at::TensorOptions& options);
  LlamaDecoderLayer& block(int64_t i) { return blocks.at(static_cast<size_t>(i)); }
  Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  std::vector<LlamaDecoderLayer> blocks;  // the same modules, typed
  RmsNorm norm{nullptr};
};
TORCH_MODULE(LlamaModel);

class LlamaForCausalLmImpl : public torch::nn::Module {
 public:
  LlamaForCausalLmImpl(const checkpoint::TextConfig& config, const at::TensorOptions& options);
  // Token embeddings in the activation dtype: ids int64 [1, n] -> [1, n, d].
  at::Tensor embed(const at::Tensor& ids) const;
  // float32 logits of the final-normed hidden states h [1, n, d] (transformers upcasts).
  at::Tensor logits(const at::Tensor& h) const;
  // The output-projection matrix [V, d]: lm_head.weight, or the embeddings when tied.
  const at::Tensor& headWeight() const;
  LlamaModel model{nullptr};
  Linear lm_head{nullptr};  // absent (nullptr) with tie_word_embeddings
  checkpoint::TextConfig config;
};
TORCH_MODULE(LlamaForCausalLm);

}  // namespace vitcop::model
