#include "gpu/memory_probe.h"

#include <ATen/core/Tensor.h>

#include <fstream>
#include <sstream>
#include <string>

// Only a CUDA build of LibTorch (c10_cuda target present) has the allocator's statistics.
#if defined(VITCOP_WITH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#define VITCOP_HAVE_CUDA_ALLOCATOR 1
#endif

namespace vitcop::gpu {
namespace {

// VmRSS / VmHWM from /proc/self/status, in bytes.
MemorySample processMemory() {
  MemorySample s;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key;
    int64_t kb = 0;
    ls >> key >> kb;
    if (key == "VmRSS:") s.currentBytes = kb * 1024;
    if (key == "VmHWM:") s.peakBytes = kb * 1024;
  }
  s.valid = s.currentBytes > 0;
  return s;
}

}  // namespace

int64_t availableBytes(const c10::Device& device) {
  if (device.is_cuda()) return -1;
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key;
    int64_t kb = -1;
    ls >> key >> kb;
    if (key == "MemAvailable:" && kb >= 0) return kb * 1024;
  }
  return -1;
}

MemorySample sampleMemory(const c10::Device& device) {
#ifdef VITCOP_HAVE_CUDA_ALLOCATOR
  if (device.is_cuda()) {
    const auto stats =
        c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    const auto& agg = stats.allocated_bytes[static_cast<size_t>(
        c10::cuda::CUDACachingAllocator::StatType::AGGREGATE)];
    return {agg.current, agg.peak, true};
  }
#else
  if (device.is_cuda()) return {};
#endif
  return processMemory();
}

bool resetPeakMemory(const c10::Device& device) {
#ifdef VITCOP_HAVE_CUDA_ALLOCATOR
  if (device.is_cuda()) {
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
    return true;
  }
#endif
  if (device.is_cuda()) return false;
  // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0).
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out);
}

int64_t tensorBytes(const at::Tensor& t) {
  if (!t.defined()) return 0;
  return t.numel() * static_cast<int64_t>(t.element_size());
}

}  // namespace vitcop::gpu
