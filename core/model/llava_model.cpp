#include "core/model/llava_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <set>
#include <stdexcept>

#include "core/checkpoint/checkpoint_error.h"
#include "core/model/llava_modules.h"

namespace vitcop::model {

LlavaProjectorImpl::LlavaProjectorImpl(const checkpoint::LlavaConfig& config,
                                       const at::TensorOptions& options)
    : act(parseActivation(config.projectorHiddenAct, "projector_hidden_act")) {
  const int64_t in =
      config.vision.hiddenSize * static_cast<int64_t>(config.visionFeatureLayers.size());
  const int64_t d = config.text.hiddenSize;
  linear_1 = register_module("linear_1", Linear(in, d, config.projectorBias, options));
  linear_2 = register_module("linear_2", Linear(d, d, config.projectorBias, options));
}

at::Tensor LlavaProjectorImpl::forward(const at::Tensor& features, at::Tensor* linear1Out) const {
  at::Tensor h = linear_1->forward(features);
  if (linear1Out) *linear1Out = h;
  return linear_2->forward(activate(h, act));
}

LlavaForConditionalGenerationImpl::LlavaForConditionalGenerationImpl(
    const checkpoint::LlavaConfig& cfg, const at::TensorOptions& options)
    : config(cfg) {
  vision_tower = register_module("vision_tower", ClipVisionTower(cfg.vision, options));
  multi_modal_projector = register_module("multi_modal_projector", LlavaProjector(cfg, options));
  language_model = register_module("language_model", LlamaForCausalLm(cfg.text, options));
}

namespace {

std::string shapeText(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

std::vector<int64_t> resolveFeatureLayers(const checkpoint::LlavaConfig& config) {
  const int64_t count = config.vision.numLayers + 1;  // entries of hidden_states
  if (config.visionFeatureLayers.empty())
    throw std::invalid_argument("vision_feature_layer: empty list");
  if (config.visionFeatureSelectStrategy != "default" &&
      config.visionFeatureSelectStrategy != "full")
    throw std::invalid_argument("vision_feature_select_strategy: unsupported value \"" +
                                config.visionFeatureSelectStrategy + "\" (default, full)");
  std::vector<int64_t> out;
  for (int64_t layer : config.visionFeatureLayers) {
    const int64_t idx = layer < 0 ? count + layer : layer;
    if (idx < 0 || idx >= count)
      throw std::invalid_argument("vision_feature_layer: " + std::to_string(layer) +
                                  " is outside the " + std::to_string(count) +
                                  " vision hidden states");
    out.push_back(idx);
  }
  return out;
}

}  // namespace

LlavaModel::LlavaModel(const checkpoint::LlavaConfig& config, c10::ScalarType dtype,
                       c10::Device device)
    : config_(config),
      dtype_(dtype),
      device_(device),
      featureIndices_(resolveFeatureLayers(config)) {
  if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kHalf && dtype != at::kDouble)
    throw std::invalid_argument(std::string("dtype: unsupported model dtype ") +
                                c10::toString(dtype));
  if (config.text.numHeads % config.text.numKvHeads != 0)
    throw std::invalid_argument(
        "text_config.num_key_value_heads: " + std::to_string(config.text.numKvHeads) +
        " does not divide num_attention_heads " + std::to_string(config.text.numHeads));
  if (config.vision.hiddenSize % config.vision.numHeads != 0)
    throw std::invalid_argument(
        "vision_config.num_attention_heads: " + std::to_string(config.vision.numHeads) +
        " does not divide hidden_size " + std::to_string(config.vision.hiddenSize));
  if (config.text.headDim % 2 != 0)
    throw std::invalid_argument("text_config.head_dim: RoPE needs an even head dim, got " +
                                std::to_string(config.text.headDim));
  module_ = std::make_shared<LlavaForConditionalGenerationImpl>(
      config, at::TensorOptions().dtype(dtype).device(device));
}

c10::ScalarType LlavaModel::computeDtype() const {
  return model::computeDtype(dtype_, device_);
}

int64_t LlavaModel::visionBlocksNeeded() const {
  int64_t m = 0;
  for (int64_t i : featureIndices_)
    m = std::max(m, i);
  return m;
}

int64_t LlavaModel::parameterCountOf(const checkpoint::LlavaConfig& config) {
  // The same constructor (and config checks) as a real model, on a device with no storage.
  const LlavaModel meta(config, at::kFloat, c10::Device(c10::DeviceType::Meta));
  return meta.parameterCount();
}

int64_t LlavaModel::parameterCount() const {
  int64_t n = 0;
  for (const auto& p : module_->parameters())
    n += p.numel();
  return n;
}

int64_t LlavaModel::parameterBytes() const {
  int64_t n = 0;
  for (const auto& p : module_->parameters())
    n += p.numel() * static_cast<int64_t>(p.element_size());
  return n;
}

std::shared_ptr<LlavaModel> LlavaModel::load(const checkpoint::Checkpoint& ckpt,
                                             c10::ScalarType dtype, c10::Device device) {
  std::shared_ptr<LlavaModel> model(new LlavaModel(ckpt.config(), dtype, device));
  const std::string where = ckpt.dir().string();
  std::set<std::string> used;
  c10::InferenceMode guard(false);
  torch::NoGradGuard noGrad;
  for (auto& item : model->module_->named_parameters(/*recurse=*/true)) {
    const std::string& name = item.key();
    at::Tensor& param = item.value();
    if (!ckpt.has(name))
      throw checkpoint::CheckpointError(where + ": tensor " + name + " is missing");
    const std::vector<int64_t> shape = ckpt.shape(name);
    if (at::IntArrayRef(shape) != param.sizes())
      throw checkpoint::CheckpointError(where + ": tensor " + name + " has shape " +
                                        shapeText(shape) + ", the config requires " +
                                        shapeText(param.sizes()));
    at::Tensor value = ckpt.load(name, dtype);
    if (!device.is_cpu()) value = value.to(device);
    param.requires_grad_(false);
    param.set_data(value);
    used.insert(name);
  }
  for (const std::string& name : ckpt.names()) {
    const bool tiedHead =
        ckpt.config().text.tieWordEmbeddings && name == "language_model.lm_head.weight";
    if (!used.count(name) && !tiedHead)
      throw checkpoint::CheckpointError(where + ": unexpected tensor " + name +
                                        " (no parameter of the model has this name)");
  }
  return model;
}

std::shared_ptr<LlavaModel> LlavaModel::randomInit(const checkpoint::LlavaConfig& config,
                                                   c10::ScalarType dtype, uint64_t seed,
                                                   c10::Device device) {
  std::shared_ptr<LlavaModel> model(new LlavaModel(config, dtype, device));
  torch::NoGradGuard noGrad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  if (!device.is_cpu()) {
    torch::manual_seed(seed);
    gen = at::Generator();
  }
  // Uniform with std 0.02 (transformers' initializer_range): faster than normal_ for 7B weights
  // and filled in place in the target dtype.
  const double a = 0.02 * std::sqrt(3.0);
  for (auto& item : model->module_->named_parameters(true)) {
    at::Tensor& p = item.value();
    p.requires_grad_(false);
    const std::string& name = item.key();
    const bool isNorm =
        name.find("norm") != std::string::npos || name.find("layrnorm") != std::string::npos;
    const bool isBias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (isBias)
      p.zero_();
    else if (isNorm)
      p.fill_(1.0);
    else if (gen.defined())
      p.uniform_(-a, a, gen);
    else
      p.uniform_(-a, a);
  }
  return model;
}

checkpoint::LlavaConfig presetConfig(const std::string& name) {
  checkpoint::LlavaConfig c;
  c.imageTokenIndex = 32000;
  c.padTokenId = 32001;
  c.projectorHiddenAct = "gelu";
  c.visionFeatureSelectStrategy = "default";
  c.visionFeatureLayers = {-2};
  c.imageSeqLength = 576;
  c.vision.hiddenSize = 1024;
  c.vision.intermediateSize = 4096;
  c.vision.numLayers = 24;
  c.vision.numHeads = 16;
  c.vision.imageSize = 336;
  c.vision.patchSize = 14;
  c.vision.hiddenAct = "quick_gelu";
  c.vision.layerNormEps = 1e-5;
  c.text.vocabSize = 32064;
  c.text.maxPositionEmbeddings = 4096;
  c.text.rmsNormEps = 1e-5;  // Vicuna v1.5 config
  c.text.ropeTheta = 10000.0;
  c.text.headDim = 128;
  if (name == "llava-1.5-7b") {
    c.text.hiddenSize = 4096;
    c.text.intermediateSize = 11008;
    c.text.numLayers = 32;
    c.text.numHeads = c.text.numKvHeads = 32;
  } else if (name == "llava-1.5-13b") {
    c.text.hiddenSize = 5120;
    c.text.intermediateSize = 13824;
    c.text.numLayers = 40;
    c.text.numHeads = c.text.numKvHeads = 40;
  } else {
    throw std::invalid_argument("preset \"" + name +
                                "\" is unknown (known: llava-1.5-7b, llava-1.5-13b)");
  }
  return c;
}

std::vector<std::string> presetNames() {
  return {"llava-1.5-7b", "llava-1.5-13b"};
}

}  // namespace vitcop::model
