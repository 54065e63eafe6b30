#pragma once
// CLIP vision tower (method-spec 1.5) as modules named like transformers' CLIPVisionModel, so
// named_parameters() under "vision_tower." are the classic checkpoint names. The tower is run
// block by block by its callers (generation) so hooks can act between blocks and blocks past
// the selected feature layer are never computed.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "core/checkpoint/llava_config.h"
#include "core/model/activation.h"
#include "core/model/layers.h"

namespace vitcop::model {

// What a caller wants from one encoder block besides its output. Probabilities are computed
// only for the rows asked for (the fused attention kernel runs otherwise).
struct VisionBlockExtras {
  std::vector<int64_t> probRows;  // query rows (0 = CLS)
  bool allProbRows = false;
  bool wantKeys = false;  // k_proj output, heads not split, unscaled (ViTCoP Stage I, VisionZip)
  at::Tensor probs;       // out: [B, Hv, R, T] float32
  at::Tensor keys;        // out: [B, T, Dv]
};

class ClipAttentionImpl : public torch::nn::Module {
 public:
  ClipAttentionImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, VisionBlockExtras* extras) const;  // x [B,T,Dv]
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
  int64_t numHeads;
  double scale;
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
 public:
  ClipMlpImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x) const;
  Linear fc1{nullptr}, fc2{nullptr};
  Activation act;
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
 public:
  ClipEncoderLayerImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, VisionBlockExtras* extras = nullptr) const;
  LayerNorm layer_norm1{nullptr};
  ClipAttention self_attn{nullptr};
  LayerNorm layer_norm2{nullptr};
  ClipMlp mlp{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

class ClipEncoderImpl : public torch::nn::Module {
 public:
  ClipEncoderImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options);
  torch::nn::ModuleList layers{nullptr};
  std::vector<ClipEncoderLayer> blocks;  // the same modules, typed
};
TORCH_MODULE(ClipEncoder);

class ClipEmbeddingsImpl : public torch::nn::Module {
 public:
  ClipEmbeddingsImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options);
  // pixels [B,C,S,S] -> [B, 1+P, Dv]: class token first, patches in raster order, plus positions.
  at::Tensor forward(const at::Tensor& pixels) const;
  at::Tensor class_embedding;
  PatchConv patch_embedding{nullptr};
  Embedding position_embedding{nullptr};
  checkpoint::VisionConfig config;
};
TORCH_MODULE(ClipEmbeddings);

class ClipVisionTransformerImpl : public torch::nn::Module {
 public:
  ClipVisionTransformerImpl(const checkpoint::VisionConfig& config,
                            const at::TensorOptions& options);
  // hidden_states[0] of transformers: pre_layrnorm(embeddings(pixels)). Checks the pixel shape
  // and throws std::invalid_argument naming it.
  at::Tensor embed(const at::Tensor& pixels) const;
  ClipEncoderLayer& block(int64_t i) { return encoder->blocks.at(static_cast<size_t>(i)); }
  ClipEmbeddings embeddings{nullptr};
  LayerNorm pre_layrnorm{nullptr};  // sic, transformers' spelling
  ClipEncoder encoder{nullptr};
  LayerNorm post_layernorm{nullptr};  // loaded, never used by LLaVA (method-spec 1.5 step 5)
  checkpoint::VisionConfig config;
};
TORCH_MODULE(ClipVisionTransformer);

// transformers' CLIPVisionModel: only wraps vision_model.
class ClipVisionTowerImpl : public torch::nn::Module {
 public:
  ClipVisionTowerImpl(const checkpoint::VisionConfig& config, const at::TensorOptions& options);
  ClipVisionTransformer vision_model{nullptr};
};
TORCH_MODULE(ClipVisionTower);

}  // namespace vitcop::model
