#pragma once
// A model directory as it ships: config.json, preprocessor_config.json, and weights in a single
// model.safetensors or sharded via model.safetensors.index.json. Tensor names are normalised to
// the classic llava-hf layout (method-spec 1.3): "newer" (model.language_model.*, lm_head.*) and
// "original" LLaVA (model.layers.*, model.mm_projector.*) names are mapped on open, longest
// prefix first; *.rotary_emb.inv_freq and vision position_ids buffers are ignored.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/checkpoint/llava_config.h"
#include "core/checkpoint/safetensors.h"

namespace vitcop::checkpoint {

enum class KeyLayout { Classic, Newer, Original };

class Checkpoint {
 public:
  // Opens and validates: configs parsed; every shard opened and validated; every tensor the
  // config requires present with the right shape, none unexpected (tied lm_head allowed to be
  // absent when tie_word_embeddings). Throws CheckpointError naming the file and tensor.
  static Checkpoint open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const LlavaConfig& config() const { return config_; }
  const ImageProcessorConfig& imageProcessor() const { return imageProcessor_; }
  KeyLayout layout() const { return layout_; }

  // Classic names present (after normalisation), sorted.
  std::vector<std::string> names() const;
  bool has(const std::string& classicName) const;
  std::vector<int64_t> shape(const std::string& classicName) const;
  // Tensor by classic name in `dtype` (zero-copy where possible). lm_head falls back to the
  // embedding matrix when tied.
  at::Tensor load(const std::string& classicName, c10::ScalarType dtype) const;

 private:
  struct Source {
    std::shared_ptr<SafetensorsFile> file;
    std::string storedName;
  };
  std::filesystem::path dir_;
  LlavaConfig config_;
  ImageProcessorConfig imageProcessor_;
  KeyLayout layout_ = KeyLayout::Classic;
  std::map<std::string, Source> tensors_;
};

// Classic names and shapes the config requires (method-spec 1.3.1), in a stable order.
std::vector<std::pair<std::string, std::vector<int64_t>>> expectedLlavaTensors(const LlavaConfig& config);

// Maps a stored name to its classic name; returns "" for buffers to ignore.
std::string classicTensorName(const std::string& storedName, KeyLayout* detected = nullptr);

}  // namespace vitcop::checkpoint
