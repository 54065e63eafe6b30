#include "core/training/train_forward.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "core/model/llava_modules.h"

namespace vitcop::training {

namespace {

// softmax(q k^T + mask) v with q already scaled; q, k, v [B, H, T, hd]; mask additive,
// broadcastable to [B, H, T, T], or undefined.
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                  const at::Tensor& mask, at::Tensor* probsOut = nullptr) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1));
  if (mask.defined()) scores = scores + mask;
  const at::Tensor probs = at::softmax(scores, -1);
  if (probsOut) *probsOut = probs;
  return at::matmul(probs, v);
}

at::Tensor clipBlock(model::ClipEncoderLayerImpl& layer, const at::Tensor& x,
                     at::Tensor* probsOut) {
  auto& attn = *layer.self_attn;
  const int64_t b = x.size(0), t = x.size(1), d = x.size(2), h = attn.numHeads, hd = d / h;
  const at::Tensor a = layer.layer_norm1->forward(x);
  auto heads = [&](const at::Tensor& y) { return y.view({b, t, h, hd}).transpose(1, 2); };
  const at::Tensor q = heads(attn.q_proj->forward(a) * attn.scale);
  const at::Tensor k = heads(attn.k_proj->forward(a));
  const at::Tensor v = heads(attn.v_proj->forward(a));
  const at::Tensor o = attend(q, k, v, {}, probsOut).transpose(1, 2).reshape({b, t, d});
  const at::Tensor h1 = x + attn.out_proj->forward(o);
  return h1 + layer.mlp->forward(layer.layer_norm2->forward(h1));
}

at::Tensor llamaBlock(model::LlamaDecoderLayerImpl& layer, const at::Tensor& x,
                      const model::RopeTables& rope, const at::Tensor& mask) {
  auto& attn = *layer.self_attn;
  const int64_t b = x.size(0), t = x.size(1), hd = attn.headDim;
  const at::Tensor a = layer.input_layernorm->forward(x);
  auto heads = [&](const at::Tensor& y, int64_t h) {
    return y.view({b, t, h, hd}).transpose(1, 2);
  };
  const at::Tensor q = model::applyRope(heads(attn.q_proj->forward(a), attn.numHeads), rope);
  at::Tensor k = model::applyRope(heads(attn.k_proj->forward(a), attn.numKvHeads), rope);
  at::Tensor v = heads(attn.v_proj->forward(a), attn.numKvHeads);
  if (attn.numKvHeads != attn.numHeads) {
    const int64_t rep = attn.numHeads / attn.numKvHeads;
    k = k.repeat_interleave(rep, 1);
    v = v.repeat_interleave(rep, 1);
  }
  const at::Tensor o = attend(q / std::sqrt(static_cast<double>(hd)), k, v, mask)
                           .transpose(1, 2)
                           .reshape({b, t, attn.numHeads * hd});
  const at::Tensor h1 = x + attn.o_proj->forward(o);
  // LlamaMlp::forward multiplies in place (fine without autograd); here out of place.
  auto& mlp = *layer.mlp;
  const at::Tensor m = layer.post_attention_layernorm->forward(h1);
  return h1 + mlp.down_proj->forward(model::activate(mlp.gate_proj->forward(m), mlp.act) *
                                     mlp.up_proj->forward(m));
}

}  // namespace

VisionOut visionForward(model::LlavaForConditionalGenerationImpl& m, const at::Tensor& pixels,
                        bool wantClsAttention) {
  auto& vision = *m.vision();
  // Blocks 0 .. b*: hidden_states[idx] is the output of block idx - 1 (method-spec 1.5, LQ-03).
  const int64_t count = vision.config.numLayers + 1;
  const int64_t layer = m.config.visionFeatureLayers.front();
  const int64_t idx = layer < 0 ? count + layer : layer;
  VisionOut out;
  at::Tensor x = vision.embed(pixels);
  for (int64_t l = 0; l < idx; ++l) {
    at::Tensor probs;
    const bool last = l == idx - 1;
    x = clipBlock(*vision.block(l), x, last && wantClsAttention ? &probs : nullptr);
    if (probs.defined()) out.clsAttention = probs.select(2, 0);
  }
  out.features = x;
  return out;
}

LmOut languageForward(model::LlavaForConditionalGenerationImpl& m, const at::Tensor& features,
                      const TextBatch& batch) {
  auto& lm = *m.language_model;
  const auto& cfg = lm.config;
  const int64_t b = batch.sequences, d = cfg.hiddenSize;
  const at::Tensor patches = features.narrow(1, 1, features.size(1) - 1);  // strategy "default"
  const at::Tensor visual = m.multi_modal_projector->forward(patches).reshape({b, -1, d});
  const at::Tensor x0 = at::cat({lm.embed(batch.prefixIds), visual, lm.embed(batch.suffixIds)}, 1);
  const int64_t t = x0.size(1);
  const at::Tensor mask =
      at::where(batch.allowed, at::zeros({}, x0.options()),
                at::full({}, -std::numeric_limits<float>::infinity(), x0.options()))
          .unsqueeze(1);
  model::RopeTables rope = model::ropeTables(batch.positions.reshape({-1}), cfg, x0.scalar_type());
  rope.cos = rope.cos.view({b, 1, t, -1});
  rope.sin = rope.sin.view({b, 1, t, -1});
  at::Tensor x = x0;
  for (auto& block : lm.model->blocks)
    x = llamaBlock(*block, x, rope, mask);
  x = lm.model->norm->forward(x);
  const at::Tensor targets = batch.targets.reshape({-1});
  const at::Tensor rows = targets.ne(kIgnore).nonzero().squeeze(1);
  const at::Tensor h = x.reshape({-1, d}).index_select(0, rows);
  // float32 logits whatever the matmuls ran in (bf16 autocast), so the loss is computed in f32.
  const at::Tensor logits = at::linear(h, lm.headWeight()).to(at::kFloat);
  const at::Tensor wanted = targets.index_select(0, rows);
  LmOut out;
  out.loss = at::cross_entropy_loss(logits, wanted);
  out.count = wanted.size(0);
  out.correct = logits.argmax(-1).eq(wanted).sum().item<int64_t>();
  return out;
}

}  // namespace vitcop::training
