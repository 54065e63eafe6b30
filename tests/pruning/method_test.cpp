// The method interface without a model: parameter declarations and validation, the registry,
// the trace recorder's carry-forward of annotations, and ViTCoP's plan for LLaVA-1.5-7B
// geometry (the released counts and exactly the signals it needs).
#include <gtest/gtest.h>

#include "core/model/llava_model.h"
#include "core/pruning/method_registry.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/trace_recorder.h"
#include "tests/pruning/pruning_test_util.h"

namespace vitcop::pruning {
namespace {

using testutil::errorOf;

TEST(MethodParams, ValidateTypesRangesAndNames) {
  std::vector<ParamSpec> specs(3);
  specs[0].name = "v";
  specs[0].min = 0;
  specs[0].max = 1;
  specs[0].minOpen = true;
  specs[1].name = "n";
  specs[1].kind = ParamKind::Integer;
  specs[1].min = 1;
  specs[1].max = 8;
  specs[2].name = "mode";
  specs[2].kind = ParamKind::Choice;
  specs[2].choices = {"a", "b"};
  EXPECT_EQ(specs[0].rangeText(), "(0, 1]");
  EXPECT_EQ(specs[2].rangeText(), "a|b");
  const auto check = [&](std::vector<std::string> items) {
    return errorOf([&] { ParamValues::parse(items).validate("m", specs); });
  };
  EXPECT_EQ(check({"v=0.5", "n=8", "mode=b"}), "(no error)");
  EXPECT_EQ(check({"v=0"}), "m: --param v=0 is outside (0, 1]");
  EXPECT_EQ(check({"v=1.5"}), "m: --param v=1.5 is outside (0, 1]");
  EXPECT_EQ(check({"v=x"}), "m: --param v=x is not a number");
  EXPECT_EQ(check({"n=2.5"}), "m: --param n=2.5 is not an integer");
  EXPECT_EQ(check({"mode=c"}), "m: --param mode=c is not one of a|b");
  EXPECT_EQ(check({"w=1"}), "m: unknown --param w (known: v, n, mode)");
  EXPECT_EQ(check({"v=0.1", "v=0.2"}), "--param v is given twice");
  EXPECT_EQ(check({"=3"}), "--param =3: expected NAME=VALUE");
  const ParamValues p = ParamValues::parse({"v=0.25", "n=3"});
  EXPECT_DOUBLE_EQ(*p.real("v"), 0.25);
  EXPECT_EQ(*p.integer("n"), 3);
  EXPECT_FALSE(p.real("mode").has_value());
}

TEST(MethodRegistry, ListsMethodsAndRejectsUnknownNames) {
  const auto names = methodNames();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "none");
  EXPECT_EQ(names[1], "vitcop");
  for (const auto& info : methodInfos()) {
    EXPECT_FALSE(info.summary.empty()) << info.name;
    for (const auto& p : info.params)
      EXPECT_FALSE(p.help.empty()) << info.name << " " << p.name;
  }
  EXPECT_NE(errorOf([] { createMethod("fastv2"); }).find("unknown method 'fastv2' (known: none"),
            std::string::npos);
}

MethodRequest llava7b(double budget) {
  MethodRequest r;
  r.geometry = ModelGeometry::fromConfig(model::presetConfig("llava-1.5-7b"), 1);
  r.budget = budget;
  return r;
}

TEST(VitcopPlan, ReleasedSettingsAndOnlyTheSignalsItNeeds) {
  auto m = createMethod("vitcop");
  const struct {
    double budget;
    std::vector<int64_t> counts;  // N_v, R1, R2
  } rows[] = {{192, {288, 253, 51}}, {128, {230, 165, 33}}, {64, {172, 77, 15}}};
  for (const auto& row : rows) {
    const MethodPlan& plan = m->configure(llava7b(row.budget));
    ASSERT_EQ(plan.layerVisualTokens.size(), 32u);
    EXPECT_EQ(plan.layerVisualTokens[0], row.counts[0]);
    EXPECT_EQ(plan.layerVisualTokens[2], row.counts[1]);
    EXPECT_EQ(plan.layerVisualTokens[22], row.counts[2]);
    EXPECT_EQ(plan.origin, "released " + std::to_string(static_cast<int>(row.budget)));
    EXPECT_EQ(plan.signals.visionClsAttention, std::vector<int64_t>{22});
    EXPECT_EQ(plan.signals.visionKeys, std::vector<int64_t>{22});
    EXPECT_TRUE(plan.signals.llmAttention.empty());
    EXPECT_EQ(plan.signals.llmCachedKeys, (std::vector<int64_t>{1, 21}));
  }
  // The engine is asked for exactly these signals.
  EXPECT_TRUE(m->wantsVisionClsAttention(22));
  EXPECT_FALSE(m->wantsVisionClsAttention(21));
  EXPECT_FALSE(m->wantsVisionKeys(23));
  EXPECT_NE(errorOf([&] { m->configure(llava7b(600)); }).find("exceeds the 576 visual tokens"),
            std::string::npos);
  MethodRequest bad = llava7b(64);
  bad.params = ParamValues::parse({"deep_layer=32"});
  EXPECT_NE(errorOf([&] { m->configure(bad); }).find("deep layer D (32) must be < LLM layers"),
            std::string::npos);
  bad.params = ParamValues::parse({"shallow_layer=22"});
  EXPECT_NE(errorOf([&] { m->configure(bad); }).find("must be < deep layer D"), std::string::npos);
}

TEST(VitcopPlan, TinyBudgetsFloorTheDeepCountInsteadOfFailing) {
  // 11 % of a 4x4 grid over 3 layers is 1.76 tokens: the derived lines give R1 = 0; the
  // tiny-budget rule keeps one token in every stage and says so in the origin.
  auto m = createMethod("vitcop");
  MethodRequest r;
  r.geometry.visual = {4, 4, 1, 3};
  r.geometry.visionLayers = 3;
  r.geometry.featureBlock = 1;
  r.budget = 0.11 * 16;
  const MethodPlan& plan = m->configure(r);
  EXPECT_EQ(plan.layerVisualTokens.back(), 1);
  EXPECT_GE(plan.layerVisualTokens[1], 1);
  EXPECT_NE(plan.origin.find("tiny budget"), std::string::npos) << plan.origin;
  // A user-given v is not lowered: the error names the problem instead.
  r.params = ParamValues::parse({"keep_ratio=0.3"});
  EXPECT_NE(errorOf([&] { m->configure(r); }).find("budget too small"), std::string::npos);
}

TEST(TraceRecorder, CarriesAnnotationsOfSurvivorsForward) {
  ModelGeometry g;
  g.visual = {2, 2, 1, 3};
  TraceRecorder rec;
  rec.reset(g);
  rec.inputScores("s", {0.1, 0.2, 0.3, 0.4});
  rec.pendingScores("s", {0.2, 0.4});
  rec.pendingClusters({0, 1}, {true, false});
  std::vector<model::VisualTokens> images(1);
  images[0].origins = {{1}, {3}};
  rec.recordVision(images, 1.5);
  const auto tok = [](std::vector<int32_t> patches) {
    model::TokenInfo t;
    t.kind = model::TokenKind::Visual;
    t.patches = std::move(patches);
    return t;
  };
  const model::TokenInfo text;
  rec.recordLayer(0, {text, tok({1}), tok({3}), text}, {0, 1, 2, 3}, 0.0);
  rec.pendingMerged({true});
  rec.pendingScores("k", {7.0});
  rec.recordLayer(1, {text, tok({3, 1}), text}, {0, 2, 3}, 0.5);
  rec.recordLayer(2, {text, tok({3, 1}), text}, {0, 1, 2}, 0.0);
  const auto& t = rec.trace();
  ASSERT_EQ(t.points.size(), 5u);
  EXPECT_DOUBLE_EQ(t.points[0].tokens[2].scores.at("s"), 0.3);
  const auto& l0 = *t.find("llm:0");
  EXPECT_EQ(l0.tokens[0].cluster, 0);  // carried from "vision"
  EXPECT_TRUE(l0.tokens[0].clusterCentre);
  EXPECT_DOUBLE_EQ(l0.tokens[1].scores.at("s"), 0.4);
  EXPECT_EQ(l0.tokens[1].position, 2);
  const auto& l2 = *t.find("llm:2");
  EXPECT_TRUE(l2.tokens[0].merged);  // carried from llm:1
  EXPECT_DOUBLE_EQ(l2.tokens[0].scores.at("k"), 7.0);
  EXPECT_EQ(l2.tokens[0].position, 1);
  EXPECT_EQ(t.layerVisualCounts(), (std::vector<int64_t>{2, 1, 1}));
  EXPECT_NE(errorOf([&] {
              rec.pendingScores("x", {1, 2, 3}), rec.recordLayer(0, {tok({1})}, {0}, 0);
            }).find("3 entries for 1 visual tokens"),
            std::string::npos);
}

}  // namespace
}  // namespace vitcop::pruning
