#include "gpu/host_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace vitcop::gpu {
namespace {

std::atomic<bool> gEnabled{false};

#if defined(__linux__) && defined(MADV_HUGEPAGE)

void freeHuge(void* p) {
  std::free(p);
}

class HugePageAllocator final : public c10::Allocator {
 public:
  explicit HugePageAllocator(c10::Allocator* fallback) : fallback_(fallback) {}

  c10::DataPtr allocate(size_t n) const override {
    if (n < kHugePageAllocThreshold) return fallback_->allocate(n);
    // 2 MiB alignment so the first huge page starts at the tensor; the advice must come before
    // the first touch, when the kernel decides each page's size.
    void* p = nullptr;
    const int err = posix_memalign(&p, kHugePageAllocThreshold, n);
    TORCH_CHECK(err == 0 && p, "HugePageAllocator: out of memory allocating ", n, " bytes");
    // Advice only: failure (THP disabled: "never") leaves ordinary pages, which still work.
    (void)madvise(p, n, MADV_HUGEPAGE);
    return {p, p, &freeHuge, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override {
    // raw_deallocate() of either path: LibTorch's default CPU allocator also posix_memalign()s
    // and releases with free() on Linux (c10::free_cpu); only its profiler report is skipped.
    return &freeHuge;
  }

 private:
  c10::Allocator* fallback_;
};

#endif

}  // namespace

bool enableHugePageAllocator() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  static std::once_flag once;
  std::call_once(once, [] {
    // Leaked on purpose: tensors freed during static destruction still call into it.
    static auto* allocator = new HugePageAllocator(c10::GetDefaultCPUAllocator());
    c10::SetCPUAllocator(allocator, /*priority=*/1);
    gEnabled = true;
  });
  return gEnabled;
#else
  return false;
#endif
}

bool hugePageAllocatorEnabled() {
  return gEnabled;
}

}  // namespace vitcop::gpu
