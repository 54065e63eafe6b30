#include "gpu/timer.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>

namespace vitcop::gpu {

void synchronize(const c10::Device& device) {
  if (device.is_cuda()) at::detail::getCUDAHooks().deviceSynchronize(device.index() < 0 ? 0 : device.index());
}

Timer::Timer(c10::Device device) : device_(device) { restart(); }

void Timer::restart() {
  synchronize(device_);
  start_ = std::chrono::steady_clock::now();
}

double Timer::elapsedMs() const {
  synchronize(device_);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace vitcop::gpu
