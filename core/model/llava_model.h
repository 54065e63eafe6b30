#pragma once
// A LLaVA-1.5 model ready for inference: the module tree (llava_modules.h) with its weights
// from a checkpoint, or random for benchmarks, plus what callers need to know about it.
// Light header: the torch::nn module classes are only forward-declared here.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/checkpoint/checkpoint.h"
#include "core/checkpoint/llava_config.h"

namespace vitcop::model {

class LlavaForConditionalGenerationImpl;

class LlavaModel {
 public:
  // Every parameter from the checkpoint by its classic name, in `dtype` on `device` (zero-copy
  // views of the mapped file when dtype matches on CPU). Throws checkpoint::CheckpointError
  // naming the directory and the tensor for a missing, unexpected or mis-shaped tensor, and
  // std::invalid_argument naming the config key for an unsupported activation or feature layer.
  static std::shared_ptr<LlavaModel> load(const checkpoint::Checkpoint& checkpoint,
                                          c10::ScalarType dtype,
                                          c10::Device device = c10::Device("cpu"));
  // Random weights (std 0.02 uniform, unit norms, zero biases) created directly in `dtype`, for
  // benchmarks and tests: deterministic for a seed on CPU.
  static std::shared_ptr<LlavaModel> randomInit(const checkpoint::LlavaConfig& config,
                                                c10::ScalarType dtype, uint64_t seed,
                                                c10::Device device = c10::Device("cpu"));

  // Parameters a model of `config` has, without allocating them (the modules are built on the
  // meta device): what the loader checks against the available memory first.
  static int64_t parameterCountOf(const checkpoint::LlavaConfig& config);

  const checkpoint::LlavaConfig& config() const { return config_; }
  c10::ScalarType dtype() const { return dtype_; }  // parameter storage
  // Activation dtype: the storage dtype except float16 on CPU, which computes in float32.
  c10::ScalarType computeDtype() const;
  c10::Device device() const { return device_; }
  LlavaForConditionalGenerationImpl& module() const { return *module_; }
  const std::shared_ptr<LlavaForConditionalGenerationImpl>& modulePtr() const { return module_; }
  int64_t parameterCount() const;
  int64_t parameterBytes() const;

  // vision_feature_layer entries as indices into hidden_states (0..Lv), in config order.
  const std::vector<int64_t>& featureHiddenIndices() const { return featureIndices_; }
  // Vision blocks that must run: max feature index (later blocks cannot affect any output).
  int64_t visionBlocksNeeded() const;

 private:
  LlavaModel(const checkpoint::LlavaConfig& config, c10::ScalarType dtype, c10::Device device);
  checkpoint::LlavaConfig config_;
  c10::ScalarType dtype_;
  c10::Device device_;
  std::vector<int64_t> featureIndices_;
  std::shared_ptr<LlavaForConditionalGenerationImpl> module_;
};

// Built-in configurations (method-spec 1.1, llava-hf vocabulary 32064): "llava-1.5-7b",
// "llava-1.5-13b". Throws std::invalid_argument naming the preset and listing the known ones.
checkpoint::LlavaConfig presetConfig(const std::string& name);
std::vector<std::string> presetNames();

}  // namespace vitcop::model
