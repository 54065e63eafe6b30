// Selection math of the baselines on small hand-checkable inputs: the spec-0.4 tie rule, FastV,
// SparseVLM (raters, relation, stage, cluster_and_merge), PyramidDrop, VisionZip, DART
// (Appendix A set order), DivPrune, random keep and pooling; bad tensors -> PruningError.
#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "core/pruning/baselines/baseline_common.h"
#include "core/pruning/baselines/dart.h"
#include "core/pruning/baselines/divprune.h"
#include "core/pruning/baselines/downsample.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/baselines/pdrop.h"
#include "core/pruning/baselines/random_keep.h"
#include "core/pruning/baselines/sparsevlm.h"
#include "core/pruning/baselines/visionzip.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::expectError;

std::vector<int64_t> vec(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous().reshape({-1});
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

at::Tensor floats(std::vector<float> v) {
  return at::tensor(v, at::kFloat);
}

TEST(BaselineSelection, TopkTieRuleLowerIndexFirst) {
  EXPECT_EQ(vec(topkLargest(floats({1, 3, 3, 2}), 2, "t")), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(vec(topkSmallest(floats({2, 1, 1, 0.5}), 3, "t")), (std::vector<int64_t>{3, 1, 2}));
  expectError([] { topkLargest(floats({1, NAN}), 1, "caller"); }, "NaN");
  expectError([] { topkLargest(floats({1, 2}), 3, "caller"); }, "k must be in [0, 2]");
  EXPECT_EQ(vec(keepWithContext(at::tensor({4, 2}, at::kLong), 1, 4, 7, "t")),
            (std::vector<int64_t>{0, 2, 4, 5, 6}));
  expectError([] { keepWithContext(at::tensor({6}, at::kLong), 1, 4, 7, "caller"); },
              "outside the visual window");
  expectError(
      [] {
        keepWithContext(at::tensor({2, 2}, at::kLong), 1, 4, 7, "caller");
      },
      "duplicates");
}

// FastV: last row of the head-mean attention, image window [1, 4) of n = 6.
TEST(BaselineSelection, FastvLastRowTopR) {
  at::Tensor attn = at::zeros({2, 6, 6});
  // Head 0 and head 1 rows of the last token; mean = [.., 0.2, 0.35, 0.1, ..] on the window.
  attn[0][5] = floats({0.1f, 0.3f, 0.3f, 0.1f, 0.1f, 0.1f});
  attn[1][5] = floats({0.1f, 0.1f, 0.4f, 0.1f, 0.2f, 0.1f});
  attn[0][4] = floats({0, 9, 0, 0, 0, 0});  // another row: must not be read
  const at::Tensor s = fastvScores(attn, 1, 3);
  EXPECT_TRUE(at::allclose(s, floats({0.2f, 0.35f, 0.1f})));
  EXPECT_TRUE(at::equal(fastvScores(attn.unsqueeze(0), 1, 3), s));
  EXPECT_TRUE(at::equal(fastvScores(attn.select(1, 5), 1, 3), s));
  const FastvSelection sel = fastvSelect(s, 2, 1, 6);
  EXPECT_EQ(vec(sel.topk), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(vec(sel.keep), (std::vector<int64_t>{0, 1, 2, 4, 5}));  // original positions, gaps
  expectError([&] { fastvSelect(s, 4, 1, 6); }, "retained R");
  expectError([&] { fastvScores(attn, 4, 3); }, "visual window");
  expectError([] { fastvScores(at::zeros({2, 6, 5}), 0, 3); }, "attention");
}

// SparseVLM raters: only text token 0 attracts the visual rows, so m ~ [1, 0, 0] > mean = 1/3.
TEST(BaselineSelection, SparsevlmRatersAndRelation) {
  const at::Tensor e = floats({1, 0, 1, 0, 10, 0, 0, 0, 0, 0}).view({5, 2});
  EXPECT_EQ(vec(sparsevlmRaters(e, 0, 2)), (std::vector<int64_t>{0}));
  expectError([&] { sparsevlmRaters(e, 0, 5); }, "no text token");
  // Relation: rows 3 and 4 of a [1 head, 5, 5] matrix, image window [0, 3).
  at::Tensor a = at::zeros({1, 5, 5});
  a[0][3] = floats({0.2f, 0.4f, 0.0f, 0.4f, 0});
  a[0][4] = floats({0.4f, 0.0f, 0.2f, 0.2f, 0.2f});
  const at::Tensor rel = sparsevlmRelation(a, at::tensor({3, 4}, at::kLong), 0, 3);
  EXPECT_TRUE(at::allclose(rel, floats({0.3f, 0.2f, 0.1f})));
  expectError([&] { sparsevlmRelation(a, at::tensor({7}, at::kLong), 0, 3); }, "rows");
  // Keep mask: k = min(list, n - 1) (SQ-06).
  EXPECT_EQ(vec(sparsevlmKeepMask(rel, 10)), (std::vector<int64_t>{1, 1, 0}));
  expectError([&] { sparsevlmKeepMask(rel, 0); }, "listValue");
}

// cluster_and_merge on two pairs: A = (0,0),(0,1) is denser than B = (10,10),(10,12). Both A
// points tie on density and score (SQ-05 port decision: no noise, lower index first), so the
// centres are 0 and 1; B joins centre 1, the nearer one. merged = sum / (count + 1e-6).
TEST(BaselineSelection, ClusterAndMergeByHand) {
  const at::Tensor x = floats({0, 0, 0, 1, 10, 10, 10, 12}).view({4, 2});
  const ClusterMergeResult r = clusterAndMerge(x, 2);
  EXPECT_EQ(vec(r.centres), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(vec(r.assignment), (std::vector<int64_t>{0, 1, 1, 1}));
  EXPECT_NEAR(r.density[0].item<double>(), std::exp(-0.25), 1e-6);
  EXPECT_NEAR(r.density[2].item<double>(), std::exp(-1.0), 1e-6);
  EXPECT_TRUE(at::allclose(r.merged[0], floats({0, 0})));
  EXPECT_TRUE(at::allclose(r.merged[1], floats({20.0f / 3, 23.0f / 3}), 1e-5));
  // Noise lifting point 1 breaks the tie (what upstream's rand * 1e-6 does): point 1 keeps
  // delta = max(Dist), point 0 drops to d(0,1), so the centres become 1 and 3 (score 3.87 of
  // (10,12) beats 3.50 of (10,10) and 0.55 of point 0) and the pairs separate.
  const ClusterMergeResult n = clusterAndMerge(x, 2, floats({0, 1e-3f, 0, 0}));
  EXPECT_EQ(vec(n.centres), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(vec(n.assignment), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_TRUE(at::allclose(n.merged, floats({0, 0.5f, 10, 11}).view({2, 2}), 1e-5));
  expectError([&] { clusterAndMerge(x, 5); }, "clusters");
  expectError([&] { clusterAndMerge(x, 2, floats({0})); }, "densityNoise");
}

// One SparseVLM stage: n_vis = 5, list 2 -> keep 2, delete 3, recycle trunc(0.9) + 1 = 1 token
// into trunc(0.1) + 1 = 1 cluster, appended after the kept tokens.
TEST(BaselineSelection, SparsevlmStageAssembly) {
  const at::Tensor h = at::arange(16, at::kFloat).view({8, 2});  // prefix 1, image 5, suffix 2
  const at::Tensor rel = floats({0.1f, 0.5f, 0.05f, 0.3f, 0.2f});
  const SparsevlmStage st = sparsevlmPruneStage(h.unsqueeze(0), rel, 2, 1);
  EXPECT_EQ(vec(st.kept), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(vec(st.deleted), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_EQ(vec(st.recycled), (std::vector<int64_t>{4}));  // the largest rel among the deleted
  EXPECT_EQ(st.counts.after, 3);
  ASSERT_EQ(st.hidden.sizes(), (c10::IntArrayRef{1, 6, 2}));
  const at::Tensor out = st.hidden[0];
  EXPECT_TRUE(at::equal(out[0], h[0]));
  EXPECT_TRUE(at::equal(out[1], h[2]));  // kept relative 1 = absolute 2
  EXPECT_TRUE(at::equal(out[2], h[4]));
  EXPECT_TRUE(at::allclose(out[3], h[5] / (1 + 1e-6)));  // merged recycled token 4 -> row 5
  EXPECT_TRUE(at::equal(out.slice(0, 4), h.slice(0, 6)));
}

// PyramidDrop with zero queries: the softmax is uniform over keys 0..queryIndex (causal).
TEST(BaselineSelection, PdropUniformAttentionAndDrop) {
  PdropRankLayer w;
  w.normWeight = at::ones({4});
  w.qWeight = at::zeros({4, 4});
  w.kWeight = at::randn({4, 4});
  w.heads = w.kvHeads = 2;
  const at::Tensor h = at::randn({6, 4});
  EXPECT_TRUE(at::allclose(pdropScores(h, w, 4, 1, 3), at::full({3}, 0.2f)));
  EXPECT_TRUE(at::allclose(pdropScores(h, w, 2, 1, 2), at::full({2}, 1.0f / 3)));
  w.kvHeads = 1;  // GQA: both query heads read KV head 0 (PQ-04)
  w.kWeight = at::randn({2, 4});
  EXPECT_TRUE(at::allclose(pdropScores(h, w, 5, 0, 6), at::full({6}, 1.0f / 6)));
  w.kvHeads = 3;
  expectError([&] { pdropScores(h, w, 5, 0, 6); }, "kvHeads");
  w.kvHeads = 1;
  expectError([&] { pdropScores(h, w, 6, 0, 6); }, "queryIndex");
  expectError([&] { pdropScores(h, w, 3, 2, 3); }, "visual window");

  const PdropDrop d = pdropDrop(h.unsqueeze(0), floats({0.1f, 0.5f, 0.3f}), 2, 1);
  EXPECT_EQ(vec(d.keep), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(at::equal(d.hidden[0], h.index_select(0, at::tensor({0, 2, 3, 4, 5}, at::kLong))));
  EXPECT_EQ(vec(d.positions), (std::vector<int64_t>{0, 1, 2, 3, 4}));  // PQ-02
  expectError([&] { pdropDrop(h, floats({0.1f, 0.5f, 0.3f}), 4, 1); }, "keepCount");
}

// VisionZip: CLS + 4 patches, dominant 2 -> {CLS, patch 1 (token 2)}; remaining tokens 1, 3, 4
// with one contextual token: step 3, target = token 1, tokens 3 and 4 merged into it.
TEST(BaselineSelection, VisionzipByHand) {
  const at::Tensor cls = floats({0.5f, 0.1f, 0.4f, 0.3f, 0.2f}).view({1, 5});
  const VisionzipDominant d = visionzipDominant(cls, 2);
  EXPECT_EQ(vec(d.topk), (std::vector<int64_t>{0, 2}));
  const at::Tensor h = at::arange(10, at::kFloat).view({5, 2});
  const at::Tensor metric = floats({1, 0, 1, 0, 0, 1, 1, 1, 0.5f, 1}).view({5, 2});
  const VisionzipContextual c = visionzipContextual(h, metric, d.sorted, 1);
  EXPECT_EQ(vec(c.remaining), (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(vec(c.targets), (std::vector<int64_t>{0}));
  EXPECT_EQ(vec(c.counts), (std::vector<int64_t>{2}));
  ASSERT_EQ(c.tokens.size(0), 3);
  EXPECT_TRUE(at::equal(c.tokens[0], h[0]));
  EXPECT_TRUE(at::equal(c.tokens[1], h[2]));
  EXPECT_TRUE(at::allclose(c.tokens[2], h[1] + (h[3] + h[4]) / 2));  // ZQ-03
  // Two targets: step 3 // 2 = 1 -> targets 0, 1 (tokens 1, 3); token 4 (metric (0.5, 1)) is
  // closer in angle to token 3 (1, 1) than to token 1 (1, 0).
  const VisionzipContextual c2 = visionzipContextual(h, metric, d.sorted, 2);
  EXPECT_EQ(vec(c2.targets), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(vec(c2.assignment), (std::vector<int64_t>{1}));
  EXPECT_TRUE(at::allclose(c2.tokens[3], h[3] + h[4]));
  EXPECT_TRUE(at::allclose(visionzipMetric(at::arange(8, at::kFloat).view({2, 4}), 2),
                           floats({1, 2, 5, 6}).view({2, 2})));
  expectError([&] { visionzipContextual(h, metric, d.sorted, 4); }, "contextual");
  expectError([&] { visionzipContextual(h, metric.slice(0, 1), d.sorted, 1); }, "metric");
  expectError([&] { visionzipMetric(h, 3); }, "heads");
  expectError([&] { visionzipDominant(cls, 6); }, "dominant");
}

// Appendix A: the three worked examples of CPython's set order (DQ-02).
TEST(BaselineSelection, CpythonSetOrderAppendixA) {
  EXPECT_EQ(cpythonSetOrder({421, 70, 300, 555, 640, 612, 650, 633}),
            (std::vector<int64_t>{640, 612, 421, 70, 650, 555, 300, 633}));
  EXPECT_EQ(cpythonSetOrder({587, 621, 369, 628, 85, 600, 640, 611}),
            (std::vector<int64_t>{640, 611, 587, 621, 369, 628, 85, 600}));
  EXPECT_EQ(cpythonSetOrder({36, 37, 68, 100, 611, 612, 613, 640}),
            (std::vector<int64_t>{640, 611, 100, 36, 37, 68, 612, 613}));
  EXPECT_EQ(cpythonSetOrder({3, 1, 3, 2}), (std::vector<int64_t>{1, 2, 3}));  // small: by value
  expectError([] { cpythonSetOrder({-1}); }, "keys");
}

// DART: image tokens 0..3, text 4, 5. Pivot 0 (1,0) takes the least similar candidate 3
// (-1, 0); text pivot 4 (0,1) then takes 1 (cos 0.11) over 2 (cos 1). Token 4 is not retained.
TEST(BaselineSelection, DartGreedyByHand) {
  const at::Tensor h = floats({1, 0, 0.9f, 0.1f, 0, 1, -1, 0, 0, 1, 1, 1}).view({6, 2});
  const DartSelection s = dartSelect(h, {0}, {0, 4}, 0, 4, 1);
  EXPECT_EQ(s.picks, (std::vector<std::vector<int64_t>>{{3}, {1}}));
  EXPECT_EQ(vec(s.retainedSorted), (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(vec(s.keep), (std::vector<int64_t>{0, 1, 3, 4, 5}));
  // The order of the pivots matters (DQ-02): visiting 4 first takes 3 (cos 0 < 0.11), then
  // pivot 0 takes 2 (cos 0 < 0.99): a different retained set.
  const DartSelection r = dartSelect(h, {0}, {4, 0}, 0, 4, 1);
  EXPECT_EQ(r.picks, (std::vector<std::vector<int64_t>>{{3}, {2}}));
  EXPECT_EQ(vec(r.retainedSorted), (std::vector<int64_t>{0, 2, 3}));
  expectError([&] { dartSelect(h, {0}, {0, 4}, 0, 4, 2); }, "picks exceed");
  expectError([&] { dartSelect(h, {5}, {5}, 0, 4, 1); }, "image pivot 5");

  // Pivots: L1 norm of the concatenated heads, largest first.
  at::Tensor keys = at::zeros({2, 6, 1});
  keys.select(2, 0)[0] = floats({0, 1, -3, 2, 0.5f, -0.1f});
  keys.select(2, 0)[1] = floats({0, 1, 0, 2, 0.0f, 0.0f});
  const DartPivots p = dartPivots(keys, 0, 4, 2, 1);
  EXPECT_EQ(p.image, (std::vector<int64_t>{3, 2}));  // L1 = 0, 2, 3, 4
  EXPECT_EQ(p.text, (std::vector<int64_t>{4}));
  expectError([&] { dartPivots(keys, 0, 4, 2, 3); }, "textPivots");
}

// DivPrune on x0 = (1,0), x1 = (0,1), x2 = (1,1), x3 = (-1,0): step 0 picks 3 (second-smallest
// distance 1), then 0 (distance 2 to x3), then 1 (min(1, 1) = 1 beats x2's 0.29).
TEST(BaselineSelection, DivpruneGreedyByHand) {
  const at::Tensor x = floats({1, 0, 0, 1, 1, 1, -1, 0}).view({4, 2});
  const DivpruneSelection s = divpruneSelect(x, 3);
  EXPECT_EQ(vec(s.order), (std::vector<int64_t>{3, 0, 1}));
  EXPECT_EQ(vec(s.sorted), (std::vector<int64_t>{0, 1, 3}));
  EXPECT_TRUE(at::allclose(s.minDistance, at::tensor({1.0, 2.0, 1.0}, at::kDouble)));
  // XQ-02: all four selected; the last is x2 although its score is ~0.29.
  EXPECT_EQ(vec(divpruneSelect(x, 4).order), (std::vector<int64_t>{3, 0, 1, 2}));
  expectError([&] { divpruneSelect(x, 5); }, "count");
  expectError([] { divpruneDistance(at::zeros({2, 2})); }, "zero row");
}

// Random keep: mt19937_64(5489) first word 14514284786278117030 (the standard value); mod 3
// = 1, mod 2^63 = 5290912749423341222. keep 1 of 3 -> index 1.
TEST(BaselineSelection, RandomKeepIsPortable) {
  std::mt19937_64 a(5489);
  EXPECT_EQ(uniformBelow(a, 3), 1u);
  std::mt19937_64 b(5489);
  EXPECT_EQ(uniformBelow(b, uint64_t{1} << 63), 5290912749423341222ull);
  EXPECT_EQ(randomKeepIndices(3, 1, 5489), (std::vector<int64_t>{1}));
  const auto k = randomKeepIndices(576, 192, 42);
  EXPECT_EQ(k.size(), 192u);
  EXPECT_TRUE(std::is_sorted(k.begin(), k.end()));
  EXPECT_EQ(std::set<int64_t>(k.begin(), k.end()).size(), 192u);
  EXPECT_EQ(k, randomKeepIndices(576, 192, 42));
  EXPECT_NE(k, randomKeepIndices(576, 192, 43));
  EXPECT_EQ(randomKeepIndices(5, 5, 1), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  expectError([] { randomKeepIndices(5, 6, 1); }, "keep");
}

// Pooling: a 4x4 ramp to 2x2, a 1x5 row to 1x3 (overlapping bins), and two frames.
TEST(BaselineSelection, PoolingByHand) {
  const at::Tensor t = at::arange(16, at::kFloat).view({16, 1});
  EXPECT_TRUE(at::allclose(poolVisualTokens(t, 4, 4, {2, 2}).reshape({-1}),
                           floats({2.5f, 4.5f, 10.5f, 12.5f})));
  const std::vector<std::pair<int64_t, int64_t>> bins{{0, 2}, {1, 4}, {3, 5}};
  EXPECT_EQ(adaptivePoolBins(5, 3), bins);
  EXPECT_TRUE(at::allclose(
      poolVisualTokens(at::arange(5, at::kFloat).view({5, 1}), 1, 5, {1, 3}).reshape({-1}),
      floats({0.5f, 2.0f, 3.5f})));
  const at::Tensor two = at::cat({t, t + 100}).unsqueeze(0);
  const at::Tensor p = poolVisualTokens(two, 4, 4, {1, 1});
  EXPECT_TRUE(at::allclose(p.reshape({-1}), floats({7.5f, 107.5f})));
  expectError([&] { poolVisualTokens(t, 3, 3, {1, 1}); }, "tokens");
  expectError([&] { poolVisualTokens(t, 4, 4, {5, 1}); }, "pooled shape");
}

}  // namespace
}  // namespace vitcop::pruning
