#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/trace/run_trace.h"

namespace vitcop::trace {
namespace {

// 2x2 grid, 2 LLM layers: 4 patches in, 3 after the vision stage, then patch 3 merged into 1.
RunTrace sample() {
  RunTrace t;
  t.method = "vitcop";
  t.params = {{"S", "1"}};
  t.budget = 2.5;
  t.geometry = {1, 2, 14, 28, 2};
  t.question = "What colour?";
  t.answer = "red";
  t.timings.add("prefill", 3.5);
  TracePoint input{"input", "all patches", {}, 0.0};
  for (int32_t p = 0; p < 4; ++p)
    input.tokens.push_back({{p}, -1, -2, false, false, {{kScoreClsAttention, 0.1 * p}}});
  TracePoint vision{"vision", "Stage I", {}, 0.25};
  for (int32_t p : {1, 2, 3})
    vision.tokens.push_back({{p}, -1, 0, p == 2, false, {}});
  TracePoint l0{"llm:0", "LLM input", vision.tokens, 0.0};
  for (size_t i = 0; i < l0.tokens.size(); ++i)
    l0.tokens[i].position = 5 + static_cast<int64_t>(i);
  TracePoint l1{"llm:1",
                "Stage II",
                {{{1, 3}, 5, 0, false, true, {{kScoreKeyNorm, 2.0}}}, {{2}, 6, 0, true, false, {}}},
                0.5};
  t.points = {input, vision, l0, l1};
  t.equivalentTokens = 2.5;
  t.prefillFlops = 1e6;
  return t;
}

TEST(RunTrace, JsonRoundTripKeepsEverything) {
  const RunTrace a = sample();
  const RunTrace b = RunTrace::fromJson(a.toJson(), "mem");
  EXPECT_EQ(b.toJson(), a.toJson());
  ASSERT_NE(b.find("llm:1"), nullptr);
  const auto& merged = b.find("llm:1")->tokens[0];
  EXPECT_EQ(merged.patches, (std::vector<int32_t>{1, 3}));
  EXPECT_TRUE(merged.merged);
  EXPECT_DOUBLE_EQ(merged.scores.at(kScoreKeyNorm), 2.0);
  EXPECT_TRUE(b.find("vision")->tokens[1].clusterCentre);
  EXPECT_DOUBLE_EQ(b.timings.stageMs("prefill"), 3.5);
}

TEST(RunTrace, NonFiniteScoresSurviveTheRoundTrip) {
  // VIC's delta is +inf for a token with no denser neighbour in the radius; JSON has no inf.
  RunTrace a = sample();
  auto& scores = a.points[1].tokens[0].scores;
  scores[kScoreDelta] = std::numeric_limits<double>::infinity();
  scores[kScoreGamma] = -std::numeric_limits<double>::infinity();
  scores[kScoreDensity] = std::numeric_limits<double>::quiet_NaN();
  const std::string json = a.toJson(-1);
  EXPECT_NE(json.find("\"delta\":\"inf\""), std::string::npos);
  const RunTrace b = RunTrace::fromJson(json, "mem");
  const auto& back = b.points[1].tokens[0].scores;
  EXPECT_TRUE(std::isinf(back.at(kScoreDelta)) && back.at(kScoreDelta) > 0);
  EXPECT_TRUE(std::isinf(back.at(kScoreGamma)) && back.at(kScoreGamma) < 0);
  EXPECT_TRUE(std::isnan(back.at(kScoreDensity)));
  std::string bad = json;
  bad.replace(bad.find("\"inf\""), 5, "\"big\"");
  try {
    RunTrace::fromJson(bad, "t.json");
    FAIL() << "a score string other than inf/-inf/nan was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("t.json: point vision"), std::string::npos) << e.what();
  }
}

TEST(RunTrace, CountsAndSurvival) {
  const RunTrace t = sample();
  EXPECT_EQ(t.layerVisualCounts(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(t.lastLayerAlive(0), -1);  // dropped by the vision stage
  EXPECT_EQ(t.lastLayerAlive(3), 1);   // merged into token 1, still alive at layer 1
  EXPECT_EQ(t.lastLayerAlive(2), 1);
  EXPECT_EQ(llmLayerOf("llm:12"), 12);
  EXPECT_FALSE(llmLayerOf("vision"));
  EXPECT_FALSE(llmLayerOf("llm:"));
  EXPECT_FALSE(llmLayerOf("llm:1a"));
  EXPECT_EQ(llmPointName(7), "llm:7");
}

std::string errorOf(const std::string& json) {
  try {
    RunTrace::fromJson(json, "run.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(RunTrace, BadFilesNameTheProblem) {
  EXPECT_NE(errorOf("{not json").find("run.json: not valid JSON"), std::string::npos);
  EXPECT_NE(errorOf("{\"a\": 1}").find("not a ViTCoP Inspector trace"), std::string::npos);
  std::string other = sample().toJson();
  other.replace(other.find("\"schema_version\": 1"), 19, "\"schema_version\": 99");
  EXPECT_NE(errorOf(other).find("schema version 99"), std::string::npos);
  std::string outside = sample().toJson(-1);
  outside.replace(outside.find("\"patches\":[3]"), 13, "\"patches\":[40]");
  EXPECT_NE(errorOf(outside).find("patch 40 is outside"), std::string::npos);
  std::string noGeometry = sample().toJson(-1);
  noGeometry.replace(noGeometry.find("\"grid_side\""), 11, "\"grid_sides\"");
  EXPECT_NE(errorOf(noGeometry).find("missing key 'grid_side'"), std::string::npos);
}

}  // namespace
}  // namespace vitcop::trace
