#include "gpu/device.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <stdexcept>

#include "gpu/cpu_features.h"

namespace vitcop::gpu {

bool cudaAvailable() { return at::hasCUDA() && at::detail::getCUDAHooks().getNumGPUs() > 0; }

c10::Device chooseDevice(const std::string& request) {
  if (request.empty() || request == "auto") return cudaAvailable() ? c10::Device("cuda:0") : c10::Device("cpu");
  if (request == "cpu") return c10::Device("cpu");
  if (request.rfind("cuda", 0) == 0) {
    c10::Device dev("cpu");
    try {
      dev = c10::Device(request);
    } catch (const std::exception&) {
      throw std::invalid_argument("--device '" + request + "': not a device (use auto, cpu, cuda or cuda:N)");
    }
    if (!cudaAvailable())
      throw std::invalid_argument("--device '" + request + "': this LibTorch build has no usable CUDA device");
    const int n = at::detail::getCUDAHooks().getNumGPUs();
    if (dev.has_index() && dev.index() >= n)
      throw std::invalid_argument("--device '" + request + "': only " + std::to_string(n) + " CUDA device(s)");
    return dev;
  }
  throw std::invalid_argument("--device '" + request + "': not a device (use auto, cpu, cuda or cuda:N)");
}

c10::ScalarType chooseDtype(const std::string& request, const c10::Device& device) {
  if (request.empty() || request == "auto") return device.is_cuda() ? c10::ScalarType::Half : c10::ScalarType::Float;
  if (request == "fast") {
    if (device.is_cuda()) return c10::ScalarType::Half;
    return cpuFeatures().nativeBf16() ? c10::ScalarType::BFloat16 : c10::ScalarType::Float;
  }
  if (request == "f32" || request == "float32") return c10::ScalarType::Float;
  if (request == "bf16" || request == "bfloat16") return c10::ScalarType::BFloat16;
  if (request == "f16" || request == "float16") return c10::ScalarType::Half;
  throw std::invalid_argument("--dtype '" + request + "': not a dtype (use auto, fast, f32, bf16 or f16)");
}

std::string dtypeName(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::Float: return "f32";
    case c10::ScalarType::BFloat16: return "bf16";
    case c10::ScalarType::Half: return "f16";
    case c10::ScalarType::Double: return "f64";
    default: return c10::toString(t);
  }
}

}  // namespace vitcop::gpu
