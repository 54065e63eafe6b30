#pragma once
// The whole LlavaForConditionalGeneration module tree. named_parameters() yields exactly the
// classic llava-hf checkpoint names (method-spec 1.3.1): vision_tower.vision_model.*,
// multi_modal_projector.linear_{1,2}.*, language_model.model.*, language_model.lm_head.weight.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "core/checkpoint/llava_config.h"
#include "core/model/activation.h"
#include "core/model/clip_vision.h"
#include "core/model/layers.h"
#include "core/model/llama.h"

namespace vitcop::model {

// linear_2(act(linear_1(x))), act = projector_hidden_act (exact GELU for LLaVA-1.5).
class LlavaProjectorImpl : public torch::nn::Module {
 public:
  LlavaProjectorImpl(const checkpoint::LlavaConfig& config, const at::TensorOptions& options);
  // features [.., Dv * feature layers] -> [.., d]; linear1Out receives linear_1's output if given.
  at::Tensor forward(const at::Tensor& features, at::Tensor* linear1Out = nullptr) const;
  Linear linear_1{nullptr}, linear_2{nullptr};
  Activation act;
};
TORCH_MODULE(LlavaProjector);

class LlavaForConditionalGenerationImpl : public torch::nn::Module {
 public:
  LlavaForConditionalGenerationImpl(const checkpoint::LlavaConfig& config,
                                    const at::TensorOptions& options);
  ClipVisionTransformer& vision() { return vision_tower->vision_model; }
  ClipVisionTower vision_tower{nullptr};
  LlavaProjector multi_modal_projector{nullptr};
  LlamaForCausalLm language_model{nullptr};
  checkpoint::LlavaConfig config;
};
TORCH_MODULE(LlavaForConditionalGeneration);

}  // namespace vitcop::model
