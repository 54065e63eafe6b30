#pragma once
// A model directory opened for inference: validated checkpoint, tokenizer, weights on a device
// in a dtype, and the engine that runs them. Loading is the expensive part (it maps and checks
// every tensor); asking questions afterwards reuses it.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

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
};

class LoadedModel {
 public:
  // Throws (one-line messages naming the file, tensor or option) when the directory, its
  // configs, weights or tokenizer are missing or malformed.
  static std::shared_ptr<const LoadedModel> load(const std::filesystem::path& dir,
                                                 const LoadOptions& options = {});

  const checkpoint::Checkpoint& checkpoint() const { return *checkpoint_; }
  const checkpoint::LlavaConfig& config() const { return checkpoint_->config(); }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  const model::LlavaModel& model() const { return *model_; }
  const generation::Engine& engine() const { return *engine_; }
  double loadMs() const { return loadMs_; }

 private:
  LoadedModel() = default;
  std::optional<checkpoint::Checkpoint> checkpoint_;
  std::optional<text::Tokenizer> tokenizer_;
  std::shared_ptr<model::LlavaModel> model_;
  std::optional<generation::Engine> engine_;
  double loadMs_ = 0.0;
};

}  // namespace vitcop::session
