#include <ATen/ops/empty.h>
#include <ATen/ops/ones.h>
#include <gtest/gtest.h>

#include "gpu/memory_probe.h"

namespace vitcop::gpu {
namespace {

TEST(MemoryProbe, TensorBytesIsExact) {
  EXPECT_EQ(tensorBytes(at::Tensor()), 0);
  EXPECT_EQ(tensorBytes(at::empty({3, 5}, at::kFloat)), 60);
  EXPECT_EQ(tensorBytes(at::empty({7}, at::kBFloat16)), 14);
}

TEST(MemoryProbe, RssGrowsWhenMemoryIsTouched) {
  const c10::Device cpu("cpu");
  const MemorySample before = sampleMemory(cpu);
  ASSERT_TRUE(before.valid);
  EXPECT_GE(before.peakBytes, before.currentBytes);
  // 64 MiB written for real, so it must be resident.
  at::Tensor big = at::ones({16, 1024, 1024}, at::kFloat);
  const MemorySample after = sampleMemory(cpu);
  EXPECT_GT(after.currentBytes, before.currentBytes + 48ll * 1024 * 1024);
  EXPECT_GE(after.peakBytes, after.currentBytes);
  big.reset();
}

}  // namespace
}  // namespace vitcop::gpu
