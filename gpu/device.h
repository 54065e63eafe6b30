#pragma once
// Device and dtype choice. CUDA paths exist so a CUDA build of LibTorch works, but they are
// untested here (no GPU on the project's machines); everything funnels through this interface.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace vitcop::gpu {

// "auto" (CUDA when the linked LibTorch has a usable device, else CPU), "cpu", "cuda", "cuda:N".
// Throws std::invalid_argument naming the value when it is unknown or unavailable.
c10::Device chooseDevice(const std::string& request = "auto");

// "auto" (f32 on CPU: exact to the references; f16 on CUDA), "fast" (bf16 on a CPU with native
// bf16, else f32; f16 on CUDA), "f32", "bf16", "f16".
// Throws std::invalid_argument naming the value when it is unknown.
c10::ScalarType chooseDtype(const std::string& request, const c10::Device& device);

bool cudaAvailable();
std::string dtypeName(c10::ScalarType t);

}  // namespace vitcop::gpu
