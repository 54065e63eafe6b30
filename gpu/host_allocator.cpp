#include "gpu/host_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace vitcop::gpu {
namespace {

std::atomic<bool> gEnabled{false};

#if defined(__linux__) && defined(MADV_HUGEPAGE)

// Freed blocks are kept for reuse instead of going back to the OS. A prefill allocates and frees
// the same activation sizes in every layer; each fresh block costs an mmap, page faults that
// zero every page and an munmap, and the munmap holds the process's mmap lock, which stalls
// every other thread that faults or maps memory - the GUI thread of the inspector among them
// (docs/benchmarks.md, "host block cache"). Blocks are reused only for a request of the same
// rounded size up to 25 % smaller, so a cached block wastes little.
class BlockCache {
 public:
  void* take(size_t rounded) {
    std::lock_guard lock(mutex_);
    auto it = free_.lower_bound(rounded);
    if (it == free_.end() || it->first > rounded + rounded / 4) return nullptr;
    void* p = it->second;
    cached_ -= it->first;
    free_.erase(it);
    return p;
  }

  void track(void* p, size_t size) {
    std::lock_guard lock(mutex_);
    sizes_[p] = size;
  }

  // Caches p if it is one of ours and fits under the cap; returns false when the caller must
  // free it (a fallback allocation, or the cache is full).
  bool give(void* p) {
    std::lock_guard lock(mutex_);
    auto it = sizes_.find(p);
    if (it == sizes_.end()) return false;
    const size_t size = it->second;
    if (cached_ + size > capBytes()) {
      sizes_.erase(it);
      return false;
    }
    free_.emplace(size, p);
    cached_ += size;
    return true;
  }

  size_t cachedBytes() {
    std::lock_guard lock(mutex_);
    return cached_;
  }

  void release() {
    std::lock_guard lock(mutex_);
    for (const auto& [size, p] : free_) {
      sizes_.erase(p);
      std::free(p);
    }
    free_.clear();
    cached_ = 0;
  }

 private:
  static size_t capBytes() {
    static const size_t cap = [] {
      const char* env = std::getenv("VITCOP_HOST_CACHE_MB");
      const long long mb = env ? std::atoll(env) : 1024;
      return static_cast<size_t>(std::max(mb, 0LL)) << 20;
    }();
    return cap;
  }

  std::mutex mutex_;
  std::multimap<size_t, void*> free_;        // cached blocks by size
  std::unordered_map<void*, size_t> sizes_;  // every block of ours, live or cached
  size_t cached_ = 0;
};

BlockCache& blockCache() {
  static auto* cache = new BlockCache;  // leaked: tensors freed during static destruction
  return *cache;
}

void freeHuge(void* p) {
  if (p && !blockCache().give(p)) std::free(p);
}

class HugePageAllocator final : public c10::Allocator {
 public:
  explicit HugePageAllocator(c10::Allocator* fallback) : fallback_(fallback) {}

  c10::DataPtr allocate(size_t n) const override {
    if (n < kHugePageAllocThreshold) return fallback_->allocate(n);
    const size_t rounded = (n + kHugePageAllocThreshold - 1) & ~(kHugePageAllocThreshold - 1);
    if (void* p = blockCache().take(rounded))
      return {p, p, &freeHuge, c10::Device(c10::DeviceType::CPU)};
    // 2 MiB alignment so the first huge page starts at the tensor; the advice must come before
    // the first touch, when the kernel decides each page's size.
    void* p = nullptr;
    const int err = posix_memalign(&p, kHugePageAllocThreshold, rounded);
    TORCH_CHECK(err == 0 && p, "HugePageAllocator: out of memory allocating ", n, " bytes");
    // Advice only: failure (THP disabled: "never") leaves ordinary pages, which still work.
    (void)madvise(p, rounded, MADV_HUGEPAGE);
    blockCache().track(p, rounded);
    return {p, p, &freeHuge, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override {
    // raw_deallocate() of either path: a block of ours goes back to the cache, anything else
    // (LibTorch's default CPU allocator also posix_memalign()s and releases with free() on
    // Linux, c10::free_cpu) to free(); only the profiler report of the fallback is skipped.
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

size_t cachedHostBytes() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  return blockCache().cachedBytes();
#else
  return 0;
#endif
}

void releaseCachedHostMemory() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  blockCache().release();
#endif
}

}  // namespace vitcop::gpu
