// Budget schedule (spec 2.2, 2.5, 6.3-6.5), numeric functions (0.4) and analytic prefill FLOPs
// (4.1, 6.12). Expected numbers are the spec's tables, not recomputed by the formula under test.
#include <gtest/gtest.h>

#include "core/pruning/budget_schedule.h"
#include "core/pruning/numeric.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::expectError;

const VisualGeometry kLlava15{24, 24, 1, 32};

TEST(Numeric, TruncAndRoundHalfEvenFollowPython) {
  // VQ-04: 0.3 * 576 = 172.79999999999998 in float64 -> 172; 0.4 * 576 = 230.4 -> 230.
  EXPECT_EQ(pyTrunc(0.3 * 576), 172);
  EXPECT_EQ(pyTrunc(0.4 * 576), 230);
  EXPECT_EQ(pyTrunc(-2.7), -2);
  // round-half-even, unlike std::round (VQ-19, VQ-20).
  EXPECT_EQ(pyRound(0.5), 0);
  EXPECT_EQ(pyRound(1.5), 2);
  EXPECT_EQ(pyRound(2.5), 2);
  EXPECT_EQ(pyRound(27.5), 28);
  EXPECT_EQ(pyRound(16.5), 16);
  EXPECT_EQ(pyRound(-0.5), 0);
  EXPECT_EQ(pyRound(2.6), 3);
}

struct Row {
  double r, v, p;
  int64_t Nv, R1, R2, C;
  double r1Exact, mean;
};

// Spec 2.2 table, all rows (released 192/128/64, the older 96 example, the code defaults): C-07.
TEST(BudgetSchedule, ReproducesTheReleasedTableExactly_VQ04_VQ13_VQ19) {
  const Row rows[] = {
      {0.3333, 0.5, 0.18, 288, 253, 51, 51, 253.063, 192.0625},
      {0.2222, 0.4, 0.15, 230, 165, 33, 34, 164.931, 127.8125},
      {0.1111, 0.3, 0.12, 172, 77, 15, 20, 77.014, 63.5625},
      {0.1667, 0.3, 0.18, 172, 123, 25, 30, 123.381, 95.4375},
      {0.25, 0.5, 0.18, 288, 183, 37, 51, 183.273, 143.9375},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE("r = " + std::to_string(row.r));
    VitcopParams p;
    p.ratio = row.r, p.keepRatio = row.v, p.centreFraction = row.p;
    const BudgetSchedule s = computeSchedule(p, kLlava15);
    EXPECT_EQ(s.stage1Tokens, row.Nv);
    EXPECT_EQ(s.shallowTokens, row.R1);
    EXPECT_EQ(s.deepTokens, row.R2);
    EXPECT_EQ(s.centres, row.C);
    EXPECT_NEAR(s.shallowExact, row.r1Exact, 1e-3);
    EXPECT_DOUBLE_EQ(meanVisualTokens(s.layerVisualTokens()), row.mean);
    EXPECT_DOUBLE_EQ(s.meanTokens, row.mean);
  }
}

TEST(BudgetSchedule, ReleasedPresetsGive288_253_51_230_165_33_172_77_15) {
  const int64_t expect[3][3] = {{288, 253, 51}, {230, 165, 33}, {172, 77, 15}};
  const auto budgets = releasedBudgets();
  ASSERT_EQ(budgets, (std::vector<int>{192, 128, 64}));
  for (size_t i = 0; i < budgets.size(); ++i) {
    const BudgetSchedule s = computeSchedule(releasedPreset(budgets[i]), kLlava15);
    EXPECT_EQ(s.stage1Tokens, expect[i][0]);
    EXPECT_EQ(s.shallowTokens, expect[i][1]);
    EXPECT_EQ(s.deepTokens, expect[i][2]);
    EXPECT_FALSE(s.params.proposal);
  }
  // Pre-rounding values of the table (parentheses in spec 2.2).
  const BudgetSchedule s192 = computeSchedule(releasedPreset(192), kLlava15);
  EXPECT_NEAR(s192.shallowExact, 253.063, 1e-3);
  EXPECT_NEAR(s192.deepExact, 50.6, 1e-12);
  const BudgetSchedule s128 = computeSchedule(releasedPreset(128), kLlava15);
  EXPECT_NEAR(s128.shallowExact, 164.931, 1e-3);
  const BudgetSchedule s64 = computeSchedule(releasedPreset(64), kLlava15);
  EXPECT_NEAR(s64.shallowExact, 77.014, 1e-3);
  EXPECT_NEAR(s64.deepExact, 15.4, 1e-12);
  // Per-layer counts: N_v in 0..1, R1 in 2..21, R2 in 22..31.
  const auto layers = s192.layerVisualTokens();
  ASSERT_EQ(layers.size(), 32u);
  EXPECT_EQ(layers[1], 288);
  EXPECT_EQ(layers[2], 253);
  EXPECT_EQ(layers[21], 253);
  EXPECT_EQ(layers[22], 51);
  EXPECT_EQ(layers[31], 51);
}

TEST(BudgetSchedule, DeriveOnLlava15UsesTheReleasedLiterals) {
  // Spec 6: faithful mode MUST use the literal released values on LLaVA-1.5.
  const VitcopParams p = deriveParams(128, kLlava15);
  EXPECT_EQ(p.ratio, 0.2222);
  EXPECT_EQ(p.keepRatio, 0.4);
  EXPECT_EQ(p.centreFraction, 0.15);
  EXPECT_EQ(p.budgetLayers, 32);
  EXPECT_FALSE(p.proposal);
  // An unreleased budget is derived and flagged as a proposal.
  const VitcopParams q = deriveParams(96, kLlava15);
  EXPECT_TRUE(q.proposal);
  EXPECT_NEAR(q.keepRatio, 0.35, 1e-12);        // 0.2 + 0.9 / 6
  EXPECT_NEAR(q.centreFraction, 0.135, 1e-12);  // 0.09 + 0.27 / 6
  // Overrides win.
  ParamOverrides o;
  o.keepRatio = 0.45;
  o.shallowLayer = 3;
  const VitcopParams r = deriveParams(192, kLlava15, o);
  EXPECT_EQ(r.keepRatio, 0.45);
  EXPECT_EQ(r.shallowLayer, 3);
}

// Spec 6.3 table.
TEST(BudgetSchedule, ScalesShallowAndDeepLayersWithDepth) {
  const int64_t L[] = {16, 24, 28, 32, 40, 48, 60, 80};
  const int64_t S[] = {1, 2, 2, 2, 2, 3, 4, 5};
  const int64_t D[] = {11, 16, 19, 22, 28, 33, 41, 55};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(scaledShallowLayer(L[i]), S[i]) << "L = " << L[i];
    EXPECT_EQ(scaledDeepLayer(L[i]), D[i]) << "L = " << L[i];
  }
}

struct GenRow {
  double B;
  int64_t Nv, R1, R2, C;
  double mean;
};

// Spec 6.4 examples: LLaVA-1.5-13B (L = 40) and a 27x27 grid with L = 28.
TEST(BudgetSchedule, GeneralisesToOtherDepthsAndGrids) {
  const GenRow l40[] = {
      {192, 288, 250, 50, -1, 191.9}, {128, 230, 164, 33, -1, 128.0}, {64, 172, 78, 16, -1, 64.1}};
  for (const auto& row : l40) {
    SCOPED_TRACE("L=40 B=" + std::to_string(row.B));
    const VisualGeometry g{24, 24, 1, 40};
    const BudgetSchedule s = computeSchedule(deriveParams(row.B, g), g);
    EXPECT_EQ(s.params.shallowLayer, 2);
    EXPECT_EQ(s.params.deepLayer, 28);
    EXPECT_EQ(s.stage1Tokens, row.Nv);
    EXPECT_EQ(s.shallowTokens, row.R1);
    EXPECT_EQ(s.deepTokens, row.R2);
    EXPECT_NEAR(s.meanTokens, row.mean, 0.05);
  }
  const GenRow g27[] = {
      {192, 318, 252, 50, 51, 191.8}, {128, 261, 163, 33, 35, 128.2}, {64, 203, 74, 15, 23, 64.25}};
  for (const auto& row : g27) {
    SCOPED_TRACE("27x27 L=28 B=" + std::to_string(row.B));
    const VisualGeometry g{27, 27, 1, 28};
    const BudgetSchedule s = computeSchedule(deriveParams(row.B, g), g);
    EXPECT_EQ(s.params.shallowLayer, 2);
    EXPECT_EQ(s.params.deepLayer, 19);
    EXPECT_EQ(s.stage1Tokens, row.Nv);
    EXPECT_EQ(s.shallowTokens, row.R1);
    EXPECT_EQ(s.deepTokens, row.R2);
    EXPECT_EQ(s.centres, row.C);
    EXPECT_NEAR(s.meanTokens, row.mean, 0.05);
    EXPECT_TRUE(s.params.proposal);
  }
}

TEST(BudgetSchedule, VideoBudgetUsesAllFrames) {
  // Spec 6.10: P is replaced by F * P in the budget; Stage I keeps trunc(v * P) in every frame,
  // so N_v = F * trunc(v * P), which is what stage1SelectFrames produces.
  const VisualGeometry video{24, 24, 8, 32};
  const BudgetSchedule s = computeSchedule(deriveParams(8 * 96.0, video), video);
  EXPECT_EQ(s.stage1Tokens, 8 * pyTrunc(s.params.keepRatio * 576));
  VitcopParams odd = s.params;
  odd.keepRatio =
      0.301;  // 0.301 * 576 = 173.4: per frame 173 (1384 in all), not trunc(1387.008) = 1387
  EXPECT_EQ(computeSchedule(odd, video).stage1Tokens, 8 * 173);
  EXPECT_NEAR(s.meanTokens, 8 * 96.0, 8 * 96.0 * 0.01);
}

TEST(BudgetSchedule, ParsesTokenCountsAndShares) {
  EXPECT_DOUBLE_EQ(parseBudget("192", 576), 192.0);
  EXPECT_DOUBLE_EQ(parseBudget("11%", 576), 0.11 * 576);
  EXPECT_DOUBLE_EQ(parseBudget(" 33.3 % ", 576), 0.333 * 576);
  expectError([] { parseBudget("abc", 576); }, "budget 'abc'");
  expectError([] { parseBudget("12%%", 576); }, "budget '12%%'");
  expectError([] { parseBudget("", 576); }, "budget ''");
  expectError([] { parseBudget("-5", 576); }, "must be > 0");
  expectError([] { parseBudget("700", 576); }, "exceeds the 576 visual tokens");
  expectError([] { parseBudget("120%", 576); }, "exceeds the 576 visual tokens");
}

TEST(BudgetSchedule, RejectsBadParametersNamingThem) {
  auto with = [](auto edit) {
    VitcopParams p = releasedPreset(192);
    edit(p);
    return p;
  };
  auto check = [&](auto edit, const std::string& needle) {
    expectError([&] { computeSchedule(with(edit), kLlava15); }, needle);
  };
  check([](VitcopParams& p) { p.keepRatio = 0; }, "keep ratio v must be > 0");
  check([](VitcopParams& p) { p.keepRatio = -0.1; }, "keep ratio v");
  check([](VitcopParams& p) { p.keepRatio = 1.5; }, "keep ratio v must be <= 1");
  check([](VitcopParams& p) { p.centreFraction = 1.0; }, "centre fraction p must be < 1");
  check([](VitcopParams& p) { p.centreFraction = 0; }, "centre fraction p must be > 0");
  check([](VitcopParams& p) { p.shallowLayer = 22; },
        "shallow layer S (22) must be < deep layer D (22)");
  check([](VitcopParams& p) { p.shallowLayer = 0; }, "shallow layer S must be >= 1");
  check([](VitcopParams& p) { p.deepLayer = 32; }, "deep layer D (32) must be < LLM layers L (32)");
  check([](VitcopParams& p) { p.deepRatio = 0; }, "deep ratio");
  check([](VitcopParams& p) { p.densityCutoff = 0; }, "density cutoff dc");
  check([](VitcopParams& p) { p.spatialRadius = -1; }, "spatial radius tau");
  check([](VitcopParams& p) { p.ratio = 0; }, "ratio r must be > 0");
  check([](VitcopParams& p) { p.ratio = 1.2; }, "budget above the visual token count");
  check([](VitcopParams& p) { p.ratio = std::nan(""); }, "ratio r must be a finite number");
  // Count checks of spec 6.4: L r / v <= S, R1 > N_v, R2 = 0.
  check([](VitcopParams& p) { p.ratio = 0.02; }, "budget too small: L*r/v");
  check(
      [](VitcopParams& p) {
        p.keepRatio = 0.3;
        p.ratio = 0.5;
      },
      "keep ratio v = 0.3 too small");
  check([](VitcopParams& p) { p.ratio = 0.0337, p.keepRatio = 0.5; }, "R2 = rhe(0.4) is 0");
  check([](VitcopParams& p) { p.keepRatio = 0.001; }, "keeps no token");
  // Geometry.
  expectError(
      [] {
        computeSchedule(releasedPreset(64), VisualGeometry{0, 24, 1, 32});
      },
      "grid height");
  expectError([] { computeSchedule(releasedPreset(64), VisualGeometry{24, 24, 0, 32}); }, "frames");
  // Budget above the model's tokens, non-positive budget, no preset.
  expectError([] { deriveParams(600, kLlava15); }, "budget 600 exceeds the 576 visual tokens");
  expectError([] { deriveParams(0, kLlava15); }, "budget must be > 0");
  expectError([] { releasedPreset(100); }, "no released preset for budget 100");
}

// ---- FLOPs ----

TEST(PrefillFlops, HandComputedLayer) {
  // n = 10, d = 4, m = 6, 2 heads of 2: 4 n d^2 + 2 n^2 d + 3 n d m = 640 + 800 + 720.
  LlmDims dims{4, 6, 2, 2, 2, 3.0};
  EXPECT_DOUBLE_EQ(layerPrefillFlops(10, dims), 2160.0);
  // GQA, one KV head (spec 6.12): 2nd(4) + 2nd(2) + 2n^2(4) + 3ndm = 320 + 160 + 800 + 720.
  dims.kvHeads = 1;
  EXPECT_DOUBLE_EQ(layerPrefillFlops(10, dims), 2000.0);
  // Two-matrix FFN (DivPrune's convention).
  dims.kvHeads = 2;
  dims.ffnMatrices = 2.0;
  EXPECT_DOUBLE_EQ(layerPrefillFlops(10, dims), 1920.0);
  EXPECT_DOUBLE_EQ(prefillFlops({10, 10, 0}, dims), 3840.0);
}

// Spec 4.1 reference table (7B, prefix 35, suffix 40), within 0.001 TFLOPs (C-18).
TEST(PrefillFlops, MatchesTheSpecTable) {
  const LlmDims llama7b;
  auto tflops = [&](const std::vector<int64_t>& lens) {
    return prefillFlops(lens, llama7b) * 1e-12;
  };
  EXPECT_NEAR(tflops(denseLayerLengths(kLlava15, 35, 40)), 4.327, 1e-3);
  const double vitcop[] = {1.751, 1.325, 0.903};
  const auto budgets = releasedBudgets();
  for (size_t i = 0; i < 3; ++i) {
    const BudgetSchedule s = computeSchedule(releasedPreset(budgets[i]), kLlava15);
    EXPECT_NEAR(tflops(prefillLayerLengths(s, 35, 40)), vitcop[i], 1e-3) << budgets[i];
    const std::vector<int64_t> flat(32, 35 + budgets[i] + 40);
    const double flatExpect[] = {1.748, 1.325, 0.905};
    EXPECT_NEAR(tflops(flat), flatExpect[i], 1e-3) << "flat " << budgets[i];
  }
  // FastV K = 2, R = 166: layer average 191.6 (spec 4.1 table).
  std::vector<int64_t> fastv(32, 166);
  fastv[0] = fastv[1] = 576;
  EXPECT_NEAR(meanVisualTokens(fastv), 191.6, 0.05);
  for (auto& n : fastv)
    n += 75;
  EXPECT_NEAR(tflops(fastv), 1.748, 1e-3);
  expectError([] { meanVisualTokens({}); }, "per-layer visual token list is empty");
  std::vector<int64_t> pdrop;
  for (int64_t n : {576, 288, 144, 72})
    pdrop.insert(pdrop.end(), 8, 75 + n);
  EXPECT_NEAR(tflops(pdrop), 2.275, 1e-3);
  expectError([&] { layerPrefillFlops(-1, llama7b); }, "sequence length");
  expectError([] { layerPrefillFlops(1, LlmDims{0, 1, 1, 1, 1, 3}); }, "LLM dims");
  expectError([] { prefillLayerLengths(computeSchedule(releasedPreset(64), kLlava15), -1, 0); },
              "prefix tokens");
}

}  // namespace
}  // namespace vitcop::pruning
