#pragma once
// Wall-clock timer that waits for queued device work before reading the clock, so a timing
// covers the kernels it claims to (on CPU LibTorch runs synchronously and no wait is needed).
#include <c10/core/Device.h>

#include <chrono>

namespace vitcop::gpu {

void synchronize(const c10::Device& device);

class Timer {
 public:
  explicit Timer(c10::Device device = c10::Device("cpu"));
  void restart();
  // Milliseconds since construction or restart(), after synchronising the device.
  double elapsedMs() const;

 private:
  c10::Device device_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace vitcop::gpu
