// The baselines end to end through the session layer and the engine on the tiny chat model
// (llava-tiny-a: 4x4 patches, 3 vision blocks, 3 LLM layers): every method at 33/22/11 % (the
// scaled 192/128/64) and on a 3-frame clip runs, its trace holds the planned count at every
// layer and its KV cache agrees; only the methods that need LLM attention make the engine
// compute any; merged tokens carry every patch they absorbed; and FastV and PyramidDrop select
// what the pure functions select on the engine's own tensors (PyramidDrop through the engine's
// attention probe).
#include <gtest/gtest.h>

#include <ATen/ops/allclose.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "core/generation/engine.h"
#include "core/model/llava_modules.h"
#include "core/pruning/baselines/fastv.h"
#include "core/pruning/baselines/pdrop.h"
#include "core/pruning/pruning_error.h"
#include "core/pruning/tensor_values.h"
#include "core/session/ask.h"
#include "tests/session/session_test_support.h"

namespace vitcop::session {
namespace {

using test_support::engineInputs;
using test_support::expectPreparationError;
using test_support::tinyModel;

const std::vector<std::string> kBaselines = {"fastv", "sparsevlm", "pdrop",  "visionzip",
                                             "dart",  "divprune",  "random", "downsample"};

AskRequest baselineRequest(const std::string& method, const std::string& budget) {
  AskRequest r;
  r.image = test_support::tinyImagePath();
  r.question = "What color is the circle?";
  r.maxNewTokens = 3;
  r.pruning.method = method;
  r.pruning.budget = budget;
  return r;
}

// Every patch at most once per point; returns how many patches the point carries.
size_t checkPatchesUnique(const trace::TracePoint& p) {
  std::set<int32_t> seen;
  size_t count = 0;
  for (const auto& t : p.tokens)
    for (int32_t patch : t.patches) {
      EXPECT_TRUE(seen.insert(patch).second) << p.name << " repeats patch " << patch;
      ++count;
    }
  return count;
}

void checkRun(const std::string& method, const AskResult& r) {
  const std::vector<int64_t> counts = r.trace.layerVisualCounts();
  EXPECT_EQ(counts, r.plan.layerVisualTokens);
  EXPECT_DOUBLE_EQ(r.trace.equivalentTokens, r.plan.equivalentTokens);
  EXPECT_EQ(r.trace.method, method);
  // Every layer's cache holds the same text and generated tokens plus its own visual ones.
  ASSERT_EQ(r.kvCacheLengths.size(), counts.size());
  for (size_t l = 1; l < counts.size(); ++l)
    EXPECT_EQ(r.kvCacheLengths[l] - counts[l], r.kvCacheLengths[0] - counts[0]) << l;
  EXPECT_GT(r.answerIds.size() + (r.stoppedAtEos ? 1 : 0), 0u);
  for (const auto& p : r.trace.points) {
    checkPatchesUnique(p);
    for (const auto& t : p.tokens) {
      if (t.merged) {
        EXPECT_GT(t.patches.size(), 1u) << p.name;
      }
    }
  }
}

TEST(BaselinesAsk, EveryMethodRunsAtEveryBudgetWithThePlannedCountAtEveryLayer) {
  for (const auto& method : kBaselines)
    for (const std::string budget : {"33%", "22%", "11%"}) {
      SCOPED_TRACE(method + " " + budget);
      const AskResult r = ask(*tinyModel(), baselineRequest(method, budget));
      checkRun(method, r);
      // LLM attention probabilities only for the methods whose ranking needs them: FastV one
      // row, SparseVLM the rater rows of its pruning layers, PyramidDrop one probe row per
      // boundary; DART reads cached keys, the rest the vision tower or nothing.
      if (method == "fastv") {
        EXPECT_EQ(r.llmProbabilityRows, 1);
      } else if (method == "sparsevlm") {
        EXPECT_GT(r.llmProbabilityRows, 0);
      } else if (method == "pdrop") {
        EXPECT_EQ(r.llmProbabilityRows, static_cast<int64_t>(r.plan.stages.size()));
      } else {
        EXPECT_EQ(r.llmProbabilityRows, 0);
      }
      EXPECT_LT(r.trace.equivalentTokens, 16.0);
    }
}

TEST(BaselinesAsk, VideoRunsForEveryMethod) {
  for (const auto& method : kBaselines) {
    SCOPED_TRACE(method);
    AskRequest r = baselineRequest(method, "33%");
    r.image.reset();
    r.video = test_support::movingSquareClip("baselines_clip.avi");
    r.frames = 3;
    const AskResult a = ask(*tinyModel(), r);
    EXPECT_EQ(a.trace.find("input")->tokens.size(), 48u);
    checkRun(method, a);
  }
}

TEST(BaselinesAsk, MergingMethodsListEveryAbsorbedPatch) {
  // VisionZip folds every non-dominant patch into a contextual token and passes the class token
  // (ZQ-02); pooling covers the grid.
  const AskResult vz = ask(*tinyModel(), baselineRequest("visionzip", "33%"));
  const trace::TracePoint& v = *vz.trace.find("vision");
  EXPECT_EQ(checkPatchesUnique(v), 17u);  // 16 patches + the class token
  EXPECT_EQ(v.tokens.front().patches, std::vector<int32_t>{-1});
  const AskResult ds = ask(*tinyModel(), baselineRequest("downsample", "22%"));
  EXPECT_EQ(checkPatchesUnique(*ds.trace.find("vision")), 16u);
  EXPECT_EQ(ds.trace.find("vision")->tokens.size(), 4u);  // 2x2
  // SparseVLM's recycled tokens are appended after the kept ones, merged ones flagged.
  const AskResult sv = ask(*tinyModel(), baselineRequest("sparsevlm", "33%"));
  const trace::TracePoint& l1 = *sv.trace.find("llm:1");
  ASSERT_FALSE(l1.tokens.empty());
  size_t flagged = 0;
  for (const auto& t : l1.tokens) {
    EXPECT_EQ(t.scores.count("text_attention"), 1u);
    flagged += t.merged ? 1 : 0;
  }
  EXPECT_GT(flagged + (l1.tokens.back().patches.size() == 1 ? 1 : 0), 0u);
  for (size_t i = 1; i < l1.tokens.size(); ++i)
    EXPECT_EQ(l1.tokens[i].position, l1.tokens[i - 1].position + 1);  // SQ-03
}

// ---- Against the pure functions on the engine's own tensors ----

// Unpruned run that captures the last query row's probabilities of one layer and the input of
// another (identical to a pruned run up to the method's first stage).
struct Capture : generation::InferenceHooks {
  int64_t rowsLayer, inputLayer;
  at::Tensor input;
  std::vector<model::TokenInfo> tokens;
  Capture(int64_t rows, int64_t in) : rowsLayer(rows), inputLayer(in) {}
  void beforeDecoderLayer(generation::DecoderLayerView& v) override {
    if (v.layer != inputLayer) return;
    input = v.hidden.clone();
    tokens = v.tokens;
  }
  std::vector<int64_t> attentionRows(const generation::DecoderLayerView& v) override {
    if (v.layer != rowsLayer) return {};
    return {static_cast<int64_t>(v.tokens.size()) - 1};
  }
};

std::vector<int64_t> parseList(const std::string& text) {  // "[3,1]"
  std::vector<int64_t> out;
  std::stringstream s(text.substr(1, text.size() - 2));
  std::string item;
  while (std::getline(s, item, ','))
    out.push_back(std::stoll(item));
  return out;
}

int64_t visualStart(const std::vector<model::TokenInfo>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i].isVisual()) return static_cast<int64_t>(i);
  return -1;
}

TEST(BaselinesAsk, FastvSelectsWhatThePureFunctionsSelectOnTheEngineState) {
  const auto& m = *tinyModel();
  const auto in = engineInputs(m);
  // 50 % (8 tokens per layer on average): R = rhe((8 * 3 - 16) / 2) = 4 at K = 1.
  auto method = preparePruning(m.config(), {"fastv", "50%", {}, "official", 0}, 1);
  const int64_t K = std::stoll(method->plan().resolved.at("layer"));
  const int64_t R = std::stoll(method->plan().resolved.at("retained"));
  ASSERT_EQ(R, 4);
  generation::GenerationOptions o;
  o.maxNewTokens = 1;
  o.control.hooks = method.get();
  const auto g = m.engine().generate(in.ids, in.pixels, o);

  Capture capture(K - 1, K);
  o.control.hooks = &capture;
  const auto dense = m.engine().generate(in.ids, in.pixels, o);
  const at::Tensor row = dense.state->attention.at(K - 1).select(1, 0);  // [H, n]
  EXPECT_TRUE(at::allclose(row, g.state->attention.at(K - 1).select(1, 0)));
  const int64_t vs = visualStart(capture.tokens);
  const auto n = static_cast<int64_t>(capture.tokens.size());
  const auto sel = pruning::fastvSelect(pruning::fastvScores(row, vs, 16), R, vs, n);
  std::vector<int64_t> expected;
  for (int64_t k : pruning::toInt64s(sel.keep))
    if (k >= vs && k < vs + 16) expected.push_back(k);
  std::vector<int64_t> traced;  // original positions (gaps) = the kept indices
  for (const auto& t : method->trace().find("llm:" + std::to_string(K))->tokens)
    traced.push_back(t.position);
  EXPECT_EQ(traced, expected);
  EXPECT_EQ(g.state->probabilityRows, 1);
}

TEST(BaselinesAsk, PdropProbeRanksAsThePureFunctionOnTheEngineState) {
  const auto& m = *tinyModel();
  const auto in = engineInputs(m);
  auto method = preparePruning(m.config(), {"pdrop", "50%", {}, "official", 0}, 1);
  const std::vector<int64_t> layers = parseList(method->plan().resolved.at("layers"));
  const std::vector<int64_t> counts = parseList(method->plan().resolved.at("stage_tokens"));
  ASSERT_FALSE(layers.empty());
  const int64_t r = layers[0];
  generation::GenerationOptions o;
  o.maxNewTokens = 1;
  o.control.hooks = method.get();
  m.engine().generate(in.ids, in.pixels, o);

  // Layer r's own norm and q/k on layer r-1's output (PQ-01), from the checkpoint's weights.
  Capture capture(-1, r);
  o.control.hooks = &capture;
  m.engine().generate(in.ids, in.pixels, o);
  auto& block = m.model().module().language_model->model->block(r);
  const auto& text = m.config().text;
  pruning::PdropRankLayer rank;
  rank.normWeight = block->input_layernorm->weight;
  rank.normEps = text.rmsNormEps;
  rank.qWeight = block->self_attn->q_proj->weight;
  rank.kWeight = block->self_attn->k_proj->weight;
  rank.heads = text.numHeads;
  rank.kvHeads = text.numKvHeads;
  rank.ropeBase = text.ropeTheta;
  const int64_t vs = visualStart(capture.tokens);
  const auto n = static_cast<int64_t>(capture.tokens.size());
  const at::Tensor scores = pruning::pdropScores(capture.input, rank, n - 1, vs, 16);
  const auto drop = pruning::pdropDrop(capture.input, scores, counts[0], vs);
  std::vector<int32_t> expected;
  for (int64_t k : pruning::toInt64s(drop.keep))
    expected.push_back(static_cast<int32_t>(k - vs));  // unpruned window: patch = index
  const trace::TracePoint& point = *method->trace().find("llm:" + std::to_string(r));
  std::vector<int32_t> traced;
  for (const auto& t : point.tokens) {
    traced.push_back(t.patches.at(0));
    const double want = scores[t.patches.at(0)].item<double>();
    EXPECT_NEAR(t.scores.at("text_attention"), want, 1e-6 + 1e-5 * std::abs(want));
  }
  EXPECT_EQ(traced, expected);
  // Renumbered positions (PQ-02).
  for (size_t i = 1; i < point.tokens.size(); ++i)
    EXPECT_EQ(point.tokens[i].position, point.tokens[i - 1].position + 1);
}

TEST(BaselinesAsk, BadParametersFailBeforeAnyModelCompute) {
  expectPreparationError({"fastv", "17", {}, "official", 0}, "exceeds the 16");
  expectPreparationError({"fastv", "33%", {"layer=3"}, "official", 0}, "below the 3 LLM layers");
  expectPreparationError({"pdrop", "33%", {"lambda=2"}, "official", 0}, "lambda=2 is outside");
  expectPreparationError({"visionzip", "33%", {"dominant=20"}, "official", 0},
                         "dominant must be in [1, 17]");
  expectPreparationError({"dart", "33%", {"text_pivots=-1"}, "official", 0},
                         "text_pivots=-1 is outside");
  expectPreparationError({"downsample", "33%", {"grid=exact"}, "official", 0},
                         "whole number of tokens");
  std::atomic<bool> cancel{true};
  AskRequest r = baselineRequest("dart", "33%");
  r.pruning.params = {"layer=5"};
  r.cancel = &cancel;
  EXPECT_THROW(ask(*tinyModel(), r), pruning::PruningError);
}

}  // namespace
}  // namespace vitcop::session
