#include "core/session/loaded_model.h"

#include "gpu/device.h"
#include "gpu/timer.h"

namespace vitcop::session {

std::shared_ptr<const LoadedModel> LoadedModel::load(const std::filesystem::path& dir,
                                                     const LoadOptions& options) {
  // Parse the options before touching the (possibly large) checkpoint.
  const c10::Device device = gpu::chooseDevice(options.device);
  const c10::ScalarType dtype = gpu::chooseDtype(options.dtype, device);
  gpu::Timer timer(device);
  std::shared_ptr<LoadedModel> m(new LoadedModel);
  m->checkpoint_.emplace(checkpoint::Checkpoint::open(dir));
  m->tokenizer_.emplace(text::Tokenizer::load(dir));
  m->model_ = model::LlavaModel::load(*m->checkpoint_, dtype, device);
  m->engine_.emplace(m->model_);
  m->loadMs_ = timer.elapsedMs();
  return m;
}

}  // namespace vitcop::session
