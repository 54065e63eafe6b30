#pragma once
// A model directory opened for inference: validated checkpoint, tokenizer, weights on a device
// in a dtype, and the engine that runs them. Loading is the expensive part (it maps and checks
// every tensor); asking questions afterwards reuses it.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/checkpoint/checkpoint.h"
#include "core/generation/engine.h"
#include "core/model/llava_model.h"
#include "core/text/tokenizer.h"

namespace vitcop::session {

struct LoadOptions {
  std::string device = "auto";  // gpu::chooseDevice
  std::string dtype = "auto";   // gpu::chooseDtype
  bool tokenizer = true;        // false: weights only (vitcop logits works on raw ids)
};

// The LLaMA tokenizer shipped in resources/ for models without a folder (random init).
std::filesystem::path bundledLlamaTokenizerDir();

class LoadedModel {
 public:
  // Throws (one-line messages naming the file, tensor or option) when the directory, its
  // configs, weights or tokenizer are missing or malformed.
  static std::shared_ptr<const LoadedModel> load(const std::filesystem::path& dir,
                                                 const LoadOptions& options = {});
  // The exact architecture of a preset ("llava-1.5-7b", "llava-1.5-13b") with seeded random
  // weights in memory, CLIP-L/336 preprocessing and the bundled LLaMA tokenizer: for benchmarks
  // and end-to-end runs at full size. Answers are noise; shapes and costs are real.
  static std::shared_ptr<const LoadedModel> randomInit(const std::string& preset,
                                                       const LoadOptions& options = {},
                                                       uint64_t seed = 1234);
  // Same for any configuration (e.g. a preset cut to fewer layers for a quick benchmark).
  static std::shared_ptr<const LoadedModel> randomInit(const checkpoint::LlavaConfig& config,
                                                       const std::string& source,
                                                       const LoadOptions& options = {},
                                                       uint64_t seed = 1234);

  const checkpoint::LlavaConfig& config() const { return config_; }
  const checkpoint::ImageProcessorConfig& imageProcessor() const { return imageProcessor_; }
  // "DIR" of a loaded folder or "random-init:PRESET".
  const std::string& source() const { return source_; }
  // std::logic_error when loaded without a tokenizer (LoadOptions::tokenizer = false).
  const text::Tokenizer& tokenizer() const;
  const model::LlavaModel& model() const { return *model_; }
  const generation::Engine& engine() const { return *engine_; }
  double loadMs() const { return loadMs_; }
  // Why "auto" chose another dtype than usual (memory_fit.h); empty when it did not.
  const std::string& dtypeNote() const { return dtypeNote_; }

 private:
  LoadedModel() = default;
  checkpoint::LlavaConfig config_;
  checkpoint::ImageProcessorConfig imageProcessor_;
  std::string source_;
  std::optional<text::Tokenizer> tokenizer_;
  std::shared_ptr<model::LlavaModel> model_;
  std::optional<generation::Engine> engine_;
  double loadMs_ = 0.0;
  std::string dtypeNote_;
};

}  // namespace vitcop::session
