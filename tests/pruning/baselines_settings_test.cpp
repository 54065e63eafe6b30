// Budget settings of the baselines: the presets for 192 / 128 / 64 against method-spec 3.9 (and
// the per-stage counts of 3.2), the generalisation of 6.9, and bad parameters -> PruningError
// naming the parameter.
#include <gtest/gtest.h>

#include <cmath>

#include "core/pruning/baselines/dart.h"
#include "core/pruning/baselines/divprune.h"
#include "core/pruning/baselines/downsample.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/baselines/pdrop.h"
#include "core/pruning/baselines/random_keep.h"
#include "core/pruning/baselines/sparsevlm.h"
#include "core/pruning/baselines/visionzip.h"
#include "core/pruning/budget_schedule.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::expectError;

const VisualGeometry kLlava{24, 24, 1, 32};
const VisualGeometry kDeep{24, 24, 1, 40};  // LLaVA-1.5-13B depth

double average(const std::vector<int64_t>& perLayer) {
  return meanVisualTokens(perLayer);
}

// Spec 3.1 / 3.9: the ViTCoP authors' K = 2, R = 166 / 98 / 30 -> 191.6 / 127.9 / 64.1.
TEST(BaselineSettings, FastvPresetsMatchSpec39) {
  const std::vector<std::pair<int, int64_t>> r{{192, 166}, {128, 98}, {64, 30}};
  const std::vector<double> avg{191.625, 127.875, 64.125};
  for (size_t i = 0; i < r.size(); ++i) {
    const FastvSettings s = fastvSettingsForBudget(r[i].first, kLlava);
    EXPECT_EQ(s.aggLayer, 2);
    EXPECT_EQ(s.retained, r[i].second);
    EXPECT_DOUBLE_EQ(average(fastvLayerVisualTokens(s, kLlava)), avg[i]);
  }
  EXPECT_EQ(fastvPreset(96).retained, 64);
}

// Spec 6.9: K = max(1, rhe(2L/32)), R = rhe((B L - K P)/(L - K)); for L = 32 the formula gives
// the literal presets, for L = 40 K = rhe(2.5) = 2 and R = rhe(171.79) = 172.
TEST(BaselineSettings, FastvGeneralisation) {
  const FastvSettings deep = fastvSettingsForBudget(192, kDeep);
  EXPECT_EQ(deep.aggLayer, 2);
  EXPECT_EQ(deep.retained, 172);
  EXPECT_EQ(deep.origin, "derived (spec 6.9)");
  const FastvSettings odd = fastvSettingsForBudget(100, kLlava);  // not a preset
  EXPECT_EQ(odd.retained, 68);  // rhe((3200 - 1152) / 30) = rhe(68.27)
  const VisualGeometry small{24, 24, 1, 16};
  EXPECT_EQ(fastvSettingsForBudget(192, small).aggLayer, 1);
}

// Spec 3.2 table: per-stage counts, recycled clusters c_s and the realised layer average.
TEST(BaselineSettings, SparsevlmListsAndRealisedAverages) {
  struct Row {
    int budget;
    std::vector<int64_t> after, clusters;
    double mean;
  };
  const std::vector<Row> rows{{192, {309, 204, 113}, {9, 4, 3}, 206.5},
                              {128, {312, 117, 39}, {9, 7, 3}, 145.40625},
                              {96, {249, 55, 27}, {11, 7, 1}, 114.09375},
                              {64, {82, 32, 18}, {16, 2, 1}, 82.25}};
  for (const auto& row : rows) {
    SCOPED_TRACE(row.budget);
    const SparsevlmSettings s = sparsevlmSettingsForBudget(row.budget, kLlava);
    EXPECT_EQ(s.layers, (std::vector<int64_t>{2, 6, 15}));
    const auto stages = sparsevlmStageCounts(s, kLlava);
    ASSERT_EQ(stages.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(stages[i].after, row.after[i]);
      EXPECT_EQ(stages[i].clusters, row.clusters[i]);
    }
    const auto perLayer = sparsevlmLayerVisualTokens(s, kLlava);
    EXPECT_EQ(perLayer[2], 576);  // the pruning layer runs on the full sequence (SQ-02)
    EXPECT_EQ(perLayer[3], row.after[0]);
    EXPECT_DOUBLE_EQ(average(perLayer), row.mean);
  }
  EXPECT_EQ(sparsevlmPreset(192).retainLists, (std::vector<int64_t>{300, 200, 110}));
  EXPECT_EQ(sparsevlmPreset(128).retainLists, (std::vector<int64_t>{303, 110, 36}));
  EXPECT_EQ(sparsevlmPreset(64).retainLists, (std::vector<int64_t>{66, 30, 17}));
  EXPECT_EQ(sparsevlmVitcopAuthorsPreset(166).retainLists, (std::vector<int64_t>{300, 200, 110}));
  EXPECT_EQ(sparsevlmVitcopAuthorsPreset(30).retainLists, (std::vector<int64_t>{30, 17, 9}));
  EXPECT_EQ(sparsevlmVitcopAuthorsPreset(13).retainLists, (std::vector<int64_t>{15, 7, 4}));
}

// SQ-06: the keep count is capped at n_vis - 1, so one token is always recycled.
TEST(BaselineSettings, SparsevlmCapLeavesOneRecycledToken) {
  SparsevlmSettings s;
  s.retainLists = {1000, 1000, 1000};
  const auto stages = sparsevlmStageCounts(s, kLlava);
  EXPECT_EQ(stages[0].kept, 575);
  EXPECT_EQ(stages[0].recycled, 1);
  EXPECT_EQ(stages[0].clusters, 1);
  EXPECT_EQ(stages[0].after, 576);
}

// Spec 6.9: layers rhe([2,6,15] L/32) strictly increasing, lists re-solved for the average.
TEST(BaselineSettings, SparsevlmGeneralisation) {
  const SparsevlmSettings deep = sparsevlmSettingsForBudget(192, kDeep);
  EXPECT_EQ(deep.layers, (std::vector<int64_t>{2, 8, 19}));
  EXPECT_NEAR(average(sparsevlmLayerVisualTokens(deep, kDeep)), 192.0, 1.0);
  const SparsevlmSettings odd = sparsevlmSettingsForBudget(150, kLlava);
  EXPECT_NEAR(average(sparsevlmLayerVisualTokens(odd, kLlava)), 150.0, 1.0);
  const VisualGeometry shallow{24, 24, 1, 8};  // rhe([0.5, 1.5, 3.75]) = [0, 2, 4]
  EXPECT_EQ(sparsevlmSettingsForBudget(192, shallow).layers, (std::vector<int64_t>{0, 2, 4}));
}

// Spec 3.3 / 3.9: authors' default 288/144/72 at [8,16,24] (mean 270); ours at [2,12,22].
TEST(BaselineSettings, PdropSchedulesMatchSpec39) {
  const PdropSettings def = pdropAuthorsDefault(kLlava);
  EXPECT_EQ(def.stageTokens, (std::vector<int64_t>{288, 144, 72}));
  EXPECT_DOUBLE_EQ(average(pdropLayerVisualTokens(def, kLlava)), 270.0);
  struct Row {
    int budget;
    std::vector<int64_t> counts;
    double mean;
  };
  for (const Row& row : {Row{192, {286, 142, 71}, 191.9375}, Row{128, {201, 70, 24}, 128.1875},
                         Row{64, {78, 10, 1}, 63.8125}}) {
    SCOPED_TRACE(row.budget);
    const PdropSettings s = pdropSettingsForBudget(row.budget, kLlava);
    EXPECT_EQ(s.layers, (std::vector<int64_t>{2, 12, 22}));
    EXPECT_EQ(s.stageTokens, row.counts);
    EXPECT_DOUBLE_EQ(average(pdropLayerVisualTokens(s, kLlava)), row.mean);
    // The stated lambdas reproduce the counts by trunc(576 lambda^s).
    for (size_t i = 0; i < 3; ++i)
      EXPECT_EQ(static_cast<int64_t>(576 * std::pow(s.lambda, i + 1.0)), row.counts[i]);
  }
  // PQ-03: counts trunc(P * ratio), relative to the original P.
  EXPECT_EQ(pdropCountsFromRatios({0.3333, 0.1}, 576), (std::vector<int64_t>{191, 57}));
}

TEST(BaselineSettings, PdropGeneralisation) {
  const PdropSettings deep = pdropSettingsForBudget(192, kDeep);
  EXPECT_EQ(deep.layers, (std::vector<int64_t>{2, 15, 28}));
  EXPECT_NEAR(average(pdropLayerVisualTokens(deep, kDeep)), 192.0, 1.0);
  const PdropSettings odd = pdropSettingsForBudget(100, kLlava);
  EXPECT_NEAR(average(pdropLayerVisualTokens(odd, kLlava)), 100.0, 1.0);
  EXPECT_GT(odd.lambda, 0.0);
  EXPECT_LT(odd.lambda, 1.0);
}

// Spec 3.4 / 3.9 / 6.9.
TEST(BaselineSettings, VisionzipSplits) {
  EXPECT_EQ(visionzipSettingsForBudget(192, kLlava).dominant, 162);
  EXPECT_EQ(visionzipSettingsForBudget(192, kLlava).contextual, 30);
  EXPECT_EQ(visionzipSettingsForBudget(128, kLlava).dominant, 108);
  EXPECT_EQ(visionzipSettingsForBudget(128, kLlava).contextual, 20);
  EXPECT_EQ(visionzipSettingsForBudget(64, kLlava).dominant, 54);
  EXPECT_EQ(visionzipSettingsForBudget(64, kLlava).contextual, 10);
  EXPECT_EQ(visionzipVitcopAuthorsPreset(192).dominant, 164);
  EXPECT_EQ(visionzipVitcopAuthorsPreset(192).contextual, 28);
  EXPECT_EQ(visionzipVitcopAuthorsPreset(48).outputTokens(), 48);
  const VisionzipSettings odd = visionzipSettingsForBudget(100, kLlava);  // rhe(84.375) = 84
  EXPECT_EQ(odd.dominant, 84);
  EXPECT_EQ(odd.contextual, 16);
}

// Spec 3.5 / 3.9: authors' M -> 196/132/68 kept (219.75/159.75/99.75); ours TOPK 20/12/3 ->
// 164/100/28 (189.75/129.75/62.25). DQ-05: M given -> reduction_ratio ignored.
TEST(BaselineSettings, DartRetainedCountsAndAverages) {
  const std::vector<int> budgets{192, 128, 64};
  const std::vector<int64_t> authorsKept{196, 132, 68}, oursKept{164, 100, 28};
  const std::vector<double> authorsAvg{219.75, 159.75, 99.75}, oursAvg{189.75, 129.75, 62.25};
  for (size_t i = 0; i < budgets.size(); ++i) {
    SCOPED_TRACE(budgets[i]);
    const DartSettings a = dartAuthorsPreset(budgets[i]);
    EXPECT_EQ(dartRetained(a, 576), authorsKept[i]);
    EXPECT_DOUBLE_EQ(average(dartLayerVisualTokens(a, kLlava)), authorsAvg[i]);
    const DartSettings o = dartSettingsForBudget(budgets[i], kLlava);
    EXPECT_EQ(dartRetained(o, 576), oursKept[i]);
    EXPECT_DOUBLE_EQ(average(dartLayerVisualTokens(o, kLlava)), oursAvg[i]);
  }
  DartSettings s = dartAuthorsPreset(64);
  s.reductionRatio = 0.8889;
  EXPECT_EQ(dartTokenTopk(s, 576), 8);  // M // 8, ratio ignored (DQ-05)
  s.maxTruncation.reset();
  EXPECT_EQ(dartTokenTopk(s, 576), 7);  // (576 * 0.1111) // 8 = 63.99 // 8
  s.reductionRatio = 0.778;             // the loader default: 127.872 // 8 = 15
  EXPECT_EQ(dartTokenTopk(s, 576), 15);
  // 6.9: TOPK = rhe((R_fastv - 4) / 8); L = 40: R = 172 -> 21.
  EXPECT_EQ(dartTokenTopk(dartSettingsForBudget(192, kDeep), 576), 21);
}

// Spec 3.6 / 3.9: ratio B/576 -> 192 / 128 / 64; paper default 0.098 -> 56.
TEST(BaselineSettings, DivpruneRatios) {
  EXPECT_EQ(divpruneSettingsForBudget(192, kLlava).selected(576), 192);
  EXPECT_EQ(divpruneSettingsForBudget(128, kLlava).selected(576), 128);
  EXPECT_EQ(divpruneSettingsForBudget(64, kLlava).selected(576), 64);
  EXPECT_EQ(DivpruneSettings{}.selected(576), 56);
  const VisualGeometry g27{27, 27, 1, 28};
  EXPECT_EQ(divpruneSettingsForBudget(192, g27).selected(729), 192);
}

// Spec 3.7 / 3.8 / 3.9: random keeps B at the LLM input; pooling square 196/121/64, exact
// 12x16, 8x16, 8x8.
TEST(BaselineSettings, RandomAndPoolingBudgets) {
  const RandomKeepSettings r = randomKeepSettingsForBudget(128, 7, kLlava);
  EXPECT_EQ(r.keep, 128);
  EXPECT_EQ(r.seed, 7u);
  EXPECT_DOUBLE_EQ(average(randomKeepLayerVisualTokens(r, kLlava)), 128.0);
  const std::vector<int64_t> square{196, 121, 64};
  const std::vector<std::pair<int64_t, int64_t>> exact{{12, 16}, {8, 16}, {8, 8}};
  const std::vector<int> budgets{192, 128, 64};
  for (size_t i = 0; i < budgets.size(); ++i) {
    EXPECT_EQ(poolShapeForBudget(budgets[i], 24, 24, PoolGridMode::Square).tokens(), square[i]);
    const PoolShape e = poolShapeForBudget(budgets[i], 24, 24, PoolGridMode::Exact);
    EXPECT_EQ(e.h, exact[i].first);
    EXPECT_EQ(e.w, exact[i].second);
  }
}

TEST(BaselineSettings, BadParametersNameTheParameter) {
  FastvSettings f;
  f.aggLayer = 0;
  expectError([&] { validateFastv(f, kLlava); }, "aggLayer");
  f.aggLayer = 2;
  f.retained = 577;
  expectError([&] { validateFastv(f, kLlava); }, "retained");
  expectError([] { fastvPreset(100); }, "budget 100");
  expectError([] { fastvSettingsForBudget(-3, kLlava); }, "budget");
  expectError([] { fastvSettingsForBudget(1000, kLlava); }, "retained R");

  SparsevlmSettings s;
  s.layers = {2, 2, 15};
  expectError([&] { validateSparsevlm(s, kLlava); }, "layers");
  s.layers = {2, 6, 31};
  expectError([&] { validateSparsevlm(s, kLlava); }, "layers[2]");
  s.layers = {2, 6};
  expectError([&] { validateSparsevlm(s, kLlava); }, "retainLists");
  s.layers = {2, 6, 15};
  s.retainLists = {300, 0, 110};
  expectError([&] { validateSparsevlm(s, kLlava); }, "retainLists[1]");
  expectError([] { sparsevlmPreset(100); }, "RETAIN_TOKN");

  PdropSettings p = pdropPreset(192);
  p.stageTokens = {286, 300, 71};
  expectError([&] { validatePdrop(p, kLlava); }, "stageTokens[1]");
  p = pdropPreset(192);
  p.layers = {0, 12, 22};
  expectError([&] { validatePdrop(p, kLlava); }, "layers[0]");
  expectError([] { pdropCountsFromRatios({1.5}, 576); }, "image_token_ratio_list[0]");
  expectError([] { pdropPreset(96); }, "budget 96");

  VisionzipSettings v;
  v.dominant = 0;
  expectError([&] { validateVisionzip(v, kLlava); }, "dominant");
  v.dominant = 500;
  v.contextual = 100;
  expectError([&] { validateVisionzip(v, kLlava); }, "contextual");

  DartSettings d = dartAuthorsPreset(128);
  d.layer = 32;
  expectError([&] { validateDart(d, kLlava); }, "layer K");
  d = dartAuthorsPreset(128);
  d.maxTruncation = 4096;
  expectError([&] { validateDart(d, kLlava); }, "picks exceed");
  d.maxTruncation = 0;
  expectError([&] { validateDart(d, kLlava); }, "maxTruncation");
  d = dartAuthorsPreset(128);
  d.imagePivots = 0;
  expectError([&] { validateDart(d, kLlava); }, "imagePivots");

  DivpruneSettings dp;
  dp.ratio = 0;
  expectError([&] { validateDivprune(dp, kLlava); }, "ratio");
  dp.ratio = 0.0005;
  expectError([&] { validateDivprune(dp, kLlava); }, "selects no token");

  RandomKeepSettings r;
  r.keep = 0;
  expectError([&] { validateRandomKeep(r, kLlava); }, "keep");
  r.keep = 10;
  r.layer = 32;
  expectError([&] { validateRandomKeep(r, kLlava); }, "layer");

  expectError([] { poolShapeForBudget(191, 24, 24, PoolGridMode::Exact); }, "191");
  expectError([] { poolShapeForBudget(0, 24, 24, PoolGridMode::Square); }, "budget");
  expectError([] { parsePoolGridMode("round"); }, "'round'");
}

}  // namespace
}  // namespace vitcop::pruning
