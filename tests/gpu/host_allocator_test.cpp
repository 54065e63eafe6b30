#include "gpu/host_allocator.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/ones.h>
#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace vitcop::gpu {
namespace {

// The VmFlags line of the mapping in /proc/self/smaps that contains `p` ("" if none).
std::string vmFlagsOf(const void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    // Mapping headers are "lo-hi perms ..."; field lines ("Size:", "AnonHugePages:") never
    // have a '-' right after a hex prefix.
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2) inside = addr >= lo && addr < hi;
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

TEST(HugePageAllocator, LargeTensorsAreAlignedAndAdvisedSmallOnesUnchanged) {
  ASSERT_TRUE(enableHugePageAllocator());
  EXPECT_TRUE(enableHugePageAllocator());  // idempotent
  EXPECT_TRUE(hugePageAllocatorEnabled());
  const auto big = at::ones({int64_t{3} << 20}, at::kFloat);  // 12 MiB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data_ptr()) % kHugePageAllocThreshold, 0u);
  EXPECT_EQ(big.sum().item<float>(), static_cast<float>(int64_t{3} << 20));
  // MADV_HUGEPAGE shows as "hg" in the mapping's flags where the kernel has THP at all.
  if (std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good()) {
    const std::string flags = vmFlagsOf(big.data_ptr());
    EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
  }
  const auto small = at::ones({1000}, at::kFloat);
  EXPECT_EQ(small.sum().item<float>(), 1000.0f);
}

TEST(HugePageAllocator, RawAllocateAndDeallocateBothSizes) {
  ASSERT_TRUE(enableHugePageAllocator());
  c10::Allocator* a = c10::GetCPUAllocator();
  for (const size_t n : {size_t{64}, size_t{4} << 20}) {
    void* p = a->raw_allocate(n);
    ASSERT_NE(p, nullptr);
    static_cast<char*>(p)[n - 1] = 1;
    a->raw_deallocate(p);
  }
}

TEST(HugePageAllocator, FreedBlocksAreReusedForTheSameRoundedSizeOnly) {
  ASSERT_TRUE(enableHugePageAllocator());
  releaseCachedHostMemory();
  const size_t before = cachedHostBytes();
  EXPECT_EQ(before, 0u);
  void* first = nullptr;
  {
    const auto t = at::empty({int64_t{5} << 20}, at::kByte);  // 5 MiB -> a 6 MiB block
    first = t.data_ptr();
  }
  EXPECT_EQ(cachedHostBytes(), size_t{6} << 20);
  {
    // Bigger than the cached block: a fresh one; the cached block stays.
    const auto bigger = at::empty({int64_t{9} << 20}, at::kByte);
    EXPECT_NE(bigger.data_ptr(), first);
    EXPECT_EQ(cachedHostBytes(), size_t{6} << 20);
  }
  EXPECT_EQ(cachedHostBytes(), (size_t{6} + 10) << 20);
  {
    // 4.5 MiB rounds to 6 MiB: the first block comes back (its contents are not zeroed, as
    // with any allocator) and leaves the cache.
    const auto again = at::empty({int64_t{9} << 19}, at::kByte);
    EXPECT_EQ(again.data_ptr(), first);
    EXPECT_EQ(cachedHostBytes(), size_t{10} << 20);
  }
  {
    // 3 MiB rounds to 4 MiB: a 6 MiB block would waste a third, so it is not taken.
    const auto smaller = at::empty({int64_t{3} << 20}, at::kByte);
    EXPECT_NE(smaller.data_ptr(), first);
  }
  releaseCachedHostMemory();
  EXPECT_EQ(cachedHostBytes(), 0u);
}

}  // namespace
}  // namespace vitcop::gpu
