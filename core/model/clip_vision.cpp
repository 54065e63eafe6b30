#include "core/model/clip_vision.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "gpu/attention.h"

namespace vitcop::model {

ClipAttentionImpl::ClipAttentionImpl(const checkpoint::VisionConfig& config,
                                     const at::TensorOptions& options)
    : numHeads(config.numHeads), scale(1.0 / std::sqrt(static_cast<double>(config.headDim()))) {
  const int64_t d = config.hiddenSize;
  q_proj = register_module("q_proj", Linear(d, d, true, options));
  k_proj = register_module("k_proj", Linear(d, d, true, options));
  v_proj = register_module("v_proj", Linear(d, d, true, options));
  out_proj = register_module("out_proj", Linear(d, d, true, options));
}

at::Tensor ClipAttentionImpl::forward(const at::Tensor& x, VisionBlockExtras* extras) const {
  const int64_t b = x.size(0), t = x.size(1), d = x.size(2), hd = d / numHeads;
  // transformers scales q after the projection (method-spec 1.5), so the kernel's scale is 1.
  const at::Tensor q = q_proj->forward(x) * scale;
  const at::Tensor k = k_proj->forward(x);
  const at::Tensor v = v_proj->forward(x);
  auto heads = [&](const at::Tensor& y) { return y.view({b, t, numHeads, hd}).transpose(1, 2); };
  gpu::AttentionOptions opts;
  opts.scale = 1.0;
  if (extras) {
    opts.probRows = extras->probRows;
    opts.allProbRows = extras->allProbRows;
    if (extras->wantKeys) extras->keys = k;
  }
  gpu::AttentionResult r = gpu::attention(heads(q), heads(k), heads(v), opts);
  if (extras) extras->probs = r.probs;
  return out_proj->forward(r.output.transpose(1, 2).reshape({b, t, d}));
}

ClipMlpImpl::ClipMlpImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options)
    : act(parseActivation(config.hiddenAct, "vision_config.hidden_act")) {
  fc1 = register_module("fc1", Linear(config.hiddenSize, config.intermediateSize, true, options));
  fc2 = register_module("fc2", Linear(config.intermediateSize, config.hiddenSize, true, options));
}

at::Tensor ClipMlpImpl::forward(const at::Tensor& x) const {
  return fc2->forward(activate(fc1->forward(x), act));
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const checkpoint::VisionConfig& config,
                                           const at::TensorOptions& options) {
  layer_norm1 =
      register_module("layer_norm1", LayerNorm(config.hiddenSize, config.layerNormEps, options));
  self_attn = register_module("self_attn", ClipAttention(config, options));
  layer_norm2 =
      register_module("layer_norm2", LayerNorm(config.hiddenSize, config.layerNormEps, options));
  mlp = register_module("mlp", ClipMlp(config, options));
}

at::Tensor ClipEncoderLayerImpl::forward(const at::Tensor& x, VisionBlockExtras* extras) const {
  at::Tensor h = x + self_attn->forward(layer_norm1->forward(x), extras);
  return h + mlp->forward(layer_norm2->forward(h));
}

ClipEncoderImpl::ClipEncoderImpl(const checkpoint::VisionConfig& config,
                                 const at::TensorOptions& options) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.numLayers; ++i) {
    blocks.push_back(ClipEncoderLayer(config, options));
    layers->push_back(blocks.back());
  }
}

ClipEmbeddingsImpl::ClipEmbeddingsImpl(const checkpoint::VisionConfig& cfg,
                                       const at::TensorOptions& options)
    : config(cfg) {
  class_embedding = register_parameter("class_embedding", at::empty({cfg.hiddenSize}, options));
  patch_embedding = register_module(
      "patch_embedding", PatchConv(cfg.numChannels, cfg.hiddenSize, cfg.patchSize, options));
  position_embedding = register_module("position_embedding",
                                       Embedding(cfg.numPatches() + 1, cfg.hiddenSize, options));
}

at::Tensor ClipEmbeddingsImpl::forward(const at::Tensor& pixels) const {
  const int64_t b = pixels.size(0);
  const at::Tensor patches = patch_embedding->forward(pixels).flatten(2).transpose(1, 2);
  const at::Tensor cls = class_embedding.to(patches.scalar_type()).expand({b, 1, -1});
  const at::Tensor positions =
      at::arange(config.numPatches() + 1, pixels.options().dtype(at::kLong));
  return at::cat({cls, patches}, 1) +
         position_embedding->forward(positions).to(patches.scalar_type()).unsqueeze(0);
}

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const checkpoint::VisionConfig& cfg,
                                                     const at::TensorOptions& options)
    : config(cfg) {
  embeddings = register_module("embeddings", ClipEmbeddings(cfg, options));
  pre_layrnorm =
      register_module("pre_layrnorm", LayerNorm(cfg.hiddenSize, cfg.layerNormEps, options));
  encoder = register_module("encoder", ClipEncoder(cfg, options));
  post_layernorm =
      register_module("post_layernorm", LayerNorm(cfg.hiddenSize, cfg.layerNormEps, options));
}

at::Tensor ClipVisionTransformerImpl::embed(const at::Tensor& pixels) const {
  if (pixels.dim() != 4 || pixels.size(1) != config.numChannels ||
      pixels.size(2) != config.imageSize || pixels.size(3) != config.imageSize) {
    std::string shape;
    for (int64_t s : pixels.sizes())
      shape += (shape.empty() ? "" : ",") + std::to_string(s);
    throw std::invalid_argument(
        "pixel_values: shape [" + shape + "], expected [N," + std::to_string(config.numChannels) +
        "," + std::to_string(config.imageSize) + "," + std::to_string(config.imageSize) + "]");
  }
  const auto& w = embeddings->class_embedding;
  return pre_layrnorm->forward(
      embeddings->forward(pixels.to(w.device(), computeDtype(w.scalar_type(), w.device()))));
}

ClipVisionTowerImpl::ClipVisionTowerImpl(const checkpoint::VisionConfig& config,
                                         const at::TensorOptions& options) {
  vision_model = register_module("vision_model", ClipVisionTransformer(config, options));
}

}  // namespace vitcop::model
