#include "core/session/loaded_model.h"

#include <stdexcept>

#include "core/session/memory_fit.h"
#include "gpu/cpu_features.h"
#include "gpu/device.h"
#include "gpu/memory_probe.h"
#include "gpu/timer.h"

namespace vitcop::session {

std::shared_ptr<const LoadedModel> LoadedModel::load(const std::filesystem::path& dir,
                                                     const LoadOptions& options) {
  // Parse the options before touching the (possibly large) checkpoint.
  const c10::Device device = gpu::chooseDevice(options.device);
  (void)gpu::chooseDtype(options.dtype, device);
  gpu::Timer timer(device);
  std::shared_ptr<LoadedModel> m(new LoadedModel);
  const checkpoint::Checkpoint checkpoint = checkpoint::Checkpoint::open(dir);
  m->config_ = checkpoint.config();
  const DtypeChoice choice =
      fitDtype(options.dtype, device, model::LlavaModel::parameterCountOf(m->config_),
               gpu::availableBytes(device), gpu::cpuFeatures().nativeBf16(), dir.string());
  const c10::ScalarType dtype = choice.dtype;
  m->dtypeNote_ = choice.note;
  m->imageProcessor_ = checkpoint.imageProcessor();
  m->source_ = dir.string();
  if (options.tokenizer) m->tokenizer_.emplace(text::Tokenizer::load(dir));
  m->model_ = model::LlavaModel::load(checkpoint, dtype, device);
  m->engine_.emplace(m->model_);
  m->loadMs_ = timer.elapsedMs();
  return m;
}

const text::Tokenizer& LoadedModel::tokenizer() const {
  if (!tokenizer_) throw std::logic_error(source_ + ": loaded without a tokenizer");
  return *tokenizer_;
}

std::filesystem::path bundledLlamaTokenizerDir() {
  return VITCOP_LLAMA_TOKENIZER_DIR;
}

std::shared_ptr<const LoadedModel> LoadedModel::randomInit(const std::string& preset,
                                                           const LoadOptions& options,
                                                           uint64_t seed) {
  return randomInit(model::presetConfig(preset), "random-init:" + preset, options, seed);
}

std::shared_ptr<const LoadedModel> LoadedModel::randomInit(const checkpoint::LlavaConfig& config,
                                                           const std::string& source,
                                                           const LoadOptions& options,
                                                           uint64_t seed) {
  const c10::Device device = gpu::chooseDevice(options.device);
  const DtypeChoice choice =
      fitDtype(options.dtype, device, model::LlavaModel::parameterCountOf(config),
               gpu::availableBytes(device), gpu::cpuFeatures().nativeBf16(), source);
  const c10::ScalarType dtype = choice.dtype;
  gpu::Timer timer(device);
  std::shared_ptr<LoadedModel> m(new LoadedModel);
  m->dtypeNote_ = choice.note;
  m->config_ = config;
  m->imageProcessor_ = checkpoint::ImageProcessorConfig{};  // CLIP-L/336, as llava-hf ships
  m->source_ = source;
  if (options.tokenizer) m->tokenizer_.emplace(text::Tokenizer::load(bundledLlamaTokenizerDir()));
  m->model_ = model::LlavaModel::randomInit(config, dtype, seed, device);
  m->engine_.emplace(m->model_);
  m->loadMs_ = timer.elapsedMs();
  return m;
}

}  // namespace vitcop::session
