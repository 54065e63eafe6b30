// LayerKvCache: in-place appends within a preallocated capacity, growth, keep() compaction with
// reordering (positions and origins follow), exact byte counts, and bad slots named.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/generation/kv_cache.h"

namespace vitcop {
namespace {

using generation::LayerKvCache;

std::vector<model::TokenInfo> textTokens(int64_t from, int64_t count) {
  std::vector<model::TokenInfo> out;
  for (int64_t i = 0; i < count; ++i)
    out.push_back({model::TokenKind::Text, from + i, {}});
  return out;
}

TEST(LayerKvCache, AppendsInPlaceAndGrows) {
  LayerKvCache cache(2, 4, at::kFloat, at::kCPU);
  cache.reserve(5);
  const at::Tensor k = torch::randn({1, 2, 3, 4}), v = torch::randn({1, 2, 3, 4});
  auto [keys, values] = cache.append(k, v);
  cache.recordSlots({0, 1, 2}, textTokens(0, 3));
  const void* buffer = keys.data_ptr();
  EXPECT_TRUE(torch::equal(keys, k));
  EXPECT_TRUE(torch::equal(values, v));
  EXPECT_EQ(cache.allocatedBytes(), 2 * 2 * 5 * 4 * 4);
  EXPECT_EQ(cache.usedBytes(), 2 * 2 * 3 * 4 * 4);
  const at::Tensor k2 = torch::randn({1, 2, 2, 4});
  cache.append(k2, k2);
  cache.recordSlots({3, 4}, textTokens(3, 2));
  EXPECT_EQ(cache.keys().data_ptr(), buffer);  // within capacity: no reallocation
  EXPECT_EQ(cache.capacity(), 5);
  const at::Tensor k3 = torch::randn({1, 2, 1, 4});
  cache.append(k3, k3);
  cache.recordSlots({9}, textTokens(5, 1));
  EXPECT_EQ(cache.length(), 6);
  EXPECT_GE(cache.capacity(), 10);  // geometric growth
  EXPECT_TRUE(torch::equal(cache.keys().narrow(2, 0, 3), k));
  EXPECT_TRUE(torch::equal(cache.keys().narrow(2, 5, 1), k3));
  EXPECT_EQ(cache.positions(), (std::vector<int64_t>{0, 1, 2, 3, 4, 9}));
}

TEST(LayerKvCache, KeepCompactsAndReorders) {
  LayerKvCache cache(1, 2, at::kFloat, at::kCPU);
  cache.reserve(8);
  const at::Tensor k = torch::arange(12, torch::kFloat).view({1, 1, 6, 2});
  cache.append(k, k * 10);
  std::vector<model::TokenInfo> tokens = textTokens(0, 6);
  tokens[2] = {model::TokenKind::Visual, 0, {4, 5}};
  cache.recordSlots({0, 1, 2, 3, 4, 5}, tokens);
  cache.keep({4, 2, 0});
  EXPECT_EQ(cache.length(), 3);
  EXPECT_TRUE(
      torch::equal(cache.keys()[0][0], torch::tensor({{8.f, 9.f}, {4.f, 5.f}, {0.f, 1.f}})));
  EXPECT_TRUE(torch::equal(cache.values()[0][0][1], torch::tensor({40.f, 50.f})));
  EXPECT_EQ(cache.positions(), (std::vector<int64_t>{4, 2, 0}));
  EXPECT_EQ(cache.tokens()[1].patches, (std::vector<int32_t>{4, 5}));
  try {
    cache.keep({0, 3});
    FAIL() << "no exception";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("slot 3"), std::string::npos) << e.what();
  }
}

TEST(KvCache, BytesAndLengthsPerLayer) {
  generation::KvCache cache(3, 2, 8, at::kBFloat16, at::kCPU);
  cache.layer(0).reserve(10);
  cache.layer(2).reserve(4);
  EXPECT_EQ(cache.allocatedBytes(), 2 * 2 * (10 + 4) * 8 * 2);
  const at::Tensor k = torch::zeros({1, 2, 3, 8}, at::kBFloat16);
  cache.layer(2).append(k, k);
  EXPECT_EQ(cache.lengths(), (std::vector<int64_t>{0, 0, 3}));
  EXPECT_EQ(cache.usedBytes(), 2 * 2 * 3 * 8 * 2);
}

}  // namespace
}  // namespace vitcop
