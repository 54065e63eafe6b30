// The baseline plugins without a model: registry order, the authors' settings on LLaVA-1.5-7B
// geometry for 192/128/64 (per-layer counts and real averages of spec 3.2 / 3.9), exactly the
// signals each method needs, the spec-6.9 generalisation down to the 3-layer 4x4 test geometry,
// video, and one-line errors for bad parameters before any compute.
#include <gtest/gtest.h>

#include <functional>

#include "core/model/llava_model.h"
#include "core/pruning/baselines/dart.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/baselines/pdrop.h"
#include "core/pruning/baselines/sparsevlm.h"
#include "core/pruning/method_registry.h"
#include "core/pruning/pruning_error.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::errorOf;

MethodRequest llava7b(double budget, std::vector<std::string> params = {}, int64_t frames = 1) {
  MethodRequest r;
  r.geometry = ModelGeometry::fromConfig(model::presetConfig("llava-1.5-7b"), frames);
  r.budget = budget;
  r.params = ParamValues::parse(params);
  return r;
}

// llava-tiny-a: 4x4 patches, 3 vision blocks (b* = 1), 3 LLM layers.
MethodRequest tiny(double budget, std::vector<std::string> params = {}, int64_t frames = 1) {
  MethodRequest r;
  r.geometry.visual = {4, 4, frames, 3};
  r.geometry.visionLayers = 3;
  r.geometry.featureBlock = 1;
  r.geometry.visionHeads = 4;
  r.budget = budget;
  r.params = ParamValues::parse(params);
  return r;
}

const std::vector<std::string> kBaselines = {"fastv", "sparsevlm", "pdrop",  "visionzip",
                                             "dart",  "divprune",  "random", "downsample"};

TEST(BaselineRegistry, ListsAllTenMethodsInDisplayOrder) {
  std::vector<std::string> expected = {"none", "vitcop"};
  expected.insert(expected.end(), kBaselines.begin(), kBaselines.end());
  EXPECT_EQ(methodNames(), expected);
  for (const auto& info : methodInfos()) {
    EXPECT_FALSE(info.actsAt.empty()) << info.name;
    EXPECT_FALSE(info.signals.empty()) << info.name;
    EXPECT_FALSE(info.source.empty()) << info.name;
  }
}

TEST(BaselinePlans, AuthorsSettingsOnLlava7b) {
  const struct {
    std::string method;
    std::vector<double> means;  // for 192 / 128 / 64
  } rows[] = {
      {"fastv", {191.625, 127.875, 64.125}},     // K 2, R 166/98/30
      {"sparsevlm", {206.5, 145.40625, 82.25}},  // score.py v1.x lists (SQ-02 accounting)
      {"pdrop", {191.9375, 128.1875, 63.8125}},  // ours [2,12,22]
      {"visionzip", {192, 128, 64}},             // 162+30, 108+20, 54+10
      {"dart", {189.75, 129.75, 62.25}},         // TOPK 20/12/3
      {"divprune", {192, 128, 64}},              // ratio 0.3333/0.2222/0.1111
      {"random", {192, 128, 64}},                // B at the LLM input
      {"downsample", {196, 121, 64}},            // 14x14, 11x11, 8x8
  };
  const double budgets[] = {192, 128, 64};
  for (const auto& row : rows) {
    auto m = createMethod(row.method);
    for (size_t i = 0; i < 3; ++i) {
      SCOPED_TRACE(row.method + " " + std::to_string(budgets[i]));
      const MethodPlan& plan = m->configure(llava7b(budgets[i]));
      ASSERT_EQ(plan.layerVisualTokens.size(), 32u);
      EXPECT_DOUBLE_EQ(plan.equivalentTokens, row.means[i]);
      EXPECT_DOUBLE_EQ(meanVisualTokens(plan.layerVisualTokens), plan.equivalentTokens);
      EXPECT_FALSE(plan.stages.empty());
      EXPECT_FALSE(plan.resolved.empty());
    }
  }
  // The per-layer schedules are the pure functions' own.
  const VisualGeometry g;
  EXPECT_EQ(createMethod("fastv")->configure(llava7b(128)).layerVisualTokens,
            fastvLayerVisualTokens(fastvPreset(128), g));
  EXPECT_EQ(createMethod("sparsevlm")->configure(llava7b(64)).layerVisualTokens,
            sparsevlmLayerVisualTokens(sparsevlmPreset(64), g));
  EXPECT_EQ(createMethod("pdrop")->configure(llava7b(64)).layerVisualTokens,
            pdropLayerVisualTokens(pdropPreset(64), g));
  EXPECT_EQ(createMethod("dart")->configure(llava7b(192)).layerVisualTokens,
            dartLayerVisualTokens(dartPreset(192), g));
  // Other budgets on LLaVA follow spec 6.9 exactly as the pure settings do.
  EXPECT_EQ(createMethod("fastv")->configure(llava7b(100)).layerVisualTokens,
            fastvLayerVisualTokens(fastvSettingsForBudget(100, g), g));
  EXPECT_EQ(createMethod("dart")->configure(llava7b(100)).layerVisualTokens,
            dartLayerVisualTokens(dartSettingsForBudget(100, g), g));
  // The alternative published presets.
  EXPECT_DOUBLE_EQ(
      createMethod("dart")->configure(llava7b(128, {"preset=authors"})).equivalentTokens, 159.75);
  const MethodPlan vz =
      createMethod("visionzip")->configure(llava7b(192, {"preset=vitcop_authors"}));
  EXPECT_EQ(vz.resolved.at("dominant"), "164");
  EXPECT_EQ(vz.resolved.at("contextual"), "28");
  EXPECT_EQ(createMethod("sparsevlm")
                ->configure(llava7b(64, {"preset=vitcop_authors"}))
                .resolved.at("retain_lists"),
            "[30,17,9]");
}

TEST(BaselinePlans, DeclareOnlyTheSignalsTheyNeed) {
  using V = std::vector<int64_t>;
  auto signals = [](const std::string& name) {
    return createMethod(name)->configure(llava7b(128)).signals;
  };
  const SignalPlan fastv = signals("fastv");
  EXPECT_EQ(fastv.llmAttention, V{1});  // the last row of layer K-1 = 1
  EXPECT_TRUE(fastv.llmCachedKeys.empty() && fastv.visionClsAttention.empty());
  EXPECT_EQ(signals("sparsevlm").llmAttention, (V{2, 6, 15}));
  const SignalPlan pdrop = signals("pdrop");  // ranks with the engine's probe, not the kernels
  EXPECT_TRUE(pdrop.llmAttention.empty() && pdrop.llmCachedKeys.empty());
  const SignalPlan vz = signals("visionzip");
  EXPECT_EQ(vz.visionClsAttention, V{22});
  EXPECT_EQ(vz.visionKeys, V{22});
  EXPECT_TRUE(vz.llmAttention.empty());
  const SignalPlan dart = signals("dart");
  EXPECT_EQ(dart.llmCachedKeys, V{1});
  EXPECT_TRUE(dart.llmAttention.empty());  // DQ-07
  for (const std::string name : {"divprune", "random", "downsample"}) {
    const SignalPlan s = signals(name);
    EXPECT_TRUE(s.llmAttention.empty() && s.llmCachedKeys.empty() && s.visionClsAttention.empty() &&
                s.visionKeys.empty())
        << name;
  }
  // Requests reach the engine only for the declared layers.
  auto m = createMethod("visionzip");
  m->configure(llava7b(64));
  EXPECT_TRUE(m->wantsVisionClsAttention(22));
  EXPECT_FALSE(m->wantsVisionClsAttention(23));
}

TEST(BaselinePlans, TinyGeometryGivesAValidScheduleForEveryBudget) {
  // 33 / 22 / 11 % of 16 patches. In-LLM methods cannot go below their structural floor (the
  // layers before their first stage see all 16 tokens): they keep one token and say so.
  for (const auto& name : kBaselines)
    for (double b : {0.33 * 16, 0.22 * 16, 0.11 * 16}) {
      SCOPED_TRACE(name + " " + std::to_string(b));
      auto m = createMethod(name);
      const MethodPlan& plan = m->configure(tiny(b));
      ASSERT_EQ(plan.layerVisualTokens.size(), 3u);
      for (int64_t c : plan.layerVisualTokens) {
        EXPECT_GE(c, 1);
        EXPECT_LE(c, 16);
      }
      EXPECT_LE(plan.layerVisualTokens.back(), plan.layerVisualTokens.front());
    }
  const MethodPlan f = createMethod("fastv")->configure(tiny(0.11 * 16));
  EXPECT_EQ(f.layerVisualTokens, (std::vector<int64_t>{16, 1, 1}));
  EXPECT_NE(f.origin.find("floor"), std::string::npos) << f.origin;
  // SparseVLM's third stage and PyramidDrop's third boundary fall off a 3-layer decoder.
  EXPECT_EQ(createMethod("sparsevlm")->configure(tiny(5.28)).signals.llmAttention,
            (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(createMethod("pdrop")->configure(tiny(5.28)).stages.size(), 2u);
  // DART's pivots scale with the grid (4 of 576 -> 1 of 16).
  EXPECT_EQ(createMethod("dart")->configure(tiny(5.28)).resolved.at("image_pivots"), "1");
  // Flat methods hit the budget.
  EXPECT_DOUBLE_EQ(createMethod("visionzip")->configure(tiny(5.28)).equivalentTokens, 5);
  EXPECT_DOUBLE_EQ(createMethod("divprune")->configure(tiny(3.52)).equivalentTokens, 4);
  EXPECT_DOUBLE_EQ(createMethod("downsample")->configure(tiny(1.76)).equivalentTokens, 1);
}

TEST(BaselinePlans, VideoGeneralisations) {
  // Vision-side methods zip / pool each frame; LLM-side ones treat all frames as one window.
  const MethodPlan vz = createMethod("visionzip")->configure(tiny(0.33 * 48, {}, 3));
  EXPECT_EQ(vz.llmInputTokens, 15);  // 3 x rhe(5.28)
  EXPECT_EQ(createMethod("downsample")->configure(tiny(0.33 * 48, {}, 3)).llmInputTokens, 12);
  EXPECT_EQ(createMethod("fastv")->configure(tiny(0.33 * 48, {}, 3)).layerVisualTokens[0], 48);
  EXPECT_EQ(createMethod("random")->configure(llava7b(192, {}, 4)).llmInputTokens, 192);
}

TEST(BaselinePlans, BadParametersFailWithOneLine) {
  const auto expectError = [](const std::string& method, const MethodRequest& r,
                              const std::string& needle) {
    const std::string e = errorOf([&] { createMethod(method)->configure(r); });
    EXPECT_NE(e.find(needle), std::string::npos) << method << ": " << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  };
  for (const auto& name : kBaselines) {
    expectError(name, llava7b(600), "exceeds the 576 visual tokens");
    expectError(name, llava7b(0), "positive");
    expectError(name, llava7b(64, {"bogus=1"}), "unknown --param bogus");
  }
  expectError("fastv", llava7b(64, {"layer=32"}), "layer=32 must be below the 32 LLM layers");
  expectError("fastv", llava7b(64, {"retained=600"}), "retained=600 exceeds the 576");
  expectError("fastv", llava7b(64, {"layer=0"}), "layer=0 is outside");
  expectError("sparsevlm", llava7b(128, {"preset=vitcop_authors"}), "192, 64 and 48");
  expectError("pdrop", llava7b(64, {"lambda=0"}), "lambda=0 is outside (0, 1]");
  expectError("visionzip", llava7b(64, {"dominant=600"}), "dominant must be in [1, 577]");
  expectError("visionzip", llava7b(128, {"preset=vitcop_authors"}), "192, 96, 64 and 48");
  expectError("dart", llava7b(100, {"preset=authors"}), "M = 192/128/64");
  expectError("dart", llava7b(64, {"image_pivots=300", "topk=1"}), "picks exceed");
  expectError("divprune", llava7b(64, {"ratio=1.5"}), "ratio=1.5 is outside (0, 1]");
  expectError("random", llava7b(64, {"positions=original"}), "needs --param layer >= 1");
  expectError("random", llava7b(64, {"layer=40"}), "layer 40 must be in [1, 31]");
  expectError("downsample", llava7b(191, {"grid=exact"}), "191");
  expectError("downsample", llava7b(64, {"grid=round"}), "grid=round is not one of");
  // The class token in the LLM sequence ("full") has no window definition here.
  MethodRequest full = llava7b(64);
  full.geometry.classTokenInLlm = true;
  for (const auto& name : kBaselines)
    expectError(name, full, "\"full\"");
}

}  // namespace
}  // namespace vitcop::pruning
