// Stage II / III and position ids on hand-made inputs: the worked vectors T-S2 and T-LEN of
// spec 2.13 (C-09, C-10), the VQ-20 port decision, the VQ-29 window quirk, the two position
// modes (VQ-27, VQ-30, VQ-31, spec 6.11) and input validation.
#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/pruning/stage2_filter.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::expectError;
using Groups = std::vector<std::vector<int64_t>>;

std::vector<int64_t> longs(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous().reshape({-1});
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// T-S2 inputs: v_s = 35, N_v = 12.
const at::Tensor& ts2Labels() {
  static const at::Tensor t = at::tensor({0, 0, 1, 0, 1, -1, 2, 2, 1, 0, 2, -1}, at::kLong);
  return t;
}
const at::Tensor& ts2Kappa() {
  static const at::Tensor t =
      at::tensor({5.f, 3.f, 4.f, 6.f, 2.f, 7.f, 1.f, 8.f, 9.f, 2.5f, 3.5f, 0.5f});
  return t;
}

TEST(Stage2, WorkedVectorTS2_R8_HalfToEven_VQ17_VQ20_VQ22_VQ24) {
  const Stage2Selection s = stage2Select(ts2Labels(), ts2Kappa(), 8, 35);
  ASSERT_EQ(s.clusters.size(), 4u);
  EXPECT_EQ(s.clusters[0].label, -1);  // -1 is an ordinary cluster, iterated first (VQ-17)
  EXPECT_DOUBLE_EQ(s.clusters[0].kappaSum, 7.5);
  EXPECT_DOUBLE_EQ(s.clusters[1].kappaSum, 16.5);
  std::vector<int64_t> initial;
  for (const auto& c : s.clusters)
    initial.push_back(c.initialQuota);
  EXPECT_EQ(initial, (std::vector<int64_t>{0, 2, 1, 1}));         // 0.5 -> 0, 1.5 -> 2 (VQ-20)
  EXPECT_EQ(s.selected, (std::vector<int64_t>{44, 36, 39, 41}));  // ascending kappa per cluster
  EXPECT_EQ(s.groups, (Groups{{40, 46}, {35, 38}, {37, 43}, {42, 45}}));
  EXPECT_EQ(s.mergedPositions, (std::vector<int64_t>{46, 38, 43, 45}));  // upper medians
  EXPECT_EQ(s.produced(), 8);
  EXPECT_EQ(s.residual, 0);
}

TEST(Stage2, WorkedVectorTS2_R10_SinglePassSurplus_VQ21) {
  const Stage2Selection s = stage2Select(ts2Labels(), ts2Kappa(), 10, 35);
  std::vector<int64_t> initial, final;
  for (const auto& c : s.clusters)
    initial.push_back(c.initialQuota), final.push_back(c.quota);
  EXPECT_EQ(initial, (std::vector<int64_t>{1, 2, 2, 2}));
  EXPECT_EQ(final, (std::vector<int64_t>{1, 1, 2, 2}));  // largest sum (cluster 0) loses one
  EXPECT_EQ(s.selected, (std::vector<int64_t>{46, 44, 39, 37, 41, 45}));
  EXPECT_EQ(s.groups, (Groups{{40}, {35, 36, 38}, {43}, {42}}));
  EXPECT_EQ(s.mergedPositions, (std::vector<int64_t>{40, 36, 43, 42}));
  EXPECT_EQ(s.produced(), 10);
}

TEST(Stage2, WorkedVectorTS2_R3_ClustersExceedTarget_VQ26) {
  const Stage2Selection s = stage2Select(ts2Labels(), ts2Kappa(), 3, 35);
  EXPECT_TRUE(s.clustersExceedTarget);
  EXPECT_TRUE(s.selected.empty());
  // -1 and 2 have the smallest sums; the leftover group is concatenated by label, not sorted.
  EXPECT_EQ(s.groups, (Groups{{40, 46}, {41, 42, 45}, {35, 36, 38, 44, 37, 39, 43}}));
  EXPECT_EQ(s.mergedPositions, (std::vector<int64_t>{46, 42, 38}));
}

TEST(Stage2, MergedValueIsMedianPlusGroupMean_VQ23_VQ25) {
  const int64_t n = 35 + 12 + 3;
  const at::Tensor h = at::randn({1, n, 4}, at::TensorOptions().dtype(at::kFloat));
  const Stage2Selection s = stage2Select(ts2Labels(), ts2Kappa(), 10, 35);
  const Stage2Output out = stage2Apply(h, s);
  ASSERT_EQ(out.hidden.sizes(), (at::IntArrayRef{1, 35 + 10 + 3, 4}));
  EXPECT_EQ(longs(out.slots), (std::vector<int64_t>{36, 37, 39, 40, 41, 42, 43, 44, 45, 46}));
  const at::Tensor x = h[0];
  // Slot 36 (first visual output): h[36] + (h[35] + h[36] + h[38]) / 3, not an average.
  const at::Tensor expect36 = x[36] + (x[35] + x[36] + x[38]) / 3;
  EXPECT_TRUE(at::allclose(out.hidden[0][35], expect36, 1e-6, 1e-6));
  // A singleton group {40} becomes 2 h[40]; kept tokens and prefix/suffix are copies.
  EXPECT_TRUE(at::allclose(out.hidden[0][35 + 3], 2 * x[40], 1e-6, 1e-6));
  EXPECT_TRUE(at::equal(out.hidden[0][35 + 1], x[37]));
  EXPECT_TRUE(at::equal(out.hidden[0].slice(0, 0, 35), x.slice(0, 0, 35)));
  EXPECT_TRUE(at::equal(out.hidden[0].slice(0, 45, 48), x.slice(0, 47, 50)));
  // Which inputs each output absorbed.
  const auto flat = longs(out.sourcesFlat);
  const auto off = longs(out.sourcesOffsets);
  EXPECT_EQ(std::vector<int64_t>(flat.begin() + off[0], flat.begin() + off[1]),
            (std::vector<int64_t>{35, 36, 38}));
  EXPECT_EQ(std::vector<int64_t>(flat.begin() + off[1], flat.begin() + off[2]),
            (std::vector<int64_t>{37}));
  EXPECT_EQ(longs(out.mergedMask), (std::vector<int64_t>{1, 0, 0, 1, 0, 1, 1, 0, 0, 0}));
}

TEST(Stage2, AllSingletonClustersGiveZeroQuotas_VQ20PortDecision) {
  // N_v == K: upstream's weights are 0/0; port: quotas 0, the pass cannot add, residual stays.
  const Stage2Selection s =
      stage2Select(at::tensor({0, 1, 2, 3}, at::kLong), at::tensor({1.f, 2.f, 3.f, 4.f}), 6, 0);
  for (const auto& c : s.clusters)
    EXPECT_EQ(c.quota, 0);
  EXPECT_EQ(s.residual, 2);
  EXPECT_EQ(s.produced(), 4);
  EXPECT_EQ(s.groups, (Groups{{0}, {1}, {2}, {3}}));
}

TEST(Stage2, KeyNormIsNormOfHeadMean_VQ18) {
  // Two heads, one token: mean of (1, 2) and (3, 4) is (2, 3) -> sqrt(13).
  const at::Tensor k = at::tensor({1.f, 2.f, 3.f, 4.f}).reshape({1, 2, 1, 2});
  EXPECT_FLOAT_EQ(keyNorm(k)[0].item<float>(), std::sqrt(13.f));
  EXPECT_FLOAT_EQ(keyNorm(k[0])[0].item<float>(), std::sqrt(13.f));
}

TEST(Stage3, SmallestKappaInTheNominalWindow_VQ29_VQ43) {
  // v_s = 2, R1 = 4, R2 = 2; suffix tokens (kappa 0) are outside the window.
  const at::Tensor kappa = at::tensor({9.f, 9.f, 4.f, 1.f, 3.f, 2.f, 0.f, 0.f});
  const Stage3Selection d = stage3Select(kappa, 2, 4, 2);
  EXPECT_EQ(longs(d.topk), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(longs(d.keep), (std::vector<int64_t>{0, 1, 3, 5, 6, 7}));
  // Stage II produced only 3 tokens: the nominal window's tail is a question token (index 5),
  // which competes and here is dropped (VQ-29).
  const at::Tensor short1 = at::tensor({9.f, 9.f, 1.f, 2.f, 3.f, 8.f, 5.f});
  EXPECT_EQ(longs(stage3Select(short1, 2, 4, 2).keep), (std::vector<int64_t>{0, 1, 2, 3, 6}));
  const at::Tensor h = at::arange(16, at::kFloat).reshape({8, 2});
  EXPECT_TRUE(at::equal(stage3Apply(h, d.keep), h.index_select(0, d.keep)));
}

// T-LEN (spec 2.13), 192 configuration with T = 24, plus the two position modes.
TEST(Positions, WorkedVectorTLen_VQ27_VQ30_VQ31) {
  const SequencePlan plan = planSequence(32, 2, 22, 35, 288, 253, 253, 51, 24);
  EXPECT_EQ(plan.initialLength, 347);
  EXPECT_EQ(plan.shallowLength, 312);
  EXPECT_EQ(plan.deepLength, 110);
  EXPECT_EQ(plan.layerLengths[1], 347);
  EXPECT_EQ(plan.layerLengths[2], 312);
  EXPECT_EQ(plan.layerLengths[21], 312);
  EXPECT_EQ(plan.layerLengths[22], 110);
  EXPECT_EQ(plan.cacheLengthsAfterDecode(1)[31], 111);
  EXPECT_EQ(plan.decodePosition(0), 347);
  EXPECT_EQ(plan.decodePosition(1), 348);

  at::manual_seed(3);
  const at::Tensor labels = at::randint(0, 51, {288}, at::kLong);
  const Stage2Selection s = stage2Select(labels, at::rand({288}) + 20, 253, 35);
  ASSERT_EQ(s.produced(), 253);
  const at::Tensor ids0 = at::arange(347, at::kLong);
  const at::Tensor ids2 = stage2PositionIds(ids0, s);
  ASSERT_EQ(ids2.numel(), 312);
  // Original positions with gaps (VQ-27): visual ids are the sorted slots, last suffix 346.
  std::vector<int64_t> slots = s.selected;
  slots.insert(slots.end(), s.mergedPositions.begin(), s.mergedPositions.end());
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(longs(ids2.slice(0, 35, 35 + 253)), slots);
  EXPECT_GT(slots.back() - slots.front(), 252);  // gaps remain
  EXPECT_EQ(ids2[311].item<int64_t>(), 346);
  const Stage3Selection d = stage3Select(at::rand({312}), 35, 253, 51);
  const at::Tensor official = stage3PositionIds(ids2, d.keep, PositionMode::Official);
  const at::Tensor original = stage3PositionIds(ids2, d.keep, PositionMode::Original);
  ASSERT_EQ(official.numel(), 110);
  EXPECT_EQ(official[109].item<int64_t>(), 311);  // re-indexed (VQ-30)
  EXPECT_EQ(original[109].item<int64_t>(), 346);  // spec 6.11
  // VQ-31: in layers >= D the first decode position jumps by N_v - R1' + 1.
  EXPECT_EQ(plan.decodePosition(0) - official[109].item<int64_t>(), 288 - 253 + 1);
  EXPECT_EQ(plan.decodePosition(0) - original[109].item<int64_t>(), 1);
  EXPECT_EQ(longs(official.slice(0, 0, 35)), longs(at::arange(35, at::kLong)));
}

TEST(Positions, ThreeDimensionalIdsFollowTheMedianMember_Spec6_10) {
  // v_s = 1, N_v = 4, T = 1; ids are (frame, row, col) triples.
  const at::Tensor ids = at::arange(18, at::kLong).reshape({6, 3});
  const Stage2Selection s =
      stage2Select(at::tensor({0, 0, 0, 1}, at::kLong), at::tensor({1.f, 2.f, 3.f, 4.f}), 3, 1);
  // cluster 0: quota 1 keeps token 1 (kappa 1); group {2, 3} -> median 3; cluster 1: group {4}.
  EXPECT_EQ(s.selected, (std::vector<int64_t>{1}));
  EXPECT_EQ(s.mergedPositions, (std::vector<int64_t>{3, 4}));
  const at::Tensor ids2 = stage2PositionIds(ids, s);
  EXPECT_EQ(longs(ids2), longs(ids.index_select(0, at::tensor({0, 1, 3, 4, 5}, at::kLong))));
  const at::Tensor keep = at::tensor({0, 2, 4}, at::kLong);
  EXPECT_EQ(longs(stage3PositionIds(ids2, keep, PositionMode::Original)),
            longs(ids2.index_select(0, keep)));
  expectError([&] { stage3PositionIds(ids2, keep, PositionMode::Official); },
              "official mode needs 1-D position ids");
}

TEST(Positions, ParsesModes) {
  EXPECT_EQ(parsePositionMode("official"), PositionMode::Official);
  EXPECT_EQ(parsePositionMode("original"), PositionMode::Original);
  EXPECT_STREQ(positionModeName(PositionMode::Original), "original");
  expectError([] { parsePositionMode("clean"); }, "position mode 'clean'");
}

TEST(Stage2, RejectsBadInputsNamingThem) {
  expectError([] { stage2Select(ts2Labels(), at::rand({5}), 8, 35); },
              "kappa has 5 entries but labels has 12");
  expectError(
      [] {
        stage2Select(at::tensor({0, -2}, at::kLong), at::rand({2}), 1, 0);
      },
      "labels contains -2");
  expectError(
      [] {
        stage2Select(ts2Labels(), ts2Kappa().index_fill(0, at::tensor({3}, at::kLong), NAN), 8, 35);
      },
      "stage2Select: kappa: contains NaN");
  expectError([] { stage2Select(ts2Labels(), ts2Kappa(), 0, 35); }, "target R must be >= 1");
  expectError([] { stage2Select(ts2Labels().to(at::kFloat), ts2Kappa(), 8, 35); },
              "stage2Select: labels");
  const Stage2Selection s = stage2Select(ts2Labels(), ts2Kappa(), 8, 35);
  expectError([&] { stage2Apply(at::rand({40, 4}), s); }, "fewer than v_s + N_v = 47");
  expectError([&] { stage2PositionIds(at::arange(40, at::kLong), s); }, "fewer than v_s + N_v");
  expectError([] { stage3Select(at::rand({10}), 5, 8, 2); }, "exceeds the sequence length 10");
  expectError([] { stage3Select(at::rand({10}), 2, 4, 5); }, "R2 must be in [1, R1 = 4]");
  expectError(
      [] {
        stage3Apply(at::rand({4, 2}), at::tensor({4}, at::kLong));
      },
      "keep indexes outside the 4 rows");
  expectError([] { keyNorm(at::rand({3, 4})); }, "keyNorm: keys");
  expectError([] { planSequence(32, 22, 2, 35, 288, 253, 253, 51, 24); }, "need 1 <= S < D < L");
}

}  // namespace
}  // namespace vitcop::pruning
