#pragma once
// Memory probes. On CPU: the process's resident set (current and peak, from /proc). On CUDA:
// the caching allocator's current and peak bytes (only in a CUDA build of LibTorch).
// Exact byte counts of what the engine holds (KV cache, activations) come from the tensors
// themselves: see tensorBytes().
#include <c10/core/Device.h>

#include <cstdint>

namespace at {
class Tensor;
}

namespace vitcop::gpu {

struct MemorySample {
  int64_t currentBytes = 0;
  int64_t peakBytes = 0;
  bool valid = false;
};

MemorySample sampleMemory(const c10::Device& device);

// Resets the peak counter where the platform allows it (CUDA allocator; Linux clear_refs for
// the process's peak RSS). Returns false when the peak cannot be reset.
bool resetPeakMemory(const c10::Device& device);

// Memory a new allocation can get without swapping: MemAvailable of /proc/meminfo on CPU; -1
// when unknown (CUDA: not measured here, so callers skip their checks).
int64_t availableBytes(const c10::Device& device);

// Bytes of the storage a tensor views (numel x element size; 0 for an undefined tensor).
int64_t tensorBytes(const at::Tensor& t);

}  // namespace vitcop::gpu
