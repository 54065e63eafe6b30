#include "core/model/llama.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/outer.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/reciprocal.h>
#include <ATen/ops/tensor.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "gpu/attention.h"
#include "gpu/rope.h"

namespace vitcop::model {

RopeTables ropeTables(const at::Tensor& positions, const checkpoint::TextConfig& config,
                      c10::ScalarType dtype) {
  const int64_t hd = config.headDim;
  const auto f32 = positions.options().dtype(at::kFloat);
  // inv_freq = 1 / theta^(arange(0, hd, 2) / hd), all float32 as transformers computes it.
  const at::Tensor exponent = at::arange(0, hd, 2, positions.options().dtype(at::kLong))
                                  .to(at::kFloat)
                                  .div(static_cast<double>(hd));
  at::Tensor invFreq = at::reciprocal(at::pow(config.ropeTheta, exponent));
  if (config.ropeLinearFactor != 1.0) invFreq = invFreq / config.ropeLinearFactor;
  const at::Tensor freqs = at::outer(positions.to(f32), invFreq);  // [n, hd/2]
  const at::Tensor emb = at::cat({freqs, freqs}, -1);
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor applyRope(const at::Tensor& x, const RopeTables& rope) {
  // One pass, bit-identical, where gpu/ has the kernel (gpu/rope.h).
  if (at::Tensor y = gpu::fusedRope(x, rope.cos, rope.sin); y.defined()) return y;
  const int64_t half = x.size(-1) / 2;
  const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * rope.cos + rotated * rope.sin;
}

LlamaAttentionImpl::LlamaAttentionImpl(const checkpoint::TextConfig& config,
                                       const at::TensorOptions& options)
    : numHeads(config.numHeads), numKvHeads(config.numKvHeads), headDim(config.headDim) {
  const int64_t d = config.hiddenSize;
  const bool bias = config.attentionBias;
  q_proj = register_module("q_proj", Linear(d, numHeads * headDim, bias, options));
  k_proj = register_module("k_proj", Linear(d, numKvHeads * headDim, bias, options));
  v_proj = register_module("v_proj", Linear(d, numKvHeads * headDim, bias, options));
  o_proj = register_module("o_proj", Linear(numHeads * headDim, d, bias, options));
}

at::Tensor LlamaAttentionImpl::forward(const at::Tensor& x, const RopeTables& rope, KvStore* store,
                                       DecoderLayerExtras* extras) const {
  const int64_t b = x.size(0), n = x.size(1);
  auto heads = [&](const at::Tensor& y, int64_t h) {
    return y.view({b, n, h, headDim}).transpose(1, 2);
  };
  const auto qkv = linearGroupForward(x, {q_proj.get(), k_proj.get(), v_proj.get()});
  const at::Tensor q = heads(qkv[0], numHeads);
  const at::Tensor k = heads(qkv[1], numKvHeads);
  at::Tensor v = heads(qkv[2], numKvHeads);
  const at::Tensor qr = applyRope(q, rope);
  const at::Tensor kr = applyRope(k, rope);
  gpu::AttentionOptions opts;
  opts.causal = true;  // by slot order: cached tokens precede the new ones
  if (extras) {
    opts.probRows = extras->probRows;
    opts.allProbRows = extras->allProbRows;
    if (extras->capture) {
      extras->qPre = q;
      extras->kPre = k;
      extras->qPost = qr;
      extras->kPost = kr;
      extras->v = v;
    }
  }
  at::Tensor keys = kr, values = v;
  if (store) std::tie(keys, values) = store->append(kr, v);
  gpu::AttentionResult r = gpu::attention(qr, keys, values, opts);
  if (extras) extras->probs = r.probs;
  return o_proj->forward(r.output.transpose(1, 2).reshape({b, n, numHeads * headDim}));
}

at::Tensor LlamaAttentionImpl::probe(const at::Tensor& x, const RopeTables& rope,
                                     const std::vector<int64_t>& rows) const {
  const int64_t n = x.size(1), R = static_cast<int64_t>(rows.size());
  for (int64_t r : rows)
    if (r < 0 || r >= n)
      throw std::out_of_range("attention probe: row " + std::to_string(r) + " outside [0, " +
                              std::to_string(n) + ")");
  const at::Tensor idx = at::tensor(rows, x.options().dtype(at::kLong));
  // Only the asked rows go through q_proj: PyramidDrop needs one row of a 7B layer, not n.
  const at::Tensor q =
      q_proj->forward(x.index_select(1, idx)).view({1, R, numHeads, headDim}).transpose(1, 2);
  const at::Tensor k = k_proj->forward(x).view({1, n, numKvHeads, headDim}).transpose(1, 2);
  const at::Tensor qr =
      applyRope(q, RopeTables{rope.cos.index_select(0, idx), rope.sin.index_select(0, idx)});
  at::Tensor kr = applyRope(k, rope);
  // GQA: query head h reads KV head h / (n_h / n_kv) (method-spec 3.3 PQ-04).
  if (numHeads != numKvHeads) kr = kr.repeat_interleave(numHeads / numKvHeads, 1);
  // Scores in the activation dtype (float32 for float16 storage on CPU, where LibTorch 1.13
  // has no half GEMM), softmax in float32, as the upstream ranking and gpu::attention do.
  at::Tensor scores =
      qr.matmul(kr.transpose(2, 3)).mul_(1.0 / std::sqrt(static_cast<double>(headDim)));
  const at::Tensor keys = at::arange(n, idx.options());
  const at::Tensor future = keys.unsqueeze(0).gt(idx.unsqueeze(1));  // [R, n]
  scores = scores.to(at::kFloat).masked_fill_(future, -std::numeric_limits<float>::infinity());
  return scores.softmax(-1);
}

LlamaMlpImpl::LlamaMlpImpl(const checkpoint::TextConfig& config, const at::TensorOptions& options)
    : act(parseActivation(config.hiddenAct, "text_config.hidden_act")) {
  const int64_t d = config.hiddenSize, m = config.intermediateSize;
  gate_proj = register_module("gate_proj", Linear(d, m, config.mlpBias, options));
  up_proj = register_module("up_proj", Linear(d, m, config.mlpBias, options));
  down_proj = register_module("down_proj", Linear(m, d, config.mlpBias, options));
}

at::Tensor LlamaMlpImpl::forward(const at::Tensor& x) const {
  const auto gateUp = linearGroupForward(x, {gate_proj.get(), up_proj.get()});
  at::Tensor gate = activate(gateUp[0], act);
  gate.mul_(gateUp[1]);  // gate is a fresh temporary: in place is safe
  return down_proj->forward(gate);
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const checkpoint::TextConfig& config,
                                             const at::TensorOptions& options) {
  input_layernorm =
      register_module("input_layernorm", RmsNorm(config.hiddenSize, config.rmsNormEps, options));
  self_attn = register_module("self_attn", LlamaAttention(config, options));
  post_attention_layernorm = register_module(
      "post_attention_layernorm", RmsNorm(config.hiddenSize, config.rmsNormEps, options));
  mlp = register_module("mlp", LlamaMlp(config, options));
}

at::Tensor LlamaDecoderLayerImpl::forward(const at::Tensor& x, const RopeTables& rope,
                                          KvStore* store, DecoderLayerExtras* extras) const {
  at::Tensor h = x + self_attn->forward(input_layernorm->forward(x), rope, store, extras);
  // h is this layer's own temporary, so the second residual can add in place.
  return h.add_(mlp->forward(post_attention_layernorm->forward(h)));
}

at::Tensor LlamaDecoderLayerImpl::probeAttention(const at::Tensor& x, const RopeTables& rope,
                                                 const std::vector<int64_t>& rows) const {
  return self_attn->probe(input_layernorm->forward(x), rope, rows);
}

LlamaModelImpl::LlamaModelImpl(const checkpoint::TextConfig& config,
                               const at::TensorOptions& options) {
  embed_tokens =
      register_module("embed_tokens", Embedding(config.vocabSize, config.hiddenSize, options));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.numLayers; ++i) {
    blocks.push_back(LlamaDecoderLayer(config, options));
    layers->push_back(blocks.back());
  }
  norm = register_module("norm", RmsNorm(config.hiddenSize, config.rmsNormEps, options));
}

LlamaForCausalLmImpl::LlamaForCausalLmImpl(const checkpoint::TextConfig& cfg,
                                           const at::TensorOptions& options)
    : config(cfg) {
  model = register_module("model", LlamaModel(cfg, options));
  // Tied embeddings: no lm_head parameter at all, as transformers' named_parameters() dedups it.
  if (!cfg.tieWordEmbeddings)
    lm_head = register_module("lm_head", Linear(cfg.hiddenSize, cfg.vocabSize, false, options));
}

at::Tensor LlamaForCausalLmImpl::embed(const at::Tensor& ids) const {
  const at::Tensor& w = model->embed_tokens->weight;
  return model->embed_tokens->forward(ids.to(w.device()))
      .to(computeDtype(w.scalar_type(), w.device()));
}

const at::Tensor& LlamaForCausalLmImpl::headWeight() const {
  return lm_head ? lm_head->weight : model->embed_tokens->weight;
}

at::Tensor LlamaForCausalLmImpl::logits(const at::Tensor& h) const {
  return linearForward(h, headWeight(), {}).to(at::kFloat);
}

}  // namespace vitcop::model
